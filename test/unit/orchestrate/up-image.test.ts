/**
 * What a plain `up` takes from the state before the lock: the recorded build's context and
 * Dockerfile, the recorded instance type, and the platform of the instances that run the tasks.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { mergeSettings } from '../../../src/orchestrate/settings.js';
import { rememberImageSource } from '../../../src/orchestrate/up-image.js';
import { readState } from '../../../src/state/store.js';

/** The reader `up` passes for a local state file. */
const read = (path: string) => () => readState(path);

async function stateFile(extra: object): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'ecsctl-up-image-')), 'state.json');
  await writeFile(path, JSON.stringify({ version: 1, name: 'web', region: 'us-east-1', ...extra }));
  return path;
}
const build = {
  ref: 'r:v1',
  tag: 'v1',
  platform: 'linux/arm64',
  context: '/src/app',
  dockerfile: 'Dockerfile.scratch',
};
const instances = { ids: ['i-1'], type: 't4g.small' };

// The first call loads zod and the state store: slow on a busy machine, not a measure of anything.
describe('rememberImageSource', { timeout: 30_000 }, () => {
  it('takes the recorded context, Dockerfile and instance type when none is given', async () => {
    const path = await stateFile({ build, instances });
    const s = await rememberImageSource(read(path), mergeSettings({}, {}), () => false);
    expect(s).toMatchObject({ context: '/src/app', dockerfile: 'Dockerfile.scratch', instanceType: 't4g.small' });
    expect(s.platformChoice).toMatchObject({ platform: 'linux/arm64', why: 'for t4g.small' });
  });

  it('lets flags win, and builds for the instances that run (recorded) whatever --instance-type says', async () => {
    const path = await stateFile({ build, instances });
    const given = (k: string) => k === 'context' || k === 'instanceType';
    const s = await rememberImageSource(
      read(path),
      mergeSettings({ context: './other', instanceType: 'm7g.large' }, {}),
      given,
    );
    expect(s).toMatchObject({ context: './other', dockerfile: 'Dockerfile', instanceType: 'm7g.large' });
    expect(s.platformChoice?.instanceType).toBe('t4g.small');
    await expect(
      rememberImageSource(read(path), mergeSettings({ platform: 'linux/amd64' }, {}), () => false),
    ).rejects.toThrow(UsageError);
  });

  it('with no state: the defaults, and the platform of the type given or t3.small', async () => {
    const none = join(await mkdtemp(join(tmpdir(), 'ecsctl-up-image-')), 'none.json');
    const s = await rememberImageSource(
      read(none),
      mergeSettings({ instanceType: 'c8g.large' }, {}),
      (k) => k === 'instanceType',
    );
    expect(s).toMatchObject({ context: '.', dockerfile: 'Dockerfile', platform: 'linux/arm64' });
    const d = await rememberImageSource(read(none), mergeSettings({}, {}), () => false);
    expect(d.platformChoice).toMatchObject({ platform: 'linux/amd64', why: 'for t3.small' });
  });
});
