import { Option, type Command } from 'commander';
import type { RawGlobals } from '../../globals.js';
import type { CommandSpec } from '../run.js';

/** Loads the runner (state, locking, zod) only when a command actually runs, not for --help. */
export async function runCommand<R>(raw: RawGlobals, spec: CommandSpec<R>): Promise<void> {
  return (await import('../run.js')).runCommand(raw, spec);
}

/** The global options as parsed on the root command, wherever on the line they were given. */
export function globalsOf(cmd: Command): RawGlobals {
  return cmd.optsWithGlobals() as RawGlobals;
}

/** The "Examples:" block every command's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ecsctl ${l}`).join('\n')}`;
}

/** Wraps a validator for commander: the thrown UsageError reaches main() and exits 2. */
export function parser<T>(fn: (value: string, flag: string) => T, flag: string): (value: string) => T {
  return (value) => fn(value, flag);
}

/** For repeatable flags such as --env KEY=VALUE. */
export function collect<T>(
  fn: (value: string, flag: string) => T,
  flag: string,
): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), fn(value, flag)];
}

/** A commander option parsed by a shared validator (which names the flag), with a default shown in --help. */
export const option = <T>(
  flags: string,
  description: string,
  parse: (value: string, flag: string) => T,
  def?: { value: T; text: string },
) => {
  const flag = flags.split(' ')[0]!;
  const o = new Option(flags, description).argParser((x: string) => parse(x, flag));
  return def ? o.default(def.value, def.text) : o;
};
