import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  seed: { type: 'string' },
  debug: { type: 'boolean' },
  'max-model-bytes': { type: 'string' },
} as const satisfies OptionSpec;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help text (after the usage line). */
  readonly help: string;
  readonly usage: string;
  readonly options: OptionSpec;
  run(args: ParsedArgs, io: CliIo): Promise<void>;
}
