import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, type Command } from './command.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { flowCommand } from './commands/flow.js';
import { experimentCommand } from './commands/experiment.js';
import { trainCommand } from './commands/train.js';
import { serveCommand } from './commands/serve.js';
import { fisherCommand } from './commands/fisher.js';
import { poisonCommand } from './commands/poison.js';
import { cloneAttackCommand } from './commands/clone-attack.js';
import { inspectCommand } from './commands/inspect.js';
import { predictCommand } from './commands/predict.js';
import { workerCommand } from './commands/worker.js';
import { mapCommand } from './commands/map.js';
import { verifyCommand } from './commands/verify.js';
import type { CliIo } from './io.js';
import { setModelByteLimit } from './model-io.js';
import { NetworkError, NumericalError, UsageError, intFlag } from '@rgdl/experiments';

export const COMMANDS: readonly Command[] = [
  trainCommand,
  evalCommand,
  inspectCommand,
  predictCommand,
  flowCommand,
  fisherCommand,
  mapCommand,
  poisonCommand,
  cloneAttackCommand,
  experimentCommand,
  serveCommand,
  verifyCommand,
  workerCommand,
  demoCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `rgdl — renormalisation-group diagnostics and anti-cloning defence for deep RBM networks

Usage: rgdl <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every command accepts --help, --json, --seed, --debug (stack traces of internal
errors) and --max-model-bytes N (the largest model file read: 64 MiB). 'rgdl --version' prints the version. Run 'rgdl <command> --help' for details.

Exit codes: 0 ok, 1 internal error, 2 user error, 3 non-finite or collapsed
numbers, 4 a server could not be reached or stopped answering (after retries)
(one line on stderr; with --json also {"error": {"code", "message"}} on stdout).
`;
}

/** The CLI's version, from its package.json. */
export function cliVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 internal failure, 2 user error
 * (bad command, flag, value or file) reported as one line without a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`rgdl ${cliVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const json = rest.includes('--json');
  const debug = rest.includes('--debug');
  const fail = (code: 'usage' | 'numerical' | 'network' | 'internal', message: string, exit: number) => {
    io.err(`rgdl: ${code === 'internal' ? 'internal error: ' : ''}${message}\n`);
    if (json) io.out(JSON.stringify({ error: { code, message } }) + '\n');
    return exit;
  };
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}' (try 'rgdl --help')`);
    let parsed;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...COMMON_OPTIONS, ...command.options },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new UsageError(`${(error as Error).message.split('\n')[0]} (see 'rgdl ${name} --help')`);
    }
    if (parsed.values.help === true) {
      io.out(`Usage: ${command.usage}\n\n${command.help}`);
      return 0;
    }
    if (parsed.values['max-model-bytes'] !== undefined)
      setModelByteLimit(intFlag('max-model-bytes', parsed.values['max-model-bytes'] as string, 0, 1));
    await command.run(
      { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals },
      io,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail('usage', error.message, 2);
    if (error instanceof NumericalError) return fail('numerical', error.message, 3);
    if (error instanceof NetworkError) return fail('network', error.message, 4);
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return fail('internal', `${message}${debug ? '' : ' (run with --debug for the stack)'}`, 1);
  }
}
