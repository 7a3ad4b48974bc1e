/**
 * Concurrency on one state file: two `up` started at once → one proceeds, the other exits 3 at
 * once naming the holder's PID, and the state is never corrupted. A lock left by a dead process
 * is taken over; a lock held by a live process (here: this test's own) is respected by every
 * mutating command.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, type CliOptions } from '../harness/cli.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

let world: UpWorld;
let aws: VerifyClients;
let opts: CliOptions;
const statePath = () => join(opts.cwd, 'ecsctl.state.json');
const lockPath = () => `${statePath()}.lock`;

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-rel-lock-')), endpoint: world.moto.endpoint, env: FAST };
});
afterAll(async () => world?.stop());

/** A PID that certainly belongs to no process any more: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('one state file, two commands', () => {
  it('two up at once: one proceeds, the other exits 3 naming the holder; the state stays whole', async () => {
    const a = spawnCli(['up', '--name', 'web', '--image', IMAGE], opts);
    const b = spawnCli(['up', '--name', 'web', '--image', IMAGE], opts);
    const [ra, rb] = await Promise.all([collect(a, { timeoutMs: 170_000 }), collect(b, { timeoutMs: 170_000 })]);
    const results = [
      { pid: a.pid, r: ra },
      { pid: b.pid, r: rb },
    ];
    const winner = results.find((x) => x.r.code === 0);
    const loser = results.find((x) => x.r.code === 3);
    expect(winner, `${ra.code} ${ra.stderr.slice(-500)} / ${rb.code} ${rb.stderr.slice(-500)}`).toBeDefined();
    expect(loser).toBeDefined();
    const lines = loser!.r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`is locked by pid ${winner!.pid} \\(ecsctl up, since `));
    JSON.parse(await readFile(statePath(), 'utf8'));
    expect(existsSync(lockPath())).toBe(false);
    expect(counts(await inventory(aws))).toEqual(COMPLETE_STACK);
  }, 180_000);

  it('a live holder is respected by up, down and a mutating resource command; nothing is called, the state is untouched', async () => {
    const state = await readFile(statePath(), 'utf8');
    const lock = `${JSON.stringify({ pid: process.pid, host: hostname(), command: 'up', since: new Date().toISOString() })}\n`;
    await writeFile(lockPath(), lock, { mode: 0o600 });
    try {
      for (const args of [
        ['up', '--image', IMAGE],
        ['down', '--yes'],
        ['cluster', 'create'],
      ]) {
        const r = await runCli(args, opts);
        expect(r.code, args.join(' ')).toBe(3);
        expect(r.stderr).toMatch(new RegExp(`locked by pid ${process.pid} \\(up, since`));
        expect(await readFile(statePath(), 'utf8')).toBe(state);
        expect(await readFile(lockPath(), 'utf8')).toBe(lock);
      }
    } finally {
      await writeFile(lockPath(), '');
    }
  });

  it('a stale lock (dead PID) is taken over and released', async () => {
    const pid = deadPid();
    await writeFile(
      lockPath(),
      `${JSON.stringify({ pid, host: hostname(), command: 'up', since: '2026-01-01T00:00:00.000Z' })}\n`,
      { mode: 0o600 },
    );
    const before = await inventory(aws);
    const r = await runCli(['up', '--image', IMAGE], opts);
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    expect(existsSync(lockPath())).toBe(false);
    expect(await inventory(aws)).toEqual(before);
  }, 180_000);

  it('a half-written lock (empty file, the writer killed) is taken over too; down then empties the account', async () => {
    await writeFile(lockPath(), '');
    const r = await runCli(['down', '--yes'], opts);
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    expect(existsSync(lockPath())).toBe(false);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
  }, 180_000);
});
