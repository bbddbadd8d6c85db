/**
 * GET /metrics in Prometheus text format (prom-client, a registry of the
 * server's own): predictions and refusals, alarms by detector and policy, and
 * per client (at most `maxClients`, the most recent) its queries, each
 * detector's score and threshold and whether it has alarmed. Nothing the
 * defence hides is exported: scores are functions of what the client sent.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { DETECTORS, type ClientMonitor } from '@rgdl/poison';

export interface ServerMetrics {
  readonly registry: Registry;
  readonly predictions: Counter<'client_kind'>;
  readonly alarms: Counter<'detector'>;
  readonly actions: Counter<'policy'>;
}

/** `monitor()`: the per-client monitor once calibrated (`detection`: whether there will be one). */
export function createMetrics(
  monitor: () => ClientMonitor | undefined,
  detection: boolean,
  maxClients = 1000,
): ServerMetrics {
  const registry = new Registry();
  const predictions = new Counter({
    name: 'rgdl_predictions_total',
    help: 'Inputs answered, by whether the client is named by a key or anonymous',
    labelNames: ['client_kind'] as const,
    registers: [registry],
  });
  const alarms = new Counter({
    name: 'rgdl_alarms_total',
    help: 'Extraction alarms raised (each client and detector once)',
    labelNames: ['detector'] as const,
    registers: [registry],
  });
  const actions = new Counter({
    name: 'rgdl_alarm_actions_total',
    help: 'Batches of alarmed clients handled by the --on-alarm policy',
    labelNames: ['policy'] as const,
    registers: [registry],
  });
  if (detection) {
    new Gauge({
      name: 'rgdl_detector_threshold',
      help: 'Calibrated threshold of each detector (at the benign false-alarm rate over streams of the calibration length)',
      labelNames: ['detector'] as const,
      registers: [registry],
      collect() {
        const m = monitor();
        if (m === undefined) return;
        for (const d of DETECTORS) {
          const t = m.calibration.thresholds[d];
          if (t !== undefined) this.set({ detector: d }, t);
        }
      },
    });
    // prom-client collects every metric of a scrape concurrently (Promise.all), so the three
    // per-client gauges share one read of the store per scrape: the first collect starts it,
    // the others await the same promise, and it is dropped once they have all resumed
    let pending: Promise<Awaited<ReturnType<ClientMonitor['store']['entries']>>> | undefined;
    const snapshot = () => {
      if (pending === undefined) {
        const m = monitor();
        pending = (m === undefined ? Promise.resolve([]) : m.store.entries(maxClients)).finally(() =>
          setImmediate(() => {
            pending = undefined;
          }),
        );
      }
      return pending;
    };
    new Gauge({
      name: 'rgdl_client_queries',
      help: 'Queries seen from each client',
      labelNames: ['client'] as const,
      registers: [registry],
      async collect() {
        const entries = await snapshot();
        this.reset();
        for (const { client, record } of entries) this.set({ client }, record.queries);
      },
    });
    new Gauge({
      name: 'rgdl_client_score',
      help: 'Latest detector score of each client (higher = more like an extraction attack)',
      labelNames: ['client', 'detector'] as const,
      registers: [registry],
      async collect() {
        const entries = await snapshot();
        this.reset();
        for (const { client, record } of entries) {
          for (const d of DETECTORS) {
            const s = record.scores[d];
            if (s !== null) this.set({ client, detector: d }, s);
          }
        }
      },
    });
    new Gauge({
      name: 'rgdl_client_alarm',
      help: '1 when the detector has alarmed for the client',
      labelNames: ['client', 'detector'] as const,
      registers: [registry],
      async collect() {
        const entries = await snapshot();
        this.reset();
        for (const { client, record } of entries) {
          for (const d of DETECTORS) this.set({ client, detector: d }, record.alarms.includes(d) ? 1 : 0);
        }
      },
    });
  }
  return { registry, predictions, alarms, actions };
}
