/**
 * Commander options generated from a settings schema (settings/schema.ts): the flag, the help
 * text and the validator come from the one declaration, so the flag and `--config` agree.
 */
import { Option, type Command } from 'commander';
import { configKey, flagName, type AnySetting, type Schema } from '../settings/schema.js';

/** One option from one declaration; `help` replaces the declaration's text where a command means it differently. */
export function settingOption(s: AnySetting, o: { help?: string; withDefault?: boolean } = {}): Option {
  const option = new Option(s.flag, o.help ?? s.help);
  if (s.json === 'list')
    // Repeatable: each occurrence adds its parsed items to the list.
    option.argParser((x: string, previous: unknown[] | undefined) => [
      ...(previous ?? []),
      ...(s.parse(x, flagName(s.flag)) as unknown[]),
    ]);
  // A flag without a value (--no-wait, --detailed-exitcode) is a plain switch: nothing to parse.
  else if (/[<[]/.test(s.flag)) option.argParser((x: string) => s.parse(x, flagName(s.flag)));
  if (o.withDefault && s.default !== undefined) option.default(s.default);
  return option;
}

/** Adds every setting of `schema` to `cmd`, in the schema's order. */
export function addSettings(cmd: Command, schema: Schema): Command {
  for (const s of Object.values(schema)) cmd.addOption(settingOption(s));
  return cmd;
}

/** The settings given on the command line (not commander's defaults), keyed as in the schema. */
export function settingsFromFlags<S extends Schema>(cmd: Command, schema: S): Partial<Record<keyof S, unknown>> {
  const opts = cmd.opts();
  const out: Partial<Record<keyof S, unknown>> = {};
  for (const [key, s] of Object.entries(schema) as [keyof S & string, AnySetting][]) {
    const attr = configKey(s.flag);
    if (cmd.getOptionValueSource(attr) === 'cli') out[key] = opts[attr];
  }
  return out;
}
