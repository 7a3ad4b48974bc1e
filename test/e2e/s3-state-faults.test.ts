/**
 * The crash and fault suites once more with the state in S3 (moto's S3, behind the same proxies
 * as the stack's calls, so S3 is faulted and killed at like every other service):
 *  - a seeded 30% of calls throttled or 503 (S3's as 503 SlowDown): up and down succeed;
 *  - state writes whose answer is lost after S3 stored them (503 after forwarding): the SDK's retry
 *    meets 412 (the first attempt moved the ETag), ecsctl re-reads and finds its own content, and
 *    goes on; the object stays whole and a rerun changes nothing;
 *  - the strict S3 rules: 409 ConditionalRequestConflict on the lock and on a state write, SlowDown;
 *  - up killed at create points, at the lock's and at the state's PutObject (S3 acted, ecsctl did
 *    not hear), then down likewise: each rerun takes over the dead process's lock (same host) and
 *    converges; in the end exactly one of each resource, then nothing, and no lock left.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliOptions } from '../harness/cli.js';
import { verifyClients, type VerifyClients, motoS3 } from '../harness/aws.js';
import { faultInjector, UNAVAILABLE } from '../harness/faults.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { runKillingAt } from '../harness/kill.js';
import { startProxy, type Call, type Decision, type Proxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';
import { recoverable, s3ConditionalConflict, s3SlowDown, startStrictProxy } from '../harness/strict/index.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

const SEED = 20261126;
let world: UpWorld;
let aws: VerifyClients;
let s3: S3Client;
let proxy: Proxy;
/** What the proxy does with each call; each case sets its own. */
let decide: (call: Call) => Decision = () => ({ kind: 'pass' });

const isLock = (c: Call) => c.service === 'S3' && /\.lock(\?|$)/.test(c.path ?? '');
/** Kill points name the two S3 writes apart: taking the lock and recording the state. */
const nameOf = (c: Call) =>
  c.service === 'S3' && c.operation === 'PutObject' ? (isLock(c) ? 'LockWrite' : 'StateWrite') : c.operation;
type Counts = ReturnType<typeof counts>;
const added = (before: Counts, after: Counts): Counts =>
  Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - before[k as keyof Counts]])) as Counts;

async function object(key: string): Promise<string | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: 'faults-state', Key: key }))).Body?.transformToString();
  } catch {
    return undefined;
  }
}
const optsFor = async (name: string, endpoint = proxy.endpoint): Promise<CliOptions> => ({
  cwd: await mkdtemp(join(tmpdir(), `ecsctl-s3f-${name}-`)),
  endpoint,
  env: { ...FAST, ECSCTL_STATE: `s3://faults-state/${name}.json` },
  timeoutMs: 170_000,
});
/** A rerun that changes nothing: exit 0 and no mutating call but taking and removing the lock. */
async function expectConverged(args: string[], opts: CliOptions): Promise<void> {
  const from = proxy.calls.length;
  const again = await runCli(args, opts);
  expect(again.code, again.stderr.slice(-2000)).toBe(0);
  expect(
    proxy.calls
      .slice(from)
      .filter((c) => MUTATING.test(c.operation) && !isLock(c))
      .map((c) => `${c.service}.${c.operation}`),
  ).toEqual([]);
}

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  s3 = motoS3(world.moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'faults-state' }));
  proxy = await startProxy(world.moto.endpoint, (call) => decide(call));
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

