/**
 * rgdl benchmarks. Usage: pnpm bench [--suite kernels] [--quick] [--out DIR] | pnpm bench --report [--out DIR]
 * Writes DIR/<suite>.json and DIR/report.md (default apps/bench/results); --report only rewrites
 * report.md from the results files already there (after a change to a suite's report text).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { describeMachine } from './machine.js';
import { kernelsMarkdown, runKernelsSuite, type KernelsResult } from './suites/kernels.js';
import { rbmMarkdown, runRbmSuite, type RbmResult } from './suites/rbm.js';
import { rgFlowMarkdown, runRgFlowSuite, type RgFlowResult } from './suites/rg-flow.js';
import { fisherMarkdown, runFisherSuite, type FisherSuiteResult } from './suites/fisher.js';
import { classFisherMarkdown, runClassFisherSuite, type ClassFisherResult } from './suites/class-fisher.js';
import { ownDataMarkdown, runOwnDataSuite, type OwnDataResult } from './suites/own-data.js';
import { runServerSuite, serverMarkdown, type ServerSuiteResult } from './suites/server.js';
import { runVictimsSuite, victimsMarkdown, type VictimsResult } from './suites/victims.js';
import { gridMarkdown, runGridSuite, type GridSuiteResult } from './suites/grid.js';
import { amplificationMarkdown, runAmplificationSuite, type AmplificationResult } from './suites/amplification.js';
import { gpujsMarkdown, runGpujsSuite, type GpujsSuiteResult } from './suites/gpujs.js';
import { attackersMarkdown, runAttackersSuite, type AttackersResult } from './suites/attackers.js';

const SUITES = [
  'kernels',
  'rbm',
  'victims',
  'own-data',
  'rg-flow',
  'fisher',
  'class-fisher',
  'amplification',
  'attackers',
  'server',
  'grid',
  'gpujs',
] as const;
type Suite = (typeof SUITES)[number];

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        suite: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        out: { type: 'string' },
        report: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      `Usage: pnpm bench [--suite ${SUITES.join('|')}]... [--quick] [--out DIR]\n       pnpm bench --report [--out DIR]   (rewrite report.md from the results files)\n`,
    );
    return 0;
  }
  const suites = values.report === true ? [] : ((values.suite ?? [...SUITES]) as Suite[]);
  if (values.report === true && (values.suite !== undefined || values.quick === true)) {
    process.stderr.write('bench: --report runs no suite; leave out --suite and --quick\n');
    return 2;
  }
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown suite ${unknown.join(', ')} (known: ${SUITES.join(', ')})\n`);
    return 2;
  }
  if (suites.length > 1 && values.report !== true) {
    // One process per suite: references loaded by one suite must not perturb the
    // next (measured: merely importing mathjs slowed the two-thread CD epoch by ≈30%).
    for (const suite of suites) {
      const args = [
        ...process.execArgv,
        process.argv[1]!,
        '--suite',
        suite,
        ...(values.quick ? ['--quick'] : []),
        ...(values.out ? ['--out', values.out] : []),
      ];
      const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
      if (child.status !== 0) return child.status ?? 1;
    }
    return 0;
  }
  const outDir = resolve(values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'results'));
  mkdirSync(outDir, { recursive: true });
  const machine = describeMachine();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);
  const quick = values.quick === true;
  const run: Record<Suite, () => Promise<unknown>> = {
    kernels: () => runKernelsSuite({ sizes: quick ? [64, 128] : [128, 512, 1024], log }),
    rbm: () => runRbmSuite({ quick, log }),
    victims: () => runVictimsSuite({ quick, log }),
    'own-data': () => runOwnDataSuite({ quick, log }),
    'rg-flow': () => runRgFlowSuite({ quick, log }),
    fisher: () => runFisherSuite({ quick, log }),
    'class-fisher': () => runClassFisherSuite({ quick, log }),
    server: () => runServerSuite({ quick, log }),
    grid: () => runGridSuite({ quick, log }),
    amplification: () => runAmplificationSuite({ quick, log }),
    attackers: () => runAttackersSuite({ quick, log }),
    gpujs: () => runGpujsSuite({ quick, log }),
  };
  for (const suite of suites) {
    const t0 = performance.now();
    log(`suite ${suite}…`);
    const result = await run[suite]();
    const seconds = (performance.now() - t0) / 1000;
    writeAtomic(join(outDir, `${suite}.json`), JSON.stringify({ suite, machine, seconds, result }, null, 2) + '\n');
  }
  // the report covers every suite with a results file in outDir, each with its own machine and date
  const sections: string[] = [];
  for (const suite of SUITES) {
    const file = join(outDir, `${suite}.json`);
    if (!existsSync(file)) continue;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      machine: typeof machine;
      seconds: number;
      result: unknown;
    };
    const m = saved.machine;
    const markdown: Record<Suite, (result: unknown) => string> = {
      kernels: (r) => kernelsMarkdown(r as KernelsResult),
      rbm: (r) => rbmMarkdown(r as RbmResult),
      victims: (r) => victimsMarkdown(r as VictimsResult),
      'own-data': (r) => ownDataMarkdown(r as OwnDataResult),
      'rg-flow': (r) => rgFlowMarkdown(r as RgFlowResult),
      fisher: (r) => fisherMarkdown(r as FisherSuiteResult),
      'class-fisher': (r) => classFisherMarkdown(r as ClassFisherResult),
      server: (r) => serverMarkdown(r as ServerSuiteResult),
      grid: (r) => gridMarkdown(r as GridSuiteResult),
      amplification: (r) => amplificationMarkdown(r as AmplificationResult),
      attackers: (r) => attackersMarkdown(r as AttackersResult),
      gpujs: (r) => gpujsMarkdown(r as GpujsSuiteResult),
    };
    const body = markdown[suite](saved.result);
    sections.push(
      `## ${suite}\n\nMeasured ${m.date} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node} (V8 ${m.v8}); suite took ${saved.seconds.toFixed(0)} s.\n\n${body}`,
    );
  }
  const report = `# rgdl benchmark report\n\nEvery figure sits beside references measured in the same run. Regenerate with \`pnpm bench\` (or \`pnpm bench --suite <name>\`).\n\n${sections.join('\n')}`;
  writeAtomic(join(outDir, 'report.md'), report);
  log(`wrote ${join(outDir, 'report.md')}`);
  return 0;
}

process.exitCode = await main();
