/**
 * The settings of `ecsctl up`, from flags and from `--config FILE` (the same names in camelCase).
 * Flags given on the command line win over the file; the file wins over defaults. Unknown keys
 * and wrong types exit 2 before anything else happens.
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import * as v from '../util/validate.js';
import { issuePath, readJsonFile } from '../util/json-file.js';
import { registryAddress } from '../docker/inputs.js';

/** Each setting: its default and how a flag's or the file's value is checked. */
const check = {
  name: (x: string) => v.stackName(x, 'name'),
  context: (x: string) => x,
  dockerfile: (x: string) => x,
  tag: (x: string) => v.imageTag(x, 'tag'),
  image: (x: string) => v.imageRef(x, 'image'),
  registry: (x: string) => registryAddress(x, 'registry'),
  instanceCount: (x: string) => v.integer(x, 'instanceCount', 1, 20),
  instanceType: (x: string) => v.instanceType(x, 'instanceType'),
  desiredCount: (x: string) => v.integer(x, 'desiredCount', 0, 1000),
  containerPort: (x: string) => v.port(x, 'containerPort'),
  listenerPort: (x: string) => v.port(x, 'listenerPort'),
  healthCheckPath: (x: string) => v.healthPath(x, 'healthCheckPath'),
  memory: (x: string) => v.integer(x, 'memory', 4, 120_000),
  cpu: (x: string) => v.integer(x, 'cpu', 0, 10_240),
  waitTimeout: (x: string) => v.duration(x, 'waitTimeout'),
  wait: (x: string) => x === 'true',
  logs: (x: string) => x === 'true',
  logRetentionDays: (x: string) => v.integer(x, 'logRetentionDays', 1, 3653),
} as const;

export type SettingKey = keyof typeof check;

const ConfigSchema = z.strictObject({
  name: z.string().optional(),
  context: z.string().optional(),
  dockerfile: z.string().optional(),
  tag: z.string().optional(),
  image: z.string().optional(),
  registry: z.string().optional(),
  instanceCount: z.number().int().optional(),
  instanceType: z.string().optional(),
  desiredCount: z.number().int().optional(),
  containerPort: z.number().int().optional(),
  listenerPort: z.number().int().optional(),
  healthCheckPath: z.string().optional(),
  memory: z.number().int().optional(),
  cpu: z.number().int().optional(),
  waitTimeout: z.union([z.string(), z.number().positive()]).optional(),
  wait: z.boolean().optional(),
  logs: z.boolean().optional(),
  logRetentionDays: z.number().int().optional(),
});
export type ConfigFile = z.infer<typeof ConfigSchema>;

export interface UpSettings {
  readonly name?: string;
  readonly context: string;
  readonly dockerfile: string;
  readonly tag?: string;
  readonly image?: string;
  readonly registry?: string;
  readonly instanceCount: number;
  readonly instanceType: string;
  readonly desiredCount: number;
  readonly containerPort: number;
  readonly listenerPort: number;
  readonly healthCheckPath: string;
  readonly memory: number;
  readonly cpu: number;
  readonly wait: boolean;
  readonly waitTimeoutMs: number;
  readonly logs: boolean;
  readonly logRetentionDays: number;
}

export const UP_DEFAULTS = {
  context: '.',
  dockerfile: 'Dockerfile',
  instanceCount: 2,
  instanceType: 't3.small',
  desiredCount: 10,
  containerPort: 8080,
  listenerPort: 80,
  healthCheckPath: '/',
  memory: 128,
  cpu: 0,
  wait: true,
  waitTimeoutMs: 15 * 60_000,
  logs: true,
  logRetentionDays: 7,
} as const;

export async function readConfigFile(path: string): Promise<ConfigFile> {
  return readJsonFile(path, '--config', ConfigSchema, (issue) =>
    issue.code === 'unrecognized_keys'
      ? `: unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      : `: ${issuePath(issue)}: ${issue.message}`,
  );
}

/**
 * Flags (already checked by commander) win; then the file's values, checked here with the same
 * rules; then the defaults.
 */
export function mergeSettings(
  flags: Partial<Record<SettingKey, unknown>>,
  file: ConfigFile,
): UpSettings & { readonly fromFile: readonly string[] } {
  const fromFile: string[] = [];
  const pick = <K extends SettingKey>(key: K): unknown => {
    if (flags[key] !== undefined) return flags[key];
    const raw = file[key];
    if (raw === undefined) return undefined;
    fromFile.push(key);
    try {
      return check[key](String(raw));
    } catch (e) {
      throw new UsageError(`--config: ${(e as Error).message}`);
    }
  };
  const timeout = pick('waitTimeout');
  return {
    fromFile,
    name: pick('name') as string | undefined,
    context: (pick('context') as string | undefined) ?? UP_DEFAULTS.context,
    dockerfile: (pick('dockerfile') as string | undefined) ?? UP_DEFAULTS.dockerfile,
    tag: pick('tag') as string | undefined,
    image: pick('image') as string | undefined,
    registry: pick('registry') as string | undefined,
    instanceCount: (pick('instanceCount') as number | undefined) ?? UP_DEFAULTS.instanceCount,
    instanceType: (pick('instanceType') as string | undefined) ?? UP_DEFAULTS.instanceType,
    desiredCount: (pick('desiredCount') as number | undefined) ?? UP_DEFAULTS.desiredCount,
    containerPort: (pick('containerPort') as number | undefined) ?? UP_DEFAULTS.containerPort,
    listenerPort: (pick('listenerPort') as number | undefined) ?? UP_DEFAULTS.listenerPort,
    healthCheckPath: (pick('healthCheckPath') as string | undefined) ?? UP_DEFAULTS.healthCheckPath,
    memory: (pick('memory') as number | undefined) ?? UP_DEFAULTS.memory,
    cpu: (pick('cpu') as number | undefined) ?? UP_DEFAULTS.cpu,
    wait: (pick('wait') as boolean | undefined) ?? UP_DEFAULTS.wait,
    waitTimeoutMs: (timeout as number | undefined) ?? UP_DEFAULTS.waitTimeoutMs,
    logs: (pick('logs') as boolean | undefined) ?? UP_DEFAULTS.logs,
    logRetentionDays: (pick('logRetentionDays') as number | undefined) ?? UP_DEFAULTS.logRetentionDays,
  };
}
