/**
 * The settings of `ecsctl up`, from flags and from `--config FILE` (the same names in camelCase),
 * declared once in settings/declarations.ts. Flags given on the command line win over the file;
 * the file wins over defaults. Unknown keys and wrong types exit 2 before anything else happens.
 */
import { UP_CONFIG_SCHEMA, type UpSettings } from '../settings/declarations.js';
import * as schema from '../settings/schema.js';
import { UsageError } from '../errors.js';
import { checkAutoScalingSettings, type AutoScalingSettings } from '../steps/service/autoscaling-policy.js';

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
  const merged = schema.mergeSettings(UP_CONFIG_SCHEMA, flags, file);
  return { ...merged, autoScaling: autoScalingOf(merged) };
}

/** The four auto scaling settings, checked together (exit 2): none given means no auto scaling. */
function autoScalingOf(s: {
  minCount?: number;
  maxCount?: number;
  cpuTarget?: number;
  requestsPerTarget?: number;
}): AutoScalingSettings | undefined {
  const { minCount: min, maxCount: max, cpuTarget, requestsPerTarget } = s;
  if ([min, max, cpuTarget, requestsPerTarget].every((x) => x === undefined)) return undefined;
  if (min === undefined || max === undefined)
    throw new UsageError('auto scaling needs both --min-count and --max-count');
  return checkAutoScalingSettings({ min, max, cpuTarget, requestsPerTarget });
}
