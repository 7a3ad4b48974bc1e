import { mkdtemp, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/state/lock.js';
import { emptyState, applyPatch } from '../../../src/state/schema.js';
import { fileStateHandle, parseState, readState, writeState } from '../../../src/state/store.js';
import { StateError } from '../../../src/errors.js';

const tmp = () => mkdtemp(join(tmpdir(), 'ecsctl-state-'));

describe('parseState', () => {
  it('accepts a version 1 state and keeps keys it does not know', () => {
    const s = parseState(JSON.stringify({ ...emptyState('web', 'us-east-1'), futureThing: { id: 'x' } }), 'f');
    expect((s as Record<string, unknown>).futureThing).toEqual({ id: 'x' });
  });
  it.each([
    ['truncated JSON', '{"version": 1, "name": "we', /not valid JSON/],
    ['no version', '{"name":"web"}', /not an ecsctl state file/],
    ['an array', '[]', /not an ecsctl state file/],
    [
      'an unknown version',
      '{"version": 7, "name":"web","region":"us-east-1"}',
      /version 7; this ecsctl reads version 1/,
    ],
    [
      'a bad section',
      '{"version": 1, "name":"web","region":"us-east-1","cluster":{"name":"web"}}',
      /invalid at cluster.arn/,
    ],
  ])('rejects %s with a StateError', (_, text, message) => {
    expect(() => parseState(text, 'f')).toThrow(StateError);
    expect(() => parseState(text, 'f')).toThrow(message);
  });

  // The wording after the path is zod's English locale, which util/zod.ts sets for `zod/mini`.
  const v1 = (o: object) => JSON.stringify({ version: 1, name: 'web', region: 'us-east-1', ...o });
  it.each([
    [{ cluster: { name: 'web' } }, 'cluster.arn: Invalid input: expected string, received undefined'],
    [{ name: 'w' }, 'name: Too small: expected string to have >=2 characters'],
    [{ name: 'w'.repeat(29) }, 'name: Too big: expected string to have <=28 characters'],
    [{ instances: { ids: [''] } }, 'instances.ids.0: Too small: expected string to have >=1 characters'],
    [
      { taskDefinition: { family: 'f', arn: 'a', revision: 1.5, containerName: 'c', containerPort: 80 } },
      'taskDefinition.revision: Invalid input: expected int, received number',
    ],
    [{ capacity: { mode: 'spot' } }, 'capacity.mode: Invalid option: expected one of "instances"|"asg"'],
    [
      { certificate: { arn: 'a', requested: 'yes' } },
      'certificate.requested: Invalid input: expected boolean, received string',
    ],
  ])('words an invalid section %j exactly as before', (section, message) => {
    expect(() => parseState(v1(section), 'f')).toThrow(
      expect.objectContaining({ name: 'StateError', message: `state file f is invalid at ${message}` }),
    );
  });
});

describe('state store', () => {
  it('writes atomically with mode 0600 and reads back what it wrote', async () => {
    const path = join(await tmp(), 'nested', 'state.json');
    await writeState(path, emptyState('web', 'us-east-1'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readState(path)).toEqual(emptyState('web', 'us-east-1'));
  });

  it('returns undefined for a missing file and a StateError for a directory', async () => {
    const dir = await tmp();
    expect(await readState(join(dir, 'none.json'))).toBeUndefined();
    await expect(readState(dir)).rejects.toThrow(/is a directory/);
  });

  it('applies concurrent records in order and removes sections patched to undefined', async () => {
    const path = join(await tmp(), 's.json');
    const handle = fileStateHandle(path, emptyState('web', 'us-east-1'));
    await Promise.all([
      handle.record({ cluster: { name: 'web', arn: 'arn:c' } }),
      handle.record({ repository: { name: 'web', uri: 'u', arn: 'arn:r' } }),
      handle.record({ cluster: undefined }),
    ]);
    const onDisk = JSON.parse(await readFile(path, 'utf8'));
    expect(onDisk.repository.arn).toBe('arn:r');
    expect(onDisk).not.toHaveProperty('cluster');
    expect(handle.current).toEqual(onDisk);
  });

  it('applyPatch leaves the input untouched', () => {
    const s = emptyState('web', 'us-east-1');
    applyPatch(s, { cluster: { name: 'a', arn: 'b' } });
    expect(s).not.toHaveProperty('cluster');
  });
});

describe('state lock', () => {
  it('refuses a second holder while the first is alive, naming its pid', async () => {
    const path = join(await tmp(), 's.json');
    const first = await acquireLock(path, 'ecsctl up');
    await expect(acquireLock(path, 'ecsctl down')).rejects.toThrow(
      new RegExp(`locked by pid ${process.pid} \\(ecsctl up`),
    );
    await first.release();
    const again = await acquireLock(path, 'ecsctl down');
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8'))).toMatchObject({ command: 'ecsctl down' });
    await again.release();
  });

  it('takes over a lock whose process is dead', async () => {
    const path = join(await tmp(), 's.json');
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '0']);
      child.on('exit', () => resolve(child.pid!));
    });
    const { hostname } = await import('node:os');
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: dead, host: hostname(), command: 'ecsctl up', since: 'then' }),
    );
    const lock = await acquireLock(path, 'ecsctl up');
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    await expect(stat(`${path}.lock`)).rejects.toThrow();
  });

  it('treats an unreadable lock file as stale', async () => {
    const dir = await tmp();
    const path = join(dir, 's.json');
    await mkdir(dir, { recursive: true });
    await writeFile(`${path}.lock`, '{"pi');
    const lock = await acquireLock(path, 'x');
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, command: 'x' });
    await lock.release();
    await expect(stat(`${path}.lock`)).rejects.toThrow();
  });
});
