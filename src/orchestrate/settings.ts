/**
 * The settings of `ecsctl up`, from flags and from `--config FILE` (the same names in camelCase),
 * declared once in settings/declarations.ts. Flags given on the command line win over the file;
 * the file wins over defaults. Unknown keys and wrong types exit 2 before anything else happens.
 */
import { UP_CONFIG_SCHEMA, type UpSettings } from '../settings/declarations.js';
import * as schema from '../settings/schema.js';

export type { UpSettings } from '../settings/declarations.js';
export { UP_DEFAULTS } from '../settings/defaults.js';
export type SettingKey = keyof typeof UP_CONFIG_SCHEMA;

export function readConfigFile(path: string): Promise<schema.ConfigFile> {
  return schema.readConfigFile(UP_CONFIG_SCHEMA, path);
}

/** Flags (already checked by commander, keyed by setting) win; then the file's values; then the defaults. */
export function mergeSettings(
  flags: Partial<Record<SettingKey, unknown>>,
  file: schema.ConfigFile,
): UpSettings & { readonly fromFile: readonly string[] } {
  return schema.mergeSettings(UP_CONFIG_SCHEMA, flags, file);
}
