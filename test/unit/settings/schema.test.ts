import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { mergeSettings, readConfigFile } from '../../../src/orchestrate/settings.js';
import { addSettings, settingsFromFlags } from '../../../src/cli/settings-options.js';
import { SHARED, UP_SCHEMA } from '../../../src/settings/declarations.js';
import { WAIT_TIMEOUT_MS } from '../../../src/settings/defaults.js';
import { configKey } from '../../../src/settings/schema.js';
import * as v from '../../../src/util/validate.js';

const configFile = async (text: string) => {
  const path = join(await mkdtemp(join(tmpdir(), 'ecsctl-settings-')), 'up.json');
  await writeFile(path, text);
  return path;
};

/** `up`'s generated options, parsed as commander would from argv. */
const parseUp = (args: string[]) => {
  const cmd = addSettings(new Command('up').exitOverride(), UP_SCHEMA);
  cmd.parse(args, { from: 'user' });
  return settingsFromFlags(cmd, UP_SCHEMA);
};

/** The error a value gets from the flag and from --config, for one setting. */
async function bothWays(flag: string, value: string | number): Promise<[string, string]> {
  const fromFlag = (() => {
    try {
      parseUp([flag, String(value)]);
      return 'accepted';
    } catch (e) {
      return e instanceof UsageError ? 'usage' : `other: ${(e as Error).message}`;
    }
  })();
  const key = configKey(flag);
  const fromConfig = await readConfigFile(await configFile(JSON.stringify({ [key]: value })))
    .then((file) => mergeSettings({}, file))
    .then(
      () => 'accepted',
      (e: unknown) => (e instanceof UsageError ? 'usage' : `other: ${(e as Error).message}`),
    );
  return [fromFlag, fromConfig];
}

describe('the settings schema', () => {
  it('generates one commander option per setting, in order, with its help text', () => {
    const cmd = addSettings(new Command('up'), UP_SCHEMA);
    expect(cmd.options.map((o) => o.long)).toEqual(Object.values(UP_SCHEMA).map((s) => s.flag.split(' ')[0]));
    expect(cmd.options.find((o) => o.long === '--desired-count')?.description).toBe(SHARED.desiredCount.help);
  });

  it('keeps only the flags given on the command line, under their setting keys', () => {
    expect(parseUp(['--desired-count', '4', '--wait-timeout', '5m', '--no-wait'])).toEqual({
      desiredCount: 4,
      waitTimeoutMs: 300_000,
      wait: false,
    });
  });

  it('fills every default from the declarations', () => {
    const s = mergeSettings({}, {});
    expect(s.waitTimeoutMs).toBe(WAIT_TIMEOUT_MS);
    expect(s.desiredCount).toBe(SHARED.desiredCount.default);
    expect(s.healthCheckPath).toBe('/');
    expect(s.tag).toBeUndefined();
    expect(s.fromFile).toEqual([]);
  });

  it('reads --config with the same keys as the flags, flags first', async () => {
    const file = await readConfigFile(await configFile('{"desiredCount": 4, "wait": false, "waitTimeout": 90}'));
    const s = mergeSettings(parseUp(['--desired-count', '6']), file);
    expect(s).toMatchObject({ desiredCount: 6, wait: false, waitTimeoutMs: 90_000 });
    expect([...s.fromFile].sort()).toEqual(['wait', 'waitTimeout']);
  });

  it('exits 2 on an unknown --config key', async () => {
    const path = await configFile('{"waitTimeoutMs": 1000}');
    await expect(readConfigFile(path)).rejects.toThrow(UsageError);
    await expect(readConfigFile(path)).rejects.toThrow(/unknown key "waitTimeoutMs"/);
  });

  // The wording comes from zod's English locale, which `zod/mini` does not load by itself
  // (util/zod.ts does): without it each of these would read "Invalid input".
  it.each([
    ['{"desiredCount": "four"}', 'desiredCount: Invalid input: expected number, received string'],
    ['{"desiredCount": 1.5}', 'desiredCount: Invalid input: expected int, received number'],
    ['{"waitTimeout": -5}', 'waitTimeout: Too small: expected number to be >0'],
    ['{"env": "A=b"}', 'env: Invalid input: expected array, received string'],
    ['{"env": [1]}', 'env.0: Invalid input: expected string, received number'],
    ['{"wait": "no"}', 'wait: Invalid input: expected boolean, received string'],
    ['null', 'top level: Invalid input: expected object, received null'],
    ['{"replicas": 2, "colour": 1}', 'unknown key "replicas", "colour"'],
  ])('words a bad --config %s exactly as before', async (text, message) => {
    const path = await configFile(text);
    await expect(readConfigFile(path)).rejects.toThrow(new UsageError(`--config ${path}: ${message}`));
  });
});

describe('flags and --config agree (the drift cases)', () => {
  it('rejects a log retention CloudWatch does not offer from both', async () => {
    expect(await bothWays('--log-retention-days', 10)).toEqual(['usage', 'usage']);
    expect(await bothWays('--log-retention-days', 14)).toEqual(['accepted', 'accepted']);
  });

  it('takes the same health-check paths in up, lb create and --config', async () => {
    expect(await bothWays('--health-check-path', '/héalth')).toEqual(['usage', 'usage']);
    expect(await bothWays('--health-check-path', '/health?x=1')).toEqual(['accepted', 'accepted']);
    expect(SHARED.healthCheckPath.parse).toBe(v.healthPath);
  });

  it("bounds the desired count by ECS's 5,000 tasks per service everywhere", async () => {
    expect(await bothWays('--desired-count', 5000)).toEqual(['accepted', 'accepted']);
    expect(await bothWays('--desired-count', 5001)).toEqual(['usage', 'usage']);
    expect(SHARED.desiredCount.parse).toBe(v.desiredCount);
  });
});
