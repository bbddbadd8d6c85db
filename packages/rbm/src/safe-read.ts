/**
 * Opening a file named by a user, a model file or a queued job (Node only): a
 * trust boundary. The file is opened without blocking (a FIFO would otherwise
 * hang the reader until someone writes to it) and inspected before a byte is
 * read: anything that is not a regular file — a directory, a FIFO, a character
 * or block device such as /dev/zero, a socket — is refused with one line, and so
 * are missing files, symbolic-link loops and unreadable files.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** A file that cannot be read safely: the message names the path and why, never its contents. */
export class FileRefusedError extends RangeError {
  override readonly name = 'FileRefusedError';
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'a loop of symbolic links',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENAMETOOLONG: 'the name is too long',
  EISDIR: 'a directory',
  ENXIO: 'it is a socket or a device with nothing behind it, not a regular file',
};

/**
 * Opens a regular file for reading; returns its descriptor and size.
 * @throws FileRefusedError for anything else (one line naming the path and the reason)
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new FileRefusedError(`cannot read ${path}: ${REASONS[code] ?? code}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new FileRefusedError(`cannot read ${path}: it is ${kindOf(st)}, not a regular file`);
  }
  return { fd, size: st.size };
}

/**
 * The whole of a regular file of at most `maxBytes`, as UTF-8 text.
 * @throws FileRefusedError for a non-regular file or one over the limit
 */
export function readRegularFileText(path: string, maxBytes: number, what = 'file', raise = ''): string {
  const { fd, size } = openRegularFile(path);
  try {
    if (size > maxBytes)
      throw new FileRefusedError(
        `${path} is ${size.toLocaleString('en')} bytes, more than the ${maxBytes.toLocaleString('en')}-byte limit for a ${what}${raise ? ` (${raise})` : ''}`,
      );
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
