/**
 * The protected prediction server: a fastify app around a defended
 * PredictionService (@rgdl/poison). Routes:
 *   POST /v1/predict  {"inputs": number[][]}  → {"labels": int[], "answers": number[][], …}
 *   GET  /healthz     liveness, request count and memory
 *   GET  /v1/model    model metadata (widths, defence, ε, data) — never the weights
 *   GET  /, /<file>   the playground page, with `uiDirectory` (static-ui.ts)
 * Bodies are validated by JSON schema (row length n_0, values in [0, 1], batch
 * limit) with no type coercion; failures are 400 with a one-line message, bodies
 * over the byte limit 413, other content types 415.
 */
import { createServer, STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { fromRows, matrix, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { requireFinite } from '../usage-error.js';
import { registerUi } from './static-ui.js';
import { argmax, createService, type ClassDirections, type DefenceName, type PredictionService } from '@rgdl/poison';
import { widths, type DeepRbm } from '@rgdl/rbm';

export interface ServerOptions {
  readonly be: Backend;
  readonly net: DeepRbm;
  /** Model-file metadata (data set, training settings); served by GET /v1/model. */
  readonly metadata: Record<string, unknown>;
  readonly modelName: string;
  readonly defence: DefenceName;
  readonly epsilon: number;
  readonly seed: number;
  /** Most input rows per request (default 256). */
  readonly batchLimit?: number;
  /** Most body bytes (default: enough for a full batch written with 8 characters per value). */
  readonly bodyLimit?: number;
  /**
   * Milliseconds a client may stall (socket idle) before it is disconnected, and
   * the time allowed to receive a whole request (default 10,000).
   */
  readonly requestTimeoutMs?: number;
  /** 'fim': precomputed per-class directions (several servers of one model can share them). */
  readonly directions?: ClassDirections;
  /** In-distribution inputs for 'adaptive-misinformation' (the model's training data). */
  readonly reference?: Matrix<Float64Array>;
  /** fastify/pino logger setting (default: JSON lines at 'info'). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Serve the playground page from this folder at / (same origin as the API). */
  readonly uiDirectory?: string;
}

export interface PredictResponse {
  readonly model: string;
  readonly defence: DefenceName;
  readonly epsilon: number;
  /** Predicted class of each input (argmax of the clean and of the served answer). */
  readonly labels: number[];
  /** Served class probabilities, one row per input. */
  readonly answers: number[][];
}

export interface ModelInfo {
  readonly model: string;
  readonly widths: number[];
  readonly inputs: number;
  readonly classes: number;
  readonly defence: DefenceName;
  readonly epsilon: number;
  readonly batchLimit: number;
  readonly bodyLimitBytes: number;
  readonly metadata: Record<string, unknown>;
}

const round = (v: number) => Math.round(v * 1e9) / 1e9;

/** Builds the app (not listening); call `warm` before serving to build the FIM cache up front. */
export function buildServer(options: ServerOptions): {
  app: FastifyInstance;
  service: PredictionService;
  info: ModelInfo;
} {
  const w = widths(options.net);
  const n0 = w[0]!;
  const classes = w[w.length - 1]!;
  const batchLimit = options.batchLimit ?? 256;
  const bodyLimit = options.bodyLimit ?? Math.max(64 * 1024, batchLimit * n0 * 8 + 1024);
  const service = createService(options.be, options.net, {
    defence: options.defence,
    epsilon: options.epsilon,
    seed: options.seed,
    ...(options.directions ? { directions: options.directions } : {}),
    ...(options.reference ? { reference: options.reference } : {}),
  });
  // refuse a model whose answers are not finite: probe the all-zero, all-one and
  // half-grey inputs before anything listens
  const probe = matrix(3, n0);
  for (let j = 0; j < n0; j++) {
    probe.data[n0 + j] = 1;
    probe.data[2 * n0 + j] = 0.5;
  }
  const probed = service.answer(probe);
  requireFinite('the answers to the probe inputs (all 0, all 1, all ½)', probed.clean.data, 'refusing to serve');
  requireFinite(`the ${options.defence} answers to the probe inputs`, probed.served.data, 'refusing to serve');
  const info: ModelInfo = {
    model: options.modelName,
    widths: w,
    inputs: n0,
    classes,
    defence: options.defence,
    epsilon: options.epsilon,
    batchLimit,
    bodyLimitBytes: bodyLimit,
    metadata: options.metadata,
  };
  const timeout = options.requestTimeoutMs ?? 10_000;
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    bodyLimit,
    requestTimeout: timeout,
    connectionTimeout: timeout,
    // a whole-request deadline that is enforced: Node checks request deadlines only every
    // connectionsCheckingInterval (30 s by default), so a body trickled a byte at a time,
    // which keeps the idle timer alive, was served for minutes (slowloris)
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: timeout,
          headersTimeout: timeout,
          connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(timeout / 4))),
        },
        handler,
      ),
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  // only JSON bodies: other content types (text/plain included) get 415, as documented
  app.removeContentTypeParser('text/plain');
  const started = Date.now();
  let served = 0;
  app.get('/healthz', async () => {
    const m = process.memoryUsage();
    return {
      status: 'ok',
      uptimeSeconds: (Date.now() - started) / 1000,
      predictions: served,
      memory: { rssBytes: m.rss, heapUsedBytes: m.heapUsed },
    };
  });
  app.get('/v1/model', async () => info);
  if (options.uiDirectory !== undefined) registerUi(app, options.uiDirectory);
  app.post<{ Body: { inputs: number[][] } }>(
    '/v1/predict',
    {
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
    async (request): Promise<PredictResponse> => {
      const inputs = fromRows(request.body.inputs);
      const batch = service.answer(inputs);
      if (!batch.served.data.every(Number.isFinite)) {
        // never answer null: JSON has no NaN
        throw Object.assign(new Error('the model produced a non-finite answer for these inputs'), { statusCode: 500 });
      }
      served += inputs.rows;
      return {
        model: options.modelName,
        defence: options.defence,
        epsilon: options.epsilon,
        labels: rowViews(batch.clean).map((y) => argmax(y)),
        answers: rowViews(batch.served).map((y) => Array.from(y, round)),
      };
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
  return { app, service, info };
}
