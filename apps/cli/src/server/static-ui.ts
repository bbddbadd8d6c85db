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

/** GET / and GET /<file> from `dir` (404 for anything outside it or missing). */
export function registerUi(app: FastifyInstance, dir: string): void {
  const root = realpathSync(dir);
  app.get('/*', async (request, reply) => {
    const path = decodeURIComponent((request.params as { '*': string })['*'] ?? '');
    const file = resolve(root, path === '' ? 'index.html' : path);
    let real: string | undefined;
    try {
      real = realpathSync(file);
    } catch {
      real = undefined;
    }
    if (real === undefined || !(real === root || real.startsWith(root + sep)) || !statSync(real).isFile()) {
      return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no such page file: /${path}` });
    }
    return reply
      .headers({
        ...ISOLATION_HEADERS,
        'content-type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      })
      .send(readFileSync(real));
  });
}
