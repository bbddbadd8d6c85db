/**
 * The protected prediction server: a fastify app around a defended
 * PredictionService (@rgdl/poison). Routes:
 *   POST /v1/predict   {"inputs": number[][]} → {"labels": int[], "answers": number[][], …}
 *   GET  /healthz      liveness ("status": "ok" at once) and the state: starting | ready | draining
 *   GET  /readyz       200 once the defence is built and answering, else 503 with Retry-After
 *   GET  /v1/model     model metadata (widths, defence, strength, data set name) — never the weights
 *   GET  /v1/diagnosis with the page: per-class λ₁ of F̃(e_c) and the stability spectrum (no weights, no directions)
 *   GET  /, /<file>    the playground page, with `uiDirectory` (static-ui.ts)
 *   GET  /metrics      Prometheus text (metrics.ts); with client keys, only for a client marked "metrics"
 *
 * Clients (clients.ts): with `clients`, each request names its client by a
 * bearer key (401 without one); else each remote address is a client. With
 * `detection`, every batch is folded into its client's record (@rgdl/poison's
 * ClientMonitor: PRADA, free-energy OOD rate, answer entropy, thresholds
 * calibrated in `warm()` on benign streams of the defender's own data); an
 * alarm is logged once per client and detector, and from the batch that
 * raised it on, the client's batches go through the policy (log, throttle:
 * one batch per `throttleMs` else 429, misinform: keyed wrong labels, refuse: 403).
 * Under 'log' no answer depends on the record, so a batch is folded just after
 * its reply is sent (off the latency path); the other policies fold it first.
 *
 * What never leaves the server: the weights, the clean answer ŷ and anything the
 * defence hides (its directions, its surrogate, its OOD threshold). The label
 * served is the argmax of the served answer, for every defence.
 *
 * Load: predictions are computed one at a time on the event loop; at most
 * `maxQueue` admitted predictions wait, and a request past that, or one that has
 * waited longer than the timeout, is answered 503 with Retry-After at once (never
 * a wait without bound). Connections are capped (`maxConnections`). Idle
 * keep-alive connections stay open `keepAliveTimeoutMs` (30 s: longer than an
 * attacker's or a user's pause between batches, shorter than common proxies'
 * 60 s); clients retry a request that meets a connection the server closed.
 * On `drain()` (SIGTERM) every new request gets 503 with `Connection: close` for
 * a grace period while requests in flight finish (with `Connection: close`), then
 * the server closes.
 *
 * Bodies are validated by JSON schema (row length n_0, values in [0, 1], batch
 * limit) with no type coercion; failures are 400 with a one-line message, bodies
 * over the byte limit 413, other content types 415. Every response carries
 * `X-Content-Type-Options: nosniff`.
 */
