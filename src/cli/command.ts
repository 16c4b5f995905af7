import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';

/** One CLI subcommand. `run` returns the process exit code. */
export interface Command {
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` with strict checking, turning its errors into a UsageError that names the command.
 * Always accepts `--help`.
 */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}. See \`noxbackup ${command} --help\`.`);
  }
}

/** Parses an integer option, rejecting anything that is not a whole number within the bounds. */
export function intOption(command: string, name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${command}: --${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}
