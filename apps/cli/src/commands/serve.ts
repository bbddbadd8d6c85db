import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createBackend } from '@rgdl/gpu-kernels';
import { DEFENCES, usesEpsilon } from '@rgdl/poison';
import type { Command } from '../command.js';
import { referenceInputs } from '../data.js';
import { choiceFlag, defenceFlag, intFlag, numberFlag } from '../flags.js';
import { readModel } from '../model-io.js';
import { buildServer } from '../server/app.js';
import { defaultUiDirectory } from '../server/static-ui.js';
import { UsageError } from '../usage-error.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve defended (poisoned) predictions over HTTP: POST /v1/predict, GET /healthz, GET /v1/model',
  usage: 'rgdl serve --model m.json [--defence fim] [--eps 0.05] [--port 8080] [--host 127.0.0.1] [options]',
  help: `Answers POST /v1/predict {"inputs": [[x_1 … x_n0], …]} (values in [0, 1]) with
{"labels": [...], "answers": [[...], ...]}: each answer is the victim's class
probabilities moved by the chosen defence (the label is never changed). GET
/healthz reports liveness and memory; GET /v1/model the widths, defence and
training metadata (never the weights). Logs are JSON lines on stdout (pino).
SIGTERM or SIGINT stops accepting connections, finishes requests in flight, exits 0.

Options:
  --model FILE         model file from 'rgdl train'                          (required)
  --defence D          ${DEFENCES.join(' | ')}   (fim)
  --eps E              step size ‖δy‖₂ for fim / random / gaussian           (0.05)
  --port P             TCP port; 0 picks a free one                          (8080)
  --host H             interface to bind                                     (127.0.0.1)
  --batch-limit N      most inputs per request                               (256)
  --body-limit BYTES   most request bytes                  (batch-limit × n0 × 8 + 1 KiB)
  --timeout MS         a client stalled this long is disconnected            (10000)
  --log-level L        fatal | error | warn | info | debug | silent          (info)
  --seed S             seed of the defender's randomness                     (1)
  --ui                 also serve the playground page (@rgdl/web) at / on the same
                       origin: a person draws a digit and sees this server's answer
                       beside every defence the page computes
  --ui-dir DIR         serve the page from DIR (a 'vite build' of apps/web) instead
`,
  options: {
    model: { type: 'string' },
    defence: { type: 'string' },
    eps: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'batch-limit': { type: 'string' },
    'body-limit': { type: 'string' },
    timeout: { type: 'string' },
    'log-level': { type: 'string' },
    ui: { type: 'boolean' },
    'ui-dir': { type: 'string' },
  },
  async run({ values }) {
    const path = values.model;
    const { net, metadata } = readModel(path);
    const defence = defenceFlag(values.defence);
    const defenceEps = numberFlag('eps', values.eps, 0.05, 0, 10);
    const epsilon = usesEpsilon(defence) ? defenceEps : 0;
    const port = intFlag('port', values.port, 8080, 0);
    if (port > 65535) throw new UsageError(`--port must be ≤ 65535, got ${port}`);
    const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
    const batchLimit = intFlag('batch-limit', values['batch-limit'], 256, 1);
    const bodyLimit =
      values['body-limit'] === undefined ? undefined : intFlag('body-limit', values['body-limit'], 0, 1024);
    const timeout = intFlag('timeout', values.timeout, 10_000, 100);
    const level = choiceFlag(
      'log-level',
      values['log-level'],
      ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const,
      'info',
    );
    const seed = intFlag('seed', values.seed, 1);
    const uiDirectory = uiFlag(values.ui === true, values['ui-dir']);
    const be = await createBackend();
    const { app, service } = buildServer({
      be,
      net,
      metadata,
      modelName: basename(String(path)),
      defence,
      epsilon,
      seed,
      batchLimit,
      ...(defence === 'adaptive-misinformation' ? { reference: referenceInputs(metadata) } : {}),
      requestTimeoutMs: timeout,
      ...(bodyLimit !== undefined ? { bodyLimit } : {}),
      logger: { level },
      ...(uiDirectory !== undefined ? { uiDirectory } : {}),
    });
    const warmSeconds = service.warm();
    app.log.info({ defence, epsilon, warmSeconds, backend: `${be.name} (${be.mode})` }, 'defence ready');
    try {
      await app.listen({ port, host });
    } catch (error) {
      be.dispose();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        throw new UsageError(`cannot listen on ${host}:${port} (${code})`);
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
        throw new UsageError(`--host ${host} is not an address this machine can listen on (${code})`);
      throw error;
    }
    if (uiDirectory !== undefined) {
      const address = app.server.address();
      const where =
        typeof address === 'object' && address !== null
          ? `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`
          : '/';
      app.log.info({ ui: where, directory: uiDirectory }, 'playground page served');
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        app.log.info({ signal }, 'shutting down: finishing requests in flight');
        void app.close().then(() => {
          app.log.info('closed');
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    be.dispose();
  },
};

/** The page folder for --ui / --ui-dir, checked before anything is computed. */
function uiFlag(ui: boolean, dir: unknown): string | undefined {
  if (typeof dir === 'string') {
    if (!existsSync(join(dir, 'index.html')))
      throw new UsageError(`--ui-dir ${dir} has no index.html (build the page with 'pnpm --filter @rgdl/web build')`);
    return dir;
  }
  if (!ui) return undefined;
  const found = defaultUiDirectory();
  if (found === undefined)
    throw new UsageError(
      `--ui: the playground page (@rgdl/web) is not built; run 'pnpm --filter @rgdl/web build' or pass --ui-dir DIR`,
    );
  return found;
}
