/**
 * One declaration per setting: its flag, its validator (from util/validate), its default and its
 * help text. Commander options (cli/settings-options.ts), the `--config` parser and the settings
 * type are all generated from a schema of these, so a flag and its `--config` key cannot drift.
 */
import * as z from '../util/zod.js';
import { UsageError } from '../errors.js';
import { issuePath, readJsonFile } from '../util/json-file.js';

/** How the value of a `--config` key is typed in JSON before the validator sees it as text. */
export type JsonKind = 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'list';

export interface Setting<T, HasDefault extends boolean = boolean> {
  /** Commander's flag spelling: "--desired-count <n>", or "--no-wait" for a boolean that defaults to true. */
  readonly flag: string;
  /** A full sentence, ending with its default. */
  readonly help: string;
  /** The one validator for this kind of value; `name` is the flag or the `--config` key. */
  readonly parse: (value: string, name: string) => T;
  readonly json: JsonKind;
  readonly default: HasDefault extends true ? T : undefined;
}

export type AnySetting = Setting<unknown>;
export type Schema = Record<string, AnySetting>;

/** A setting with a default: never undefined in the settings. */
export function setting<T>(s: Omit<Setting<T, true>, 'default'> & { readonly default: T }): Setting<T, true> {
  return s;
}

/** A setting without a default: undefined unless given. */
export function optional<T>(s: Omit<Setting<T, false>, 'default'>): Setting<T, false> {
  return { ...s, default: undefined };
}

/** The settings a schema describes: a key per setting, undefined only where there is no default. */
export type SettingsOf<S extends Schema> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T, true>
    ? T
    : S[K] extends Setting<infer T, false>
      ? T | undefined
      : never;
};

/** "--no-wait" → "wait", "--desired-count <n>" → "desiredCount": commander's attribute name, also the `--config` key. */
export function configKey(flag: string): string {
  const long = flag.split(/[ ,]+/).find((f) => f.startsWith('--'))!;
  return long.replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The option name a user reads in messages: "--desired-count". */
export function flagName(flag: string): string {
  return flag.split(/[ ,]+/).find((f) => f.startsWith('--'))!;
}

const JSON_TYPE: Record<JsonKind, z.ZodMiniType> = {
  string: z.string(),
  integer: z.int(),
  number: z.number(),
  // A repeatable flag (--env KEY=VALUE …): a list of the flag's values, each checked by `parse`.
  list: z.array(z.string()),
  boolean: z.boolean(),
  // "15m" or a number of seconds, as the flag takes it.
  duration: z.union([z.string(), z.number().check(z.positive())]),
};

/** The `--config` file's shape: every setting under its camelCase key, all optional, nothing else. */
export function configSchema(schema: Schema): z.ZodMiniType<Record<string, unknown>> {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const s of Object.values(schema)) shape[configKey(s.flag)] = z.optional(JSON_TYPE[s.json]);
  return z.strictObject(shape);
}

export type ConfigFile = Readonly<Record<string, unknown>>;

export async function readConfigFile(schema: Schema, path: string): Promise<ConfigFile> {
  return readJsonFile(path, '--config', configSchema(schema), (issue) =>
    issue.code === 'unrecognized_keys'
      ? `: unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      : `: ${issuePath(issue)}: ${issue.message}`,
  );
}

/**
 * Flags (already checked by commander, keyed by setting) win; then the file's values, checked here
 * by the same validator as the flag; then the defaults. `fromFile` lists the config keys used.
 */
export function mergeSettings<S extends Schema>(
  schema: S,
  flags: Partial<Record<keyof S, unknown>>,
  file: ConfigFile,
): SettingsOf<S> & { readonly fromFile: readonly string[] } {
  const fromFile: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) {
    const name = configKey(s.flag);
    let value = flags[key];
    if (value === undefined && file[name] !== undefined) {
      fromFile.push(name);
      try {
        value =
          s.json === 'list'
            ? (file[name] as unknown[]).flatMap((x) => s.parse(String(x), name) as unknown[])
            : s.parse(String(file[name]), name);
      } catch (e) {
        throw new UsageError(`--config: ${(e as Error).message}`);
      }
    }
    out[key] = value ?? s.default;
  }
  return { ...(out as SettingsOf<S>), fromFile };
}
