import { createBackend, createRng } from '@rgdl/gpu-kernels';
import { accuracy, createDeepRbm, trainLayerwise, widths, type SweepInfo } from '@rgdl/rbm';
import type { Command } from '../command.js';
import { DATASETS, loadDataset, type DatasetName } from '../data.js';
import { choiceFlag, intFlag, intListFlag, numberFlag, requiredString } from '../flags.js';
import { table } from '../io.js';
import { writeModel } from '../model-io.js';
import { Progress } from '../progress.js';
import { UsageError } from '../usage-error.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a deep RBM classifier with the layerwise scheme of eq. 14',
  usage: 'rgdl train --out model.json [--data mnist|bas|synthetic] [--size 14] [--widths 196,200,10] [options]',
  help: `Greedy initialisation (layers 1…N−1 as RBMs on the representation below, the
top layer on (h_{N−1}, y) by eq. 14), then eq. 14 sweeps k = 1…N. Every sweep is
scored on the held-out 'attacker' split and the best weights are kept: iterated
sweeps can collapse to a fixed point that ignores x (DESIGN.md §5).

Options:
  --out FILE              model file to write (atomically)            (required)
  --data NAME             mnist | bas | synthetic                    (mnist)
  --size N                mnist: 28, 14 or 7; bas/synthetic: side    (14)
  --limit N               use the first N training examples          (all)
  --widths a,b,…          layer widths n_0,…,n_N; n_0 and n_N must match the data
                          (default: input, 200, classes)
  --sweeps N              eq. 14 sweeps after initialisation          (2)
  --pretrain-epochs N     epochs of greedy initialisation per layer   (30)
  --epochs N              epochs per layer per sweep                  (5)
  --lr X --momentum X     SGD step and momentum                       (0.1, 0.9)
  --batch N               mini-batch size                             (50)
  --negative P            auto | cd | pcd | exact                     (auto)
  --precision P           f64 | f32 arithmetic of the CD products     (f32)
  --eval-samples N        samples of h_{N−1} per input when scoring   (16)
  --seed S                seed for initialisation and sampling        (1)
  --json                  print the training report as JSON
`,
  options: {
    out: { type: 'string' }, data: { type: 'string' }, size: { type: 'string' }, limit: { type: 'string' },
    widths: { type: 'string' }, sweeps: { type: 'string' }, 'pretrain-epochs': { type: 'string' }, epochs: { type: 'string' },
    lr: { type: 'string' }, momentum: { type: 'string' }, batch: { type: 'string' }, negative: { type: 'string' },
    precision: { type: 'string' }, 'eval-samples': { type: 'string' },
  },
  async run({ values }, io) {
    const out = requiredString('out', values.out);
    const dataName: DatasetName = choiceFlag('data', values.data, DATASETS, 'mnist');
    const size = intFlag('size', values.size, dataName === 'bas' ? 3 : dataName === 'synthetic' ? 5 : 14, 2);
    const limit = values.limit === undefined ? undefined : intFlag('limit', values.limit, 0, 1);
    const sweeps = intFlag('sweeps', values.sweeps, 2, 0);
    const pretrainEpochs = intFlag('pretrain-epochs', values['pretrain-epochs'], 30, 0);
    const epochs = intFlag('epochs', values.epochs, 5, 1);
    const lr = numberFlag('lr', values.lr, 0.1, 0);
    const momentum = numberFlag('momentum', values.momentum, 0.9, 0, 0.999);
    const batch = intFlag('batch', values.batch, 50, 1);
    const negative = choiceFlag('negative', values.negative, ['auto', 'cd', 'pcd', 'exact'] as const, 'auto');
    const precision = choiceFlag('precision', values.precision, ['f64', 'f32'] as const, 'f32');
    const evalSamples = intFlag('eval-samples', values['eval-samples'], 16, 1);
    const seed = intFlag('seed', values.seed, 1);
    const spec = { name: dataName, size };
    const train = loadDataset(spec, 'train', limit);
    const validation = loadDataset(spec, 'attacker');
    const test = loadDataset(spec, 'test');
    const w = intListFlag('widths', values.widths) ?? [train.x.cols, 200, train.classes];
    if (w.length < 2) throw new UsageError('--widths needs at least two entries (input, output)');
    if (w[0] !== train.x.cols) throw new UsageError(`--widths starts with ${w[0]} but ${dataName} inputs have ${train.x.cols} units`);
    if (w[w.length - 1] !== train.classes) throw new UsageError(`--widths ends with ${w[w.length - 1]} but ${dataName} has ${train.classes} classes (one-hot outputs)`);

    const t0 = performance.now();
    const be = await createBackend();
    try {
      const N = w.length - 1;
      const net = createDeepRbm(w, createRng(seed), { weightScale: 0.01 });
      const progress = new Progress(pretrainEpochs * N + sweeps * N * epochs, { enabled: values.json !== true });
      progress.note(`training [${w.join(', ')}] on ${dataName} (${train.x.rows} examples), backend ${be.mode}`);
      const result = trainLayerwise(be, net, train, {
        validation, sweeps, epochsPerLayer: epochs, pretrainEpochs, batchSize: batch, learningRate: lr, momentum,
        negative, precision, evalSamples, seed, patience: Math.max(1, sweeps),
        onProgress: (e) => {
          if (e.kind === 'layer') progress.tick(1, `sweep ${e.sweep} layer ${e.layer} epoch ${e.epoch}`);
          else progress.note(`sweep ${e.info.sweep}: held-out accuracy ${(100 * e.info.validationAccuracy).toFixed(1)}% (${e.info.seconds.toFixed(1)} s)`);
        },
      });
      progress.finish();
      const testAccuracy = accuracy(be, result.net, test, { samples: 32, rng: createRng(seed + 1) });
      const seconds = (performance.now() - t0) / 1000;
      const metadata = {
        data: { name: dataName, size, trainExamples: train.x.rows },
        training: { method: 'eq14-layerwise', sweeps, pretrainEpochs, epochsPerLayer: epochs, learningRate: lr, momentum, batchSize: batch, negative, precision, seed },
        bestSweep: result.bestSweep,
        validationAccuracy: result.bestAccuracy,
        testAccuracy,
        history: result.history.map((h: SweepInfo) => ({ sweep: h.sweep, validationAccuracy: h.validationAccuracy })),
      };
      writeModel(out, result.net, metadata);
      const report = { model: out, widths: widths(result.net), ...metadata, stopped: result.stopped, seconds };
      if (values.json === true) {
        io.out(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      io.out(table(['sweep', 'held-out accuracy', 'seconds'], result.history.map((h) => [h.sweep, `${(100 * h.validationAccuracy).toFixed(2)}%`, h.seconds.toFixed(1)])));
      io.out(`\nkept sweep ${result.bestSweep}; test accuracy ${(100 * testAccuracy).toFixed(2)}% on ${test.x.rows} examples\n`);
      io.out(`wrote ${out} in ${seconds.toFixed(1)} s\n`);
    } finally {
      be.dispose();
    }
  },
};