import { createServer, STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { createRng, fromRows, matrix, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import {
  argmax,
  classPoisonDirectionsStepwise,
  createService,
  triggersOf,
  watermarkAnswers,
  type WatermarkKey,
  DEFENCE_STRENGTHS,
  needsClassDirections,
  strengthOptions,
  usesEpsilon,
  type ClassDirections,
  type DefenceName,
  type PredictResponse,
  type PredictionService,
  type ServerDiagnosis,
  type ServerModelInfo,
} from '@rgdl/poison';
import { widths, type DeepRbm } from '@rgdl/rbm';
import {
  calibrateOnReference,
  createClientMonitor,
  misinformAnswers,
  type AlarmPolicy,
  type ClientMonitor,
  type ClientStore,
  type DetectionSettings,
  type ReferenceCalibrationOptions,
} from '@rgdl/poison';
import type { ClientKeys } from './clients.js';
import { createMetrics } from './metrics.js';
import { registerUi } from './static-ui.js';
import { requireFinite, servedStability } from '@rgdl/experiments';

export interface ServerOptions {
  readonly be: Backend;
  readonly net: DeepRbm;
  /** Model-file metadata (data set, training settings); served by GET /v1/model without file paths. */
  readonly metadata: Record<string, unknown>;
  readonly modelName: string;
  readonly defence: DefenceName;
  /** The defence's strength (DEFENCE_STRENGTHS: ε, β, quantile or decimals); ignored by 'none' and 'top1'. */
  readonly strength: number;
  readonly seed: number;
  /** Most input rows per request (default 256). */
  readonly batchLimit?: number;
  /** Most body bytes (default: a full batch of 17-significant-digit values, 24 bytes each, + 1 KiB). */
  readonly bodyLimit?: number;
  /**
   * Milliseconds a client may stall (socket idle) before it is disconnected, the
   * time allowed to receive a whole request, and the longest a prediction may
   * wait for its turn before it is answered 503 (default 10,000).
   */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this many ms (default 30,000). */
  readonly keepAliveTimeoutMs?: number;
  /** Most predictions admitted (computing or waiting) at once; more get 503 (default 8). */
  readonly maxQueue?: number;
  /** Most open connections; more are refused by the socket layer (default 256). */
  readonly maxConnections?: number;
  /** On drain(): how long new requests are answered 503 before the server closes, ms (default 1,000). */
  readonly drainGraceMs?: number;
  /** 'fim': precomputed per-class directions (several servers of one model can share them). */
  readonly directions?: ClassDirections;
  /** In-distribution inputs for 'adaptive-misinformation' (the model's training data). */
  readonly reference?: Matrix<Float64Array>;
  /** fastify/pino logger setting (default: JSON lines at 'info'). */
  readonly logger?: FastifyServerOptions['logger'];
  /** The model file's path, never served as a page file. */
  readonly modelPath?: string;
  /** Serve the playground page from this folder at / (same origin as the API); also computes GET /v1/diagnosis. */
  readonly uiDirectory?: string;
  /**
   * A keyed watermark on every answer (@rgdl/poison's watermarkAnswers), applied
   * after the defence; `onTriggers` receives the inputs answered with a keyed
   * wrong label and those labels (the evidence `rgdl verify` reads).
   */
  readonly watermark?: {
    readonly key: WatermarkKey;
    readonly onTriggers?: (inputs: Matrix<Float64Array>, labels: readonly number[]) => void;
  };
  /** Named clients by bearer key; absent: one anonymous client per remote address. */
  readonly clients?: ClientKeys;
  /** Per-client extraction detection; its thresholds are calibrated in `warm()`. */
  readonly detection?: {
    /** The defender's in-distribution inputs (benign calibration streams and the OOD scorer). */
    readonly reference: Matrix<Float64Array>;
    readonly store: ClientStore;
    readonly policy: AlarmPolicy;
    /** 'throttle': one batch per this many ms for an alarmed client (default 10,000). */
    readonly throttleMs?: number;
    /** 'misinform': the secret that picks the wrong labels (never served). */
    readonly misinformKey: WatermarkKey;
    readonly calibration?: Omit<ReferenceCalibrationOptions, 'seed' | 'settings'>;
    readonly settings?: DetectionSettings;
  };
}

/** The server's answers' shapes, typed once in @rgdl/poison for the server, its clients and the page. */
export type { PredictResponse } from '@rgdl/poison';
export type ModelInfo = ServerModelInfo;
export type Diagnosis = ServerDiagnosis;

export type ServerState = 'starting' | 'ready' | 'draining';

export interface ProtectedServer {
  readonly app: FastifyInstance;
  readonly info: ModelInfo;
  state(): ServerState;
  /**
   * Builds what the defence needs (the FIM cache, one class at a time, yielding
   * to the event loop between classes so /healthz answers), probes the served
   * answers, and with the page the diagnosis; then the server is ready.
   * Resolves with the seconds spent. @throws NumericalError for non-finite answers.
   */
  warm(): Promise<number>;
  /** Stops taking work: 503 + Connection: close for `drainGraceMs`, requests in flight finish, then closes. */
  drain(): Promise<void>;
  /** The defended service (undefined until ready). */
  service(): PredictionService | undefined;
  /** The per-client monitor (undefined without detection, or until ready). */
  monitor(): ClientMonitor | undefined;
}

const round = (v: number) => Math.round(v * 1e9) / 1e9;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Thrown into a defence still being built when its server closes. */
export class ServerClosed extends Error {
  constructor() {
    super('the server closed before its defence was built');
  }
}

/** Probe inputs: all 0, all 1, all ½. */
function probeInputs(n0: number): Matrix<Float64Array> {
  const probe = matrix(3, n0);
  for (let j = 0; j < n0; j++) {
    probe.data[n0 + j] = 1;
    probe.data[2 * n0 + j] = 0.5;
  }
  return probe;
}

/** The model file's metadata as served: file paths (`data.paths`) left out. */
export function publicMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const data = metadata.data;
  if (typeof data !== 'object' || data === null) return metadata;
  const { paths: _paths, ...rest } = data as Record<string, unknown>;
  return { ...metadata, data: rest };
}

/** Builds the app (not listening); the defence is ready at once when it needs no FIM cache, else after `warm()`. */
export function buildServer(options: ServerOptions): ProtectedServer {
  const { be, net, defence } = options;
  const w = widths(net);
  const n0 = w[0]!;
  const classes = w[w.length - 1]!;
  const batchLimit = options.batchLimit ?? 256;
  const bodyLimit = options.bodyLimit ?? Math.max(64 * 1024, batchLimit * n0 * 24 + 1024);
  const timeout = options.requestTimeoutMs ?? 10_000;
  const keepAlive = options.keepAliveTimeoutMs ?? 30_000;
  const maxQueue = options.maxQueue ?? 8;
  const graceMs = options.drainGraceMs ?? 1000;
  const strengthInfo = DEFENCE_STRENGTHS[defence];
  const strength = strengthInfo === null ? 0 : options.strength;
  const epsilon = usesEpsilon(defence) ? strength : 0;
  const serviceOptions = {
    defence,
    seed: options.seed,
    ...strengthOptions(defence, strength),
    ...(options.reference ? { reference: options.reference } : {}),
  };
  // refuse a model whose clean answers are not finite before anything listens
  const probe = probeInputs(n0);
  requireFinite(
    'the answers to the probe inputs (all 0, all 1, all ½)',
    createService(be, net, { defence: 'none' }).answer(probe).clean.data,
    'refusing to serve',
  );
  let service: PredictionService | undefined;
  let state: ServerState = 'starting';
  let diagnosis: Diagnosis | undefined;
  const finish = (directions?: ClassDirections) => {
    const s = createService(be, net, { ...serviceOptions, ...(directions ? { directions } : {}) });
    requireFinite(`the ${defence} answers to the probe inputs`, s.answer(probe).served.data, 'refusing to serve');
    service = s;
  };
  const needsDirections = needsClassDirections(defence, strength) && options.directions === undefined;
  if (!needsDirections) finish(options.directions);
  if (!needsDirections && options.uiDirectory === undefined && options.detection === undefined) state = 'ready';

  const info: ModelInfo = {
    model: options.modelName,
    widths: w,
    inputs: n0,
    classes,
    defence,
    epsilon,
    strength:
      strengthInfo === null ? null : { symbol: strengthInfo.symbol, meaning: strengthInfo.meaning, value: strength },
    batchLimit,
    bodyLimitBytes: bodyLimit,
    limits: { maxQueue, timeoutMs: timeout, keepAliveTimeoutMs: keepAlive },
    metadata: publicMetadata(options.metadata),
  };
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    bodyLimit,
    requestTimeout: timeout,
    connectionTimeout: timeout,
    // a whole-request deadline that is enforced: Node checks request deadlines only every
    // connectionsCheckingInterval (30 s by default), so a body trickled a byte at a time,
    // which keeps the idle timer alive, was served for minutes (slowloris)
    serverFactory: (handler) => {
      const server = createServer(
        {
          requestTimeout: timeout,
          headersTimeout: timeout,
          keepAliveTimeout: keepAlive,
          connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(timeout / 4))),
        },
        handler,
      );
      server.maxConnections = options.maxConnections ?? 256;
      return server;
    },
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  // only JSON bodies: other content types (text/plain included) get 415, as documented
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    if (state === 'draining') void reply.header('connection', 'close');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (state === 'draining') void reply.header('connection', 'close');
  });
  const unavailable = (reply: FastifyReply, seconds: number, message: string) =>
    reply
      .status(503)
      .header('retry-after', String(Math.max(1, Math.ceil(seconds))))
      .send({ statusCode: 503, error: 'Service Unavailable', message });

  // turns: a chain of setImmediate callbacks granting one prediction each
  let lastTurn: Promise<void> = Promise.resolve();
  const turn = (): Promise<void> => {
    const mine = lastTurn.then(tick);
    lastTurn = mine;
    return mine;
  };
  let monitor: ClientMonitor | undefined;
  const metrics = createMetrics(() => monitor, options.detection !== undefined);
  const metricsRegistry = metrics.registry;
  const clientOf = (request: { headers: { authorization?: string | undefined }; ip: string }) => {
    if (options.clients === undefined) return { name: `addr:${request.ip}`, named: false, metrics: true };
    const c = options.clients.clientOf(request.headers.authorization);
    return c === undefined ? undefined : { name: c.name, named: true, metrics: c.metrics };
  };
  const unauthorised = (reply: FastifyReply) =>
    reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send({ statusCode: 401, error: 'Unauthorized', message: 'a valid "Authorization: Bearer KEY" is required' });
  app.get('/metrics', async (request, reply) => {
    const c = clientOf(request);
    if (c === undefined) return unauthorised(reply);
    if (!c.metrics)
      return reply.status(403).send({ statusCode: 403, error: 'Forbidden', message: 'this key may not read metrics' });
    return reply.header('content-type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  const started = Date.now();
  let served = 0;
  let pending = 0; // predictions admitted and not yet answered
  let deferred = 0; // batches answered under the 'log' policy and not yet folded into their client's record
  let rejected = 0;
  let serviceMs = 50; // moving average of one prediction's compute time, for Retry-After
  app.get('/healthz', async () => {
    const m = process.memoryUsage();
    return {
      status: 'ok',
      state,
      uptimeSeconds: (Date.now() - started) / 1000,
      predictions: served,
      pending,
      rejected,
      memory: { rssBytes: m.rss, heapUsedBytes: m.heapUsed },
    };
  });
  app.get('/readyz', async (_request, reply) =>
    state === 'ready' ? { status: 'ready' } : unavailable(reply, 1, `not ready: ${state}`),
  );
  app.get('/v1/model', async () => info);
  if (options.uiDirectory !== undefined) {
    app.get('/v1/diagnosis', async (_request, reply) =>
      diagnosis !== undefined ? diagnosis : unavailable(reply, 2, 'the diagnosis is still being computed'),
    );
    registerUi(app, options.uiDirectory, options.modelPath !== undefined ? { modelPath: options.modelPath } : {});
  }
  app.post<{ Body: { inputs: number[][] } }>(
    '/v1/predict',
    {
      // admission before the body is read: starting, draining or a full queue get 503 at once
      onRequest: async (request, reply) => {
        const client = clientOf(request);
        if (client === undefined) return unauthorised(reply);
        (request as unknown as { client: typeof client }).client = client;
        if (state === 'draining') return unavailable(reply, 5, 'shutting down');
        if (service === undefined || (options.detection !== undefined && monitor === undefined))
          return unavailable(reply, 2, 'starting: the defence is being built');
        if (pending >= maxQueue) {
          rejected++;
          return unavailable(reply, ((pending + 1) * serviceMs) / 1000, `overloaded: ${pending} predictions queued`);
        }
        pending++;
        (request as unknown as { admittedAt: number }).admittedAt = performance.now();
        reply.raw.once('close', () => pending--);
        return undefined;
      },
      schema: {
        body: {
          type: 'object',
          required: ['inputs'],
          additionalProperties: false,
          properties: {
            inputs: {
              type: 'array',
              minItems: 1,
              maxItems: batchLimit,
              items: { type: 'array', minItems: n0, maxItems: n0, items: { type: 'number', minimum: 0, maximum: 1 } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      // one prediction per turn of the event loop: between two, what arrived is taken in (and
      // turned away when the queue is full); immediates queued together would otherwise all
      // compute in one check phase, holding I/O for the whole queue
      await turn();
      const waited = performance.now() - (request as unknown as { admittedAt: number }).admittedAt;
      if (waited > timeout) {
        rejected++;
        return unavailable(reply, (pending * serviceMs) / 1000, `overloaded: waited ${Math.round(waited)} ms`);
      }
      const t0 = performance.now();
      const inputs = fromRows(request.body.inputs);
      const defended = service!.answer(inputs);
      let batch = defended;
      if (options.watermark) {
        const marked = watermarkAnswers(options.watermark.key, inputs, defended.served);
        batch = { ...defended, served: marked.served };
        if (marked.marked.length > 0) {
          const t = triggersOf(inputs, marked);
          options.watermark.onTriggers?.(t.inputs, t.labels);
        }
      }
      serviceMs = 0.8 * serviceMs + 0.2 * (performance.now() - t0);
      if (!batch.served.data.every(Number.isFinite)) {
        // never answer null: JSON has no NaN
        throw Object.assign(new Error('the model produced a non-finite answer for these inputs'), { statusCode: 500 });
      }
      const client = (request as unknown as { client: { name: string; named: boolean } }).client;
      if (monitor !== undefined && options.detection !== undefined) {
        const detection = options.detection;
        const clientMonitor = monitor;
        const labels = rowViews(batch.served).map((y) => argmax(y));
        const observe = async () => {
          const { record, newAlarms } = await clientMonitor.observe(client.name, inputs, defended.clean, labels);
          for (const d of newAlarms) {
            metrics.alarms.inc({ detector: d });
            request.log.warn(
              {
                client: client.name,
                detector: d,
                score: record.scores[d],
                threshold: clientMonitor.calibration.thresholds[d],
                queries: record.queries,
                policy: detection.policy,
              },
              'extraction alarm',
            );
          }
          if (record.alarms.length > 0) metrics.actions.inc({ policy: detection.policy });
          return record;
        };
        if (detection.policy === 'log') {
          // the answer does not depend on the record: it is folded after the reply is sent (the
          // detectors' work leaves the latency path; the alarm is logged a turn later)
          deferred++;
          setImmediate(() => {
            observe()
              .catch((error: Error) => request.log.error({ err: error }, 'extraction detection failed'))
              .finally(() => deferred--);
          });
        } else if ((await observe()).alarms.length > 0) {
          const policy = detection.policy;
          if (policy === 'refuse') {
            return reply.status(403).send({
              statusCode: 403,
              error: 'Forbidden',
              message: 'this client has been flagged for model extraction',
            });
          }
          if (policy === 'throttle') {
            // the store's throttle: one batch per wait for this client across every process sharing the store
            const left = await detection.store.throttle(client.name, detection.throttleMs ?? 10_000);
            if (left > 0) {
              return reply
                .status(429)
                .header('retry-after', String(Math.ceil(left / 1000)))
                .send({ statusCode: 429, error: 'Too Many Requests', message: 'rate limited' });
            }
          }
          if (policy === 'misinform') {
            batch = { ...batch, served: misinformAnswers(detection.misinformKey, inputs, defended.clean) };
          }
        }
      }
      served += inputs.rows;
      metrics.predictions.inc({ client_kind: client.named ? 'key' : 'address' }, inputs.rows);
      const body: PredictResponse = {
        model: options.modelName,
        defence,
        epsilon,
        labels: rowViews(batch.served).map((y) => argmax(y)),
        answers: rowViews(batch.served).map((y) => Array.from(y, round)),
      };
      return body;
    },
  );
  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ statusCode: status, reason: error.message.split('\n')[0] }, 'request rejected');
    void reply.status(status).send({
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: status >= 500 ? 'internal error' : error.message,
    });
  });

  // a server closed while its defence is still being built (a port already in use, a signal)
  // stops building at the next step instead of keeping the process alive for the rest
  let closed = false;
  app.addHook('onClose', async () => {
    closed = true;
  });
  const step = async (): Promise<void> => {
    await tick();
    if (closed) throw new ServerClosed();
  };

  /** The per-class FIM cache, one class at a time, yielding to the event loop between classes. */
  const buildDirections = async (): Promise<ClassDirections> => {
    const steps = classPoisonDirectionsStepwise(be, net, { seed: options.seed });
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done === true) return r.value;
      await step();
    }
  };

  const computeDiagnosis = async (directions: ClassDirections | undefined): Promise<void> => {
    const t0 = performance.now();
    const dirs = directions ?? (await buildDirections());
    await step();
    const stability: Diagnosis['stability'] = servedStability(be, net, options.seed);
    diagnosis = {
      fisherTopEigenvalues: Array.from(dirs.eigenvalues),
      stability,
      seconds: (performance.now() - t0) / 1000,
    };
  };

  let warming: Promise<number> | undefined;
  const warm = (): Promise<number> =>
    (warming ??= (async () => {
      const t0 = performance.now();
      let directions = options.directions;
      if (needsDirections) {
        directions = await buildDirections();
        finish(directions);
      }
      if (options.uiDirectory !== undefined) await computeDiagnosis(directions);
      if (options.detection !== undefined) {
        await step();
        const { reference, store, settings } = options.detection;
        const { scorer, mass, calibration } = calibrateOnReference(be, net, reference, {
          ...options.detection.calibration,
          seed: options.seed,
          ...(settings !== undefined ? { settings } : {}),
        });
        monitor = createClientMonitor({
          scorer,
          mass,
          store,
          calibration,
          ...(settings !== undefined ? { settings } : {}),
        });
        app.log.info({ ...calibration }, 'extraction detectors calibrated');
      }
      if (state === 'starting') state = 'ready';
      return (performance.now() - t0) / 1000;
    })());

  // a listening server builds its defence by itself (serve awaits the same promise to report it)
  app.addHook('onReady', async () => {
    void warm().catch((error: Error) => {
      if (!(error instanceof ServerClosed)) app.log.error({ err: error }, 'the defence could not be built');
    });
  });

  const drain = async (): Promise<void> => {
    if (state === 'draining') return;
    state = 'draining';
    const deadline = performance.now() + graceMs;
    // deferred detection folds get at most 5 s past the grace period (a shared store that
    // stopped answering must not hold a shutdown)
    const foldDeadline = deadline + 5_000;
    while (pending > 0 || (deferred > 0 && performance.now() < foldDeadline) || performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await app.close();
  };

  return { app, info, state: () => state, warm, drain, service: () => service, monitor: () => monitor };
}
