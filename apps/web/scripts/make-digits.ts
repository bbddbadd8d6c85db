/**
 * Writes public/digits.json: the first 200 test digits of the shipped MNIST at
 * 14×14, binarised at 0.5 exactly as `rgdl train --data mnist --size 14` reads
 * them, as one '0'/'1' string per digit. Deterministic; src/digits.test.ts
 * checks the committed file against a fresh run.
 *   pnpm --filter @rgdl/web digits
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { digitsDocument } from '../src/digits-source.js';

const out = fileURLToPath(new URL('../public/digits.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(digitsDocument())}\n`);
console.log(`wrote ${out}`);
