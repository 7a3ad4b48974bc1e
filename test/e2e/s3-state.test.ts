/**
 * Two operators (two working directories) on one s3:// state in moto's S3, which honours
 * If-None-Match: * and If-Match on PutObject with 412 PreconditionFailed (checked by hand on moto
 * 5.2.1). Every "while the other one runs" is an event the proxy shows (a call held until the
 * test lets it go), never a pause.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, type CliOptions } from '../harness/cli.js';
import { verifyClients, type VerifyClients, motoS3 } from '../harness/aws.js';
import { holds, type Holds } from '../harness/hold.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { runKillingAt } from '../harness/kill.js';
import { startProxy, type Call, type Proxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';
import { s3AccessDenied, startStrictProxy } from '../harness/strict/index.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

let world: UpWorld;
let aws: VerifyClients;
let s3: S3Client;
let proxy: Proxy;
let held: Holds;
const killing = new Set<string>();
let alice: CliOptions;
let bob: CliOptions;
const URL = 's3://team-state/web.json';
const IMAGE2 = IMAGE.replace(':v1', ':v2');
const IMAGE3 = IMAGE.replace(':v1', ':v3');
const at = (o: CliOptions) => ({ ...o, env: { ...o.env, ECSCTL_STATE: URL } });

const isLock = (c: Call) => c.service === 'S3' && /\.lock(\?|$)/.test(c.path ?? '');
const isStateWrite = (c: Call) =>
  c.service === 'S3' && c.operation === 'PutObject' && /^\/team-state\/web\.json(\?|$)/.test(c.path ?? '');
const firstCreate = (c: Call) => c.service !== 'S3' && MUTATING.test(c.operation);
/** Mutating calls since `from`, leaving out taking and removing the lock (every command does). */
const mutatingSince = (from: number) =>
  proxy.calls
    .slice(from)
    .filter((c) => MUTATING.test(c.operation) && !isLock(c))
    .map((c) => `${c.service}.${c.operation}`);

