#!/usr/bin/env node
import { runCli } from './cli.js';
import { processIo } from './io.js';

// `pnpm --filter @rgdl/cli rgdl …` runs this script inside apps/cli; the paths a user
// types are relative to where they ran pnpm (INIT_CWD), so resolve them from there
if (process.env.npm_lifecycle_event === 'rgdl' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

process.exitCode = await runCli(process.argv.slice(2), processIo);
