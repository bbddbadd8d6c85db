// Sums vitest's per-package "Tests  N passed | M failed (T)" lines from a turbo log
// and prints the plain closing line CI reads: "N passed, N failed[, N skipped]".
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
let suites = 0;
for (const line of text.split('\n')) {
  const m = line.match(/\bTests\s+(.+?)\s+\(\d+\)\s*$/);
  if (!m) continue;
  suites++;
  for (const part of m[1].split('|')) {
    const p = part.trim().match(/^(\d+)\s+(passed|failed|skipped|todo)/);
    if (!p) continue;
    const n = Number(p[1]);
    if (p[2] === 'passed') passed += n;
    else if (p[2] === 'failed') failed += n;
    else skipped += n;
  }
}
if (suites === 0) {
  console.log('0 passed, 1 failed');
  console.error('no vitest summary found in the log');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
