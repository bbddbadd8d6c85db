/**
 * rgdl benchmarks. Usage: pnpm bench [--suite kernels] [--quick] [--out DIR]
 * Writes DIR/<suite>.json and DIR/report.md (default apps/bench/results).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './machine.js';
import { kernelsMarkdown, runKernelsSuite } from './suites/kernels.js';
import { rbmMarkdown, runRbmSuite } from './suites/rbm.js';

const SUITES = ['kernels', 'rbm'] as const;
type Suite = (typeof SUITES)[number];

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { suite: { type: 'string', multiple: true }, quick: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`Usage: pnpm bench [--suite ${SUITES.join('|')}]... [--quick] [--out DIR]\n`);
    return 0;
  }
  const suites = (values.suite ?? [...SUITES]) as Suite[];
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown suite ${unknown.join(', ')} (known: ${SUITES.join(', ')})\n`);
    return 2;
  }
  const outDir = resolve(values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'results'));
  mkdirSync(outDir, { recursive: true });
  const machine = describeMachine();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);
  const sections: string[] = [];
  for (const suite of suites) {
    const t0 = performance.now();
    log(`suite ${suite}…`);
    if (suite === 'kernels') {
      const result = await runKernelsSuite({ sizes: values.quick ? [64, 128] : [128, 512, 1024], log });
      const seconds = (performance.now() - t0) / 1000;
      writeAtomic(join(outDir, 'kernels.json'), JSON.stringify({ suite, machine, seconds, result }, null, 2) + '\n');
      sections.push(`## kernels\n\n${kernelsMarkdown(result)}`);
    }
    if (suite === 'rbm') {
      const result = await runRbmSuite({ quick: values.quick === true, log });
      const seconds = (performance.now() - t0) / 1000;
      writeAtomic(join(outDir, 'rbm.json'), JSON.stringify({ suite, machine, seconds, result }, null, 2) + '\n');
      sections.push(`## rbm\n\n${rbmMarkdown(result)}`);
    }
  }
  const report = `# rgdl benchmark report\n\nMachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node} (V8 ${machine.v8}); ${machine.date}.\nEvery figure sits beside references measured in the same run.\n\n${sections.join('\n')}`;
  writeAtomic(join(outDir, 'report.md'), report);
  log(`wrote ${join(outDir, 'report.md')}`);
  return 0;
}

process.exitCode = await main();