/** Top-level fields whose JSON differs between two state texts. */
function changedFields(before: string, after: string): string {
  const [a, b] = [JSON.parse(before) as Record<string, unknown>, JSON.parse(after) as Record<string, unknown>];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`)
    .join(', ');
}

async function object(key = 'web.json'): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: 'team-state', Key: key }));
    return out.Body?.transformToString('utf8');
  } catch {
    return undefined;
  }
}
const etag = async () => (await s3.send(new HeadObjectCommand({ Bucket: 'team-state', Key: 'web.json' }))).ETag;

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  s3 = motoS3(world.moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'team-state' }));
  held = holds();
  proxy = await startProxy(
    world.moto.endpoint,
    async (call) =>
      (await held.decide(call)) ??
      (killing.has(call.operation) ? { kind: 'delay-response', ms: 60_000 } : { kind: 'pass' }),
  );
  const dir = (who: string) => mkdtemp(join(tmpdir(), `ecsctl-s3-${who}-`));
  alice = at({ cwd: await dir('alice'), endpoint: proxy.endpoint, env: FAST, timeoutMs: 170_000 });
  bob = at({ cwd: await dir('bob'), endpoint: proxy.endpoint, env: FAST, timeoutMs: 170_000 });
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

describe('bad s3:// input: one line, exit 2 or 3, nothing written', () => {
  it.each([
    ['s3://team-state', 2, /names no object key/],
    ['s3://team-state/dir/', 2, /ends in "\/"/],
    ['s3://no-such-bucket-x/web.json', 3, /state bucket no-such-bucket-x does not exist/],
  ])('%s', async (url, code, message) => {
    const from = proxy.calls.length;
    const r = await runCli(['up', '--name', 'web', '--image', IMAGE, '--state', url], alice);
    expect(r.code).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(await object()).toBeUndefined();
    // A usage error is found before any call; a missing bucket after one HeadBucket, and nothing else.
    expect(proxy.calls.slice(from).map((c) => c.operation)).toEqual(code === 2 ? [] : ['HeadBucket']);
  });

  it.each([
    [undefined, /^error: no permission to use the state bucket team-state \(s3:\/\/team-state\/web\.json\)/],
    [['PutObject'], /^error: no permission to create the lock of s3:\/\/team-state\/web\.json/],
  ])('no permission (AccessDenied on %s): exit 3, one line, nothing written', async (ops, message) => {
    const strict = await startStrictProxy(world.moto.endpoint, [s3AccessDenied('team-state', ops)]);
    try {
      const r = await runCli(['up', '--name', 'web', '--image', IMAGE], { ...alice, endpoint: strict.endpoint });
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(strict.calls.filter((c) => c.service !== 'S3')).toEqual([]);
      expect(await object()).toBeUndefined();
      expect(await object('web.json.lock')).toBeUndefined();
    } finally {
      await strict.close();
    }
  });
});

describe('two operators on one s3:// state', () => {
  it('a second up while the first runs exits 3 naming the holder; the first completes, encrypted, lock gone', async () => {
    // Alice is held at her first create: past the lock, so it is surely hers while bob tries.
    const atCreate = held.hold(firstCreate);
    // Not the default type: the second operator's plan must take it from the S3 state.
    const a = spawnCli(['up', '--name', 'web', '--image', IMAGE, '--instance-type', 't3.medium'], alice);
    const done = collect(a, { timeoutMs: 170_000 });
    await atCreate.reached;
    const rb = await runCli(['up', '--name', 'web', '--image', IMAGE], bob);
    atCreate.release();
    const ra = await done;
    expect(ra.code, ra.stderr.slice(-800)).toBe(0);
    expect(rb.code).toBe(3);
    expect(rb.stderr).toMatch(new RegExp(`locked by .*pid ${a.pid} \\(ecsctl up, \\d+ s ago\\)`));
    // The bucket keeps no versions: said once, however many state writes followed.
    expect(ra.stderr.match(/bucket team-state has versioning off/g)).toHaveLength(1);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'team-state', Key: 'web.json' }));
    expect(head.ServerSideEncryption).toBe('AES256');
    expect(await object('web.json.lock')).toBeUndefined();
    expect(JSON.parse((await object())!).name).toBe('web');
    expect(counts(await inventory(aws))).toEqual(COMPLETE_STACK);
  }, 180_000);

  it('the second operator sees the stack, and his up changes nothing: no mutating call, no state write', async () => {
    const status = await runCli(['status', '--json'], bob);
    expect(status.code, status.stderr).toBe(0);
    const shown = await runCli(['state', 'show'], bob);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(JSON.parse((await object())!));
    const before = { etag: await etag(), inventory: await inventory(aws) };
    const from = proxy.calls.length;
    const text = (await object())!;
    // What up remembers (the instance type) is read from the S3 state, as from a local file.
    const plan = await runCli(['up', '--image', IMAGE, '--dry-run', '--detailed-exitcode'], bob);
    expect(plan.code, plan.stdout + plan.stderr.slice(-800)).toBe(0);
    expect(plan.stdout).toMatch(/no changes/);
    const up = await runCli(['up', '--image', IMAGE], bob);
    expect(up.code, up.stderr.slice(-800)).toBe(0);
    // A failure names what each state write changed, so a flaky field shows itself.
    const writes = proxy.calls.slice(from).filter(isStateWrite);
    expect(mutatingSince(from), writes.map((w) => changedFields(text, w.body)).join('; ')).toEqual([]);
    expect({ etag: await etag(), inventory: await inventory(aws) }).toEqual(before);
  }, 180_000);

  it('a lock from another host: exit 3 at once naming holder and age, nothing sent to the stack; unlock --yes removes it', async () => {
    const since = new Date(Date.now() - 5 * 60_000).toISOString();
    const lock = { user: 'carol', host: 'ci-runner-7', pid: 4242, command: 'ecsctl up', since };
    await s3.send(new PutObjectCommand({ Bucket: 'team-state', Key: 'web.json.lock', Body: JSON.stringify(lock) }));
    const before = await etag();
    const from = proxy.calls.length;
    const r = await runCli(['up', '--image', IMAGE], bob);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/locked by carol@ci-runner-7 pid 4242 \(ecsctl up, 5 min ago\)/);
    expect(proxy.calls.slice(from).filter((c) => c.service !== 'S3')).toEqual([]);
    expect(await etag()).toBe(before);
    const u = await runCli(['state', 'unlock', '--yes'], bob);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr + u.stdout).toMatch(/carol@ci-runner-7 pid 4242/);
    expect(await object('web.json.lock')).toBeUndefined();
  });

  it('Ctrl-C while holding the lock: exit 130, what was done is recorded, the lock removed', async () => {
    const atCreate = held.hold(firstCreate);
    const a = spawnCli(['up', '--image', IMAGE2], alice);
    const done = collect(a, { timeoutMs: 170_000 });
    await atCreate.reached;
    a.kill('SIGINT');
    atCreate.release();
    const r = await done;
    expect(r.code, r.stderr.slice(-800)).toBe(130);
    expect(await object('web.json.lock')).toBeUndefined();
    JSON.parse((await object())!); // whole, not torn
  }, 180_000);

  it('SIGKILL while holding the lock: the lock stays; state unlock --yes names it; a rerun converges on the whole stack', async () => {
    // Killed once ECS has registered the new revision and before ecsctl heard: the worst moment.
    const { killedAt, result } = await runKillingAt(
      proxy,
      killing,
      ['RegisterTaskDefinition'],
      ['up', '--image', IMAGE3],
      alice,
    );
    expect(killedAt, result.stderr.slice(-800)).toBe('RegisterTaskDefinition');
    const lock = JSON.parse((await object('web.json.lock'))!);
    expect(lock.command).toBe('ecsctl up');
    const refused = await runCli(['state', 'unlock'], bob); // no terminal to confirm, no --yes
    expect(refused.code).toBe(2);
    expect(await object('web.json.lock')).toBeDefined();
    const u = await runCli(['state', 'unlock', '--yes'], bob);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr + u.stdout).toMatch(new RegExp(`pid ${lock.pid} \\(ecsctl up`));
    expect(await object('web.json.lock')).toBeUndefined();

    const rerun = await runCli(['up', '--image', IMAGE3], alice);
    expect(rerun.code, rerun.stderr.slice(-800)).toBe(0);
    const inv = counts(await inventory(aws));
    expect({ ...inv, taskDefinitions: 1 }).toEqual(COMPLETE_STACK);
    const state = JSON.parse((await object())!);
    const svc = (
      await aws.ecs.send(new DescribeServicesCommand({ cluster: state.cluster.name, services: [state.service.name] }))
    ).services![0]!;
    const td = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition! }));
    expect(td.taskDefinition!.containerDefinitions![0]!.image).toBe(IMAGE3);
    // Converged: one more up changes nothing.
    const from = proxy.calls.length;
    const again = await runCli(['up', '--image', IMAGE3], bob);
    expect(again.code, again.stderr.slice(-800)).toBe(0);
    expect(mutatingSince(from)).toEqual([]);
  }, 300_000);

  it('a write after someone else changed the state exits 3 and overwrites nothing', async () => {
    // Bob is held at his first state write; meanwhile someone else writes the object.
    const atWrite = held.hold(isStateWrite);
    const d = spawnCli(['down', '--yes'], bob);
    const done = collect(d, { timeoutMs: 170_000 });
    await atWrite.reached;
    const theirs = `${JSON.stringify(JSON.parse((await object())!), null, 2)} \n`;
    await s3.send(new PutObjectCommand({ Bucket: 'team-state', Key: 'web.json', Body: theirs }));
    atWrite.release();
    const r = await done;
    expect(r.code, r.stderr.slice(-800)).toBe(3);
    expect(r.stderr).toMatch(/someone else changed the state s3:\/\/team-state\/web\.json/);
    expect(await object()).toBe(theirs);
    expect(await object('web.json.lock')).toBeUndefined();
  }, 180_000);

  it('down with the S3 state leaves nothing', async () => {
    const r = await runCli(['down', '--yes'], alice);
    expect(r.code, r.stderr.slice(-800)).toBe(0);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
    expect(await object('web.json.lock')).toBeUndefined();
  }, 180_000);

  it('migrate copies a local state, refuses an existing object, and names the new --state', async () => {
    const local = { ...bob, endpoint: world.moto.endpoint, env: { ...FAST } };
    const made = await runCli(['repo', 'create', '--name', 'mig', '--region', 'us-east-1'], local);
    expect(made.code, made.stderr).toBe(0);
    const m = await runCli(['state', 'migrate', '--to', 's3://team-state/mig.json'], local);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/pass --state s3:\/\/team-state\/mig\.json/);
    expect(JSON.parse((await object('mig.json'))!).name).toBe('mig');
    const before = await object('mig.json');
    const again = await runCli(['state', 'migrate', '--to', 's3://team-state/mig.json'], local);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already exists/);
    expect(await object('mig.json')).toBe(before);
    const teardown = await runCli(['repo', 'delete', '--yes', '--state', 's3://team-state/mig.json'], local);
    expect(teardown.code, teardown.stderr).toBe(0);
  }, 120_000);
});