describe('the fault suite with an s3:// state', () => {
  it('a seeded 30% of calls throttled or 503 (S3: SlowDown): up and down succeed, complete then empty', async () => {
    const faults = faultInjector(SEED, 0.3);
    decide = (c) => faults.decide(c);
    const opts = await optsFor('faults');
    const before = counts(await inventory(aws));
    const up = await runCli(['up', '--name', 'faults', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    const s3Faults = Object.entries(faults.counts.byOperation).filter(([op]) => op.startsWith('S3.'));
    console.log(`S3 faults during up: ${JSON.stringify(Object.fromEntries(s3Faults))} of ${faults.calls()} calls`);
    expect(s3Faults.reduce((n, [, k]) => n + k, 0)).toBeGreaterThan(0);
    expect(added(before, counts(await inventory(aws)))).toEqual(COMPLETE_STACK);
    expect(JSON.parse((await object('faults.json'))!).name).toBe('faults');
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-3000)).toBe(0);
    expect(added(before, counts(await inventory(aws)))).toEqual(EMPTY);
    expect(await object('faults.json.lock')).toBeUndefined();
  }, 400_000);

  it('state writes whose answer is lost after S3 stored them: no corruption, no false refusal, a rerun changes nothing', async () => {
    let writes = 0;
    let lost = 0;
    decide = (c) => {
      if (nameOf(c) !== 'StateWrite' || ++writes % 2 === 0) return { kind: 'pass' };
      lost += 1;
      return { ...UNAVAILABLE, kind: 'forward-then-respond' };
    };
    const opts = await optsFor('lost');
    const before = counts(await inventory(aws));
    const up = await runCli(['up', '--name', 'lost', '--image', IMAGE], opts);
    console.log(`state writes: ${writes}, answers lost: ${lost}`);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    expect(lost).toBeGreaterThan(3);
    expect(added(before, counts(await inventory(aws)))).toEqual(COMPLETE_STACK);
    const state = JSON.parse((await object('lost.json'))!);
    expect(state).toMatchObject({ name: 'lost', service: { name: expect.any(String) } });
    expect(state.instances.ids).toHaveLength(2);
    await expectConverged(['up', '--image', IMAGE], opts);
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-3000)).toBe(0);
    expect(added(before, counts(await inventory(aws)))).toEqual(EMPTY);
  }, 400_000);

  it('the strict account: 409 ConditionalRequestConflict on the lock and on a state write, SlowDown; up and down succeed', async () => {
    decide = () => ({ kind: 'pass' });
    const isLockObject = (object: string) => object.endsWith('.lock');
    const strict = await startStrictProxy(world.moto.endpoint, [
      ...recoverable(),
      s3ConditionalConflict({ times: 1 }, isLockObject),
      s3ConditionalConflict({ times: 1 }, (object) => !isLockObject(object)),
      s3SlowDown({ rate: 0.2, seed: SEED }),
    ]);
    try {
      const opts = await optsFor('strict', strict.endpoint);
      const before = counts(await inventory(aws));
      const up = await runCli(['up', '--name', 'strict', '--image', IMAGE], opts);
      expect(up.code, up.stderr.slice(-3000)).toBe(0);
      const conflicted = strict.calls.filter((c) => c.answeredBy === 's3-conditional-write-conflict');
      expect(conflicted.map((c) => (String(c.params.Key).endsWith('.lock') ? 'lock' : 'state'))).toEqual([
        'lock',
        'state',
      ]);
      expect(strict.calls.filter((c) => c.answeredBy === 's3-slow-down').length).toBeGreaterThan(0);
      expect(added(before, counts(await inventory(aws)))).toEqual(COMPLETE_STACK);
      const down = await runCli(['down', '--yes'], opts);
      expect(down.code, down.stderr.slice(-3000)).toBe(0);
      expect(added(before, counts(await inventory(aws)))).toEqual(EMPTY);
    } finally {
      await strict.close();
    }
  }, 400_000);
});

describe('the crash suite with an s3:// state', () => {
  const killing = new Set<string>();
  const UP_POINTS = [
    'LockWrite',
    'CreateCluster',
    'StateWrite',
    'CreateSecurityGroup',
    'CreateLoadBalancer',
    'RunInstances',
    'RegisterTaskDefinition',
    'CreateService',
  ];
  const DOWN_POINTS = ['DeleteService', 'StateWrite', 'DeleteLoadBalancer', 'TerminateInstances', 'DeleteCluster'];

  async function killRepeatedly(args: string[], candidates: string[], opts: CliOptions): Promise<string[]> {
    const left = new Set(candidates);
    const kills: string[] = [];
    for (;;) {
      const { killedAt, result } = await runKillingAt(proxy, killing, left, args, opts, nameOf);
      JSON.parse((await object('crash.json')) ?? '{}'); // whole after every kill
      if (!killedAt) {
        expect(result.code, result.stderr.slice(-2000)).toBe(0);
        return kills;
      }
      expect(result.signal).toBe('SIGKILL');
      // The dead process's lock is left; the next run takes it over (same host, PID gone).
      expect(JSON.parse((await object('crash.json.lock'))!).command).toMatch(/^ecsctl (up|down)$/);
      kills.push(killedAt);
      left.delete(killedAt);
    }
  }

  it('up converges on exactly one of each resource, a rerun changes nothing; down then leaves nothing and no lock', async () => {
    decide = (c) => (killing.has(nameOf(c)) ? { kind: 'delay-response', ms: 60_000 } : { kind: 'pass' });
    const opts = await optsFor('crash');
    const before = counts(await inventory(aws));
    const upKills = await killRepeatedly(['up', '--name', 'crash', '--image', IMAGE], UP_POINTS, opts);
    console.log(`up kill points (${upKills.length}): ${upKills.join(', ')}`);
    expect(upKills).toEqual(expect.arrayContaining(['LockWrite', 'StateWrite', 'CreateService']));
    expect(added(before, counts(await inventory(aws)))).toEqual(COMPLETE_STACK);
    await expectConverged(['up', '--image', IMAGE], opts);

    const downKills = await killRepeatedly(['down', '--yes'], DOWN_POINTS, opts);
    console.log(`down kill points (${downKills.length}): ${downKills.join(', ')}`);
    expect(downKills.length).toBeGreaterThanOrEqual(3);
    expect(added(before, counts(await inventory(aws)))).toEqual(EMPTY);
    expect(await object('crash.json.lock')).toBeUndefined();
  }, 900_000);
});
