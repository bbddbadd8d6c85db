/**
 * Serves the built playground page (apps/web, package @rgdl/web) beside the API
 * on the same origin, so the page can POST /v1/predict to the protected server.
 * Files only from inside the page's folder; cross-origin isolated (COOP/COEP) so
 * the page gets SharedArrayBuffer.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
} as const;

/**
 * The page's Content-Security-Policy: its own scripts, workers and API only.
 * 'wasm-unsafe-eval' compiles the GEMM module; 'unsafe-eval' is gpu.js's kernel
 * compiler (new Function); inline styles are the answer bars' heights.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The built page of @rgdl/web (its dist/ folder), or undefined when it is not installed or not built. */
export function defaultUiDirectory(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@rgdl/web/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The marker of an rgdl model file (rbm's MODEL_FORMAT). */
const MODEL_MARKER = Buffer.from('"rgdl-deep-rbm"');

/** A JSON document holding the model marker: an rgdl model file, never served (the page's scripts name the marker too, as code). */
function isModelFile(bytes: Buffer): boolean {
  if (!bytes.includes(MODEL_MARKER)) return false;
  const first = bytes.subarray(0, 64).toString('latin1').trimStart()[0];
  return first === '{' || first === '[';
}

/**
 * GET / and GET /<file> from `dir`: 404 for anything outside it, missing, not a
 * regular file, the served model's own file, or any file that holds an rgdl
 * model (the weights never leave the server, whatever the folder holds).
 */
export function registerUi(app: FastifyInstance, dir: string, options: { modelPath?: string } = {}): void {
  const root = realpathSync(dir);
  let modelReal: string | undefined;
  try {
    modelReal = options.modelPath !== undefined ? realpathSync(options.modelPath) : undefined;
  } catch {
    modelReal = undefined;
  }
  app.get('/*', async (request, reply) => {
    // fastify has decoded the path once; decoding it again turned /%25 into a URIError (500)
    const path = (request.params as { '*': string })['*'] ?? '';
    const file = resolve(root, path === '' ? 'index.html' : path);
    let real: string | undefined;
    try {
      real = realpathSync(file);
    } catch {
      real = undefined;
    }
    const bytes =
      real !== undefined &&
      (real === root || real.startsWith(root + sep)) &&
      real !== modelReal &&
      statSync(real).isFile()
        ? readFileSync(real)
        : undefined;
    if (real === undefined || bytes === undefined || isModelFile(bytes)) {
      // the path is not echoed: it is the client's text
      return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'no such page file' });
    }
    return reply
      .headers({
        ...ISOLATION_HEADERS,
        'content-security-policy': PAGE_CSP,
        'content-type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      })
      .send(bytes);
  });
}
