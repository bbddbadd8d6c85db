/**
 * Base64 of bytes with the standard alphabet and padding (RFC 4648 §4), by the
 * `atob`/`btoa` globals of browsers and Node ≥ 16, so model files parse in both.
 */

const CHUNK = 0x8000;

/** Standard base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Bytes of a standard base64 string. @throws DOMException/Error on characters outside the alphabet. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
