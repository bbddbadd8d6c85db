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
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

export const COMMANDS: readonly Command[] = [
  trainCommand,
  evalCommand,
  flowCommand,
  fisherCommand,
  poisonCommand,
  cloneAttackCommand,
  experimentCommand,
  serveCommand,
  demoCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `rgdl — renormalisation-group diagnostics and anti-cloning defence for deep RBM networks

Usage: rgdl <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every command accepts --help, --json and --seed. Run 'rgdl <command> --help' for details.
`;
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
  const command = COMMANDS.find((c) => c.name === name);
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
    await command.run(
      { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals },
      io,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`rgdl: ${error.message}\n`);
      return 2;
    }
    io.err(`rgdl: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
