import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, createRng, type Backend } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { spawnRgdl } from '../cli.test-helpers.js';
import { buildServer } from './app.js';

describe('the playground page beside the API (serve --ui)', () => {
  let be: Backend;
  let server: ReturnType<typeof buildServer>;
  const dir = mkdtempSync(join(tmpdir(), 'rgdl-ui-'));
  beforeAll(async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'main.js'), 'console.log(1)');
    writeFileSync(join(dir, '..', 'rgdl-ui-secret.txt'), 'outside');
    be = await createBackend({ prefer: 'cpu' });
    server = buildServer({
      be,
      net: createDeepRbm([16, 6, 4], createRng(3), { weightScale: 1 }),
      metadata: {},
      modelName: 'tiny',
      defence: 'none',
      strength: 0,
      seed: 1,
      logger: false,
      uiDirectory: dir,
    });
    await server.app.ready();
  });
  afterAll(async () => {
    await server.app.close();
    be.dispose();
  });
  const get = (url: string) => server.app.inject({ method: 'GET', url });

  it('serves index.html at / and files below it with their types, cross-origin isolated', async () => {
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(page.body).toContain('<title>page</title>');
    const js = await get('/assets/main.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });
  it('keeps the API on the same origin and never serves a file outside the folder', async () => {
    expect((await get('/v1/model')).json().model).toBe('tiny');
    expect((await get('/healthz')).json().status).toBe('ok');
    for (const url of [
      '/missing.js',
      '/%2e%2e/rgdl-ui-secret.txt',
      '/assets/%2e%2e/%2e%2e/rgdl-ui-secret.txt',
      '/assets',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('outside');
    }
  });
  it('rgdl serve --ui-dir without an index.html is a usage error (exit 2) before anything listens', async () => {
    const model = join(import.meta.dirname, '..', '..', '..', 'web', 'fixtures', 'victim.json');
    const child = spawnRgdl(['serve', '--model', model, '--ui-dir', tmpdir(), '--port', '0']);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--ui-dir .* has no index\.html/);
  }, 30_000);
});
