import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createBackend, type Matrix } from '@rgdl/gpu-kernels';
import { randomBytes } from 'node:crypto';
import {
  ALARM_POLICIES,
  DEFENCE_STRENGTHS,
  DEFENCES,
  memoryClientStore,
  strengthLabel,
  type WatermarkKey,
} from '@rgdl/poison';
import type { Command } from '../command.js';
import { appendEvidence, readWatermarkKey } from '../watermark-io.js';
import { readModel } from '../model-io.js';
import { buildServer, ServerClosed } from '../server/app.js';
import { readClientKeys } from '../server/clients.js';
import { redisClientStore } from '../server/redis-client-store.js';
import { defaultUiDirectory } from '../server/static-ui.js';
import {
  referenceInputs,
  choiceFlag,
  defenceFlag,
  intFlag,
  seedFlag,
  strengthFlag,
  UsageError,
} from '@rgdl/experiments';

function strengthHelp(): string {
  return DEFENCES.map((d) => {
    const st = DEFENCE_STRENGTHS[d];
    return `                         ${d.padEnd(24)}${st === null ? 'none' : `${st.symbol}: ${st.meaning} [${st.min}, ${st.max}] (${st.fallback})`}`;
  }).join('\n');
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve defended (poisoned) predictions over HTTP: POST /v1/predict, GET /healthz, /readyz, /v1/model',
  usage: 'rgdl serve --model m.json [--defence fim] [--strength S] [--port 8080] [--host 127.0.0.1] [options]',
  help: `Answers POST /v1/predict {"inputs": [[x_1 … x_n0], …]} (values in [0, 1]) with
{"labels": [...], "answers": [[...], ...]}: each answer is the victim's class
probabilities moved by the chosen defence, and each label is the argmax of the
answer served (label-keeping defences keep the clean label; 'round',
'reverse-sigmoid', 'mad' and 'adaptive-misinformation' may change it). The
weights, the clean answers and the defence's own directions never leave the
server, on any route.

It listens at once: GET /healthz answers {"status": "ok", "state": "starting"}
while the defence is built (the FIM cache, 4,000 Gibbs draws a class: ready 17 s
after start for a [196, 64, 10] net on a 2-core machine),
GET /readyz answers 503 until it is ready, then 200, and the line
"rgdl serve: ready at URL" goes to stderr. Wait for it, e.g.
  curl --retry 120 --retry-all-errors --retry-delay 1 -sf http://127.0.0.1:8080/readyz
GET /v1/model reports the widths, defence, strength and limits (never the weights).
Logs are JSON lines on stdout (pino).

Load: one prediction computes at a time; at most --max-queue wait, and a request
past that (or one that waited longer than --timeout) gets 503 with Retry-After at
once. SIGTERM or SIGINT: new requests get 503 with Connection: close for 1 s
while requests in flight finish, then the server closes and exits 0.

Options:
  --model FILE           model file from 'rgdl train'                        (required)
  --defence D            ${DEFENCES.join(' | ')}   (fim)
  --strength S           the defence's strength (alias --eps); per defence:
${strengthHelp()}
  --port P               TCP port; 0 picks a free one                        (8080)
  --host H               interface to bind                                   (127.0.0.1)
  --batch-limit N        most inputs per request                             (256)
  --body-limit BYTES     most request bytes             (batch-limit × n0 × 24 + 1 KiB)
  --timeout MS           a client stalled this long is disconnected; a prediction
                         waiting longer for its turn gets 503                (10000)
  --max-queue N          most predictions computing or waiting               (8)
  --max-connections N    most open connections                               (256)
  --keep-alive MS        idle keep-alive connections are closed after this   (30000)
  --log-level L          fatal | error | warn | info | debug | silent        (info)
  --seed S               seed of the defender's randomness                   (1)
  --ui                   also serve the playground page (@rgdl/web) at / on the same
                         origin: a person draws a digit and sees this server's answer,
                         its per-class λ₁ and stability spectrum (GET /v1/diagnosis)
  --ui-dir DIR           serve the page from DIR (a 'vite build' of apps/web) instead
  --watermark-key FILE   watermark every answer with this key (rgdl verify --new-key):
                         a keyed fingerprint step on every answer (label kept) and a
                         keyed wrong label on a keyed ≤ 0.5% of inputs
  --evidence FILE        with --watermark-key: append each input answered with a
                         keyed wrong label, and that label, to FILE (JSON lines; the
                         evidence rgdl verify --evidence reads; file mode 0600)

Clients and extraction detection:
  --keys FILE            name clients by "Authorization: Bearer KEY" (JSON
                         {"clients": [{"name": "alice", "key": "…16+ chars…"}, …]};
                         "metrics": true lets a client read /metrics); requests
                         without a valid key get 401. Without: one client per address
  --detect               score every client with PRADA (distances between its
                         queries), the victim's free-energy OOD rate, its answers'
                         entropy and its inputs' mass per class; thresholds calibrated at start on benign streams
                         (random, class by class, one class's skew, repeats) of the
                         data set's test split; an alarm is logged once per client
  --on-alarm P           log | throttle | misinform | refuse (implies --detect)   (log)
                         throttle: one batch per --throttle MS, else 429;
                         misinform: keyed wrong labels, the same for the same input;
                         refuse: 403
  --throttle MS          an alarmed client's batch interval under throttle        (10000)
  --false-alarm RATE     fraction of benign calibration streams allowed to alarm  (0.01)
  --calibration-streams N, --calibration-length L
                         benign streams and their length in queries        (100, 500)
  --client-store URL     keep client records in Redis (redis:// or rediss://) so
                         several servers share them; default: this process's memory
  GET /metrics           Prometheus text: predictions, alarms, per-client scores

Exit codes: 0 after SIGTERM/SIGINT, 2 bad flags or model, 3 non-finite answers.
`,
  options: {
    model: { type: 'string' },
    defence: { type: 'string' },
    strength: { type: 'string' },
    eps: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'batch-limit': { type: 'string' },
    'body-limit': { type: 'string' },
    timeout: { type: 'string' },
    'max-queue': { type: 'string' },
    'max-connections': { type: 'string' },
    'keep-alive': { type: 'string' },
    'log-level': { type: 'string' },
    ui: { type: 'boolean' },
    'ui-dir': { type: 'string' },
    'watermark-key': { type: 'string' },
    evidence: { type: 'string' },
    keys: { type: 'string' },
    detect: { type: 'boolean' },
    'on-alarm': { type: 'string' },
    throttle: { type: 'string' },
    'false-alarm': { type: 'string' },
    'calibration-streams': { type: 'string' },
    'calibration-length': { type: 'string' },
    'client-store': { type: 'string' },
  },
  async run({ values }, io) {
    const path = values.model;
    const { net, metadata } = readModel(path);
    const defence = defenceFlag(values.defence);
    const strength = strengthFlag(defence, values.strength, values.eps);
    const port = intFlag('port', values.port, 8080, 0);
    if (port > 65535) throw new UsageError(`--port must be ≤ 65535, got ${port}`);
    const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
    const batchLimit = intFlag('batch-limit', values['batch-limit'], 256, 1);
    const bodyLimit =
      values['body-limit'] === undefined ? undefined : intFlag('body-limit', values['body-limit'], 0, 1024);
    const timeout = intFlag('timeout', values.timeout, 10_000, 100);
    const maxQueue = intFlag('max-queue', values['max-queue'], 8, 1);
    const maxConnections = intFlag('max-connections', values['max-connections'], 256, 1);
    const keepAlive = intFlag('keep-alive', values['keep-alive'], 30_000, 100);
    const level = choiceFlag(
      'log-level',
      values['log-level'],
      ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const,
      'info',
    );
    const seed = seedFlag(values.seed);
    const uiDirectory = uiFlag(values.ui === true, values['ui-dir']);
    if (values.evidence !== undefined && values['watermark-key'] === undefined) {
      throw new UsageError('--evidence needs --watermark-key');
    }
    const watermarkKey =
      typeof values['watermark-key'] === 'string' ? readWatermarkKey(values['watermark-key']) : undefined;
    const evidence = typeof values.evidence === 'string' ? values.evidence : undefined;
    const clients = typeof values.keys === 'string' ? readClientKeys(values.keys) : undefined;
    const detect = detectionFlags(values, watermarkKey);
    const classes = net.layers.at(-1)!.W.cols;
    const store =
      detect === undefined
        ? undefined
        : detect.storeUrl === undefined
          ? memoryClientStore(classes)
          : await connectStore(detect.storeUrl, classes, net.layers[0]!.W.rows);
    const be = await createBackend();
    const server = buildServer({
      be,
      net,
      metadata,
      modelName: basename(String(path)),
      modelPath: String(path),
      defence,
      strength,
      seed,
      batchLimit,
      ...(defence === 'adaptive-misinformation' ? { reference: referenceInputs(metadata) } : {}),
      requestTimeoutMs: timeout,
      maxQueue,
      maxConnections,
      keepAliveTimeoutMs: keepAlive,
      ...(bodyLimit !== undefined ? { bodyLimit } : {}),
      logger: { level },
      ...(uiDirectory !== undefined ? { uiDirectory } : {}),
      ...(clients !== undefined ? { clients } : {}),
      ...(detect !== undefined && store !== undefined
        ? {
            detection: {
              // held-out digits: the victim is surer on its own training data than on a user's
              reference: referenceInputs(metadata, 'test'),
              store,
              policy: detect.policy,
              throttleMs: detect.throttleMs,
              misinformKey: detect.misinformKey,
              calibration: detect.calibration,
            },
          }
        : {}),
      ...(watermarkKey !== undefined
        ? {
            watermark: {
              key: watermarkKey,
              ...(evidence !== undefined
                ? {
                    onTriggers: (inputs: Matrix<Float64Array>, labels: readonly number[]) =>
                      appendEvidence(evidence, inputs, labels),
                  }
                : {}),
            },
          }
        : {}),
    });
    const { app } = server;
    try {
      await app.listen({ port, host });
    } catch (error) {
      // closing stops the defence the listen call began to build (onReady), so the process exits now
      await app.close();
      be.dispose();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        throw new UsageError(`cannot listen on ${host}:${port} (${code})`);
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
        throw new UsageError(`--host ${host} is not an address this machine can listen on (${code})`);
      throw error;
    }
    const address = app.server.address();
    const url =
      typeof address === 'object' && address !== null
        ? `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
        : String(address);
    // stop on a signal at any time, also while the defence is still being built
    let stopping: Promise<void> | undefined;
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        app.log.info({ signal }, 'shutting down: finishing requests in flight');
        stopping ??= server.drain().then(() => {
          app.log.info('closed');
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    try {
      const warmSeconds = await server.warm();
      if (stopping === undefined) {
        app.log.info(
          { defence, strength: server.info.strength, warmSeconds, backend: `${be.name} (${be.mode})`, url },
          'defence ready',
        );
        if (uiDirectory !== undefined)
          app.log.info({ ui: `${url}/`, directory: uiDirectory }, 'playground page served');
        io.err(
          `rgdl serve: ready at ${url} (${strengthLabel(defence, strength)}${uiDirectory !== undefined ? `; page at ${url}/` : ''})\n`,
        );
      }
    } catch (error) {
      // a signal while the defence was being built closed the server: a normal shutdown
      if (!(error instanceof ServerClosed && stopping !== undefined)) {
        await app.close();
        be.dispose();
        throw error;
      }
    }
    await stopped;
    await store?.close();
    be.dispose();
  },
};

/** --detect and its settings (undefined without --detect or --on-alarm). */
function detectionFlags(values: Record<string, string | boolean | undefined>, watermarkKey: WatermarkKey | undefined) {
  const onAlarm = values['on-alarm'];
  const detectOnly = ['throttle', 'false-alarm', 'calibration-streams', 'calibration-length', 'client-store'];
  if (values.detect !== true && onAlarm === undefined) {
    const stray = detectOnly.find((f) => values[f] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --detect (or --on-alarm)`);
    return undefined;
  }
  const policy = choiceFlag('on-alarm', onAlarm, ALARM_POLICIES, 'log');
  const rate = values['false-alarm'] === undefined ? 0.01 : Number(values['false-alarm']);
  if (!(rate > 0 && rate < 1))
    throw new UsageError(`--false-alarm must be in (0, 1), got ${String(values['false-alarm'])}`);
  const storeUrl = values['client-store'];
  if (storeUrl !== undefined && (typeof storeUrl !== 'string' || !/^rediss?:\/\//.test(storeUrl))) {
    throw new UsageError('--client-store must be a redis:// or rediss:// URL');
  }
  return {
    policy,
    throttleMs: intFlag('throttle', values.throttle, 10_000, 1),
    calibration: {
      streams: intFlag('calibration-streams', values['calibration-streams'], 100, 1),
      length: intFlag('calibration-length', values['calibration-length'], 500, 1),
      falseAlarmRate: rate,
    },
    // several servers sharing a store misinform alike when they share a watermark key
    misinformKey: watermarkKey ?? { secret: randomBytes(32), rate: 0, fingerprint: 0 },
    ...(typeof storeUrl === 'string' ? { storeUrl } : {}),
  };
}

async function connectStore(url: string, classes: number, inputs: number) {
  try {
    return await redisClientStore({ url, classes, inputs });
  } catch (error) {
    throw new UsageError(`--client-store: cannot reach Redis (${(error as Error).message.split('\n')[0]})`);
  }
}

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
