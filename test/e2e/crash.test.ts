/**
 * SIGKILL between AWS acting and ecsctl recording (test/harness/kill.ts): the proxy forwards the
 * call but holds its answer and the CLI is killed once moto has answered. The rerun must converge
 * on what the killed run made — no duplicate, no extra task definition revision — take over the
 * dead process's lock, and the state file must parse after every kill.
 *  - each step command at its create call, independently;
 *  - `up` killed at every create point in turn and rerun each time, then `down` likewise: in the
 *    end exactly one of each resource, then nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeClustersCommand, ListClustersCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { runKillingAt, stateIn } from '../harness/kill.js';
import { expectRerunChangesNothing } from '../harness/rerun.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

const UP_POINTS = [
  'CreateRepository',
  'CreateCluster',
  'CreateRole',
  'CreateInstanceProfile',
  'CreateSecurityGroup',
  'AuthorizeSecurityGroupIngress',
  'CreateLoadBalancer',
  'CreateTargetGroup',
  'CreateListener',
  'RunInstances',
  'CreateLogGroup',
  'RegisterTaskDefinition',
  'CreateService',
];
const DOWN_POINTS = [
  'ModifyTargetGroupAttributes',
  'UpdateService',
  'DeleteService',
  'DeleteLoadBalancer',
  'DeregisterContainerInstance',
  'TerminateInstances',
  'DeleteSecurityGroup',
  'RemoveRoleFromInstanceProfile',
  'DeleteRole',
  'DeleteCluster',
  'DeleteTargetGroup',
  'DeregisterTaskDefinition',
  'DeleteLogGroup',
  'DeleteRepository',
];

let world: UpWorld;
let aws: VerifyClients;
let proxy: Proxy;
const holding = new Set<string>();

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  proxy = await startProxy(world.moto.endpoint, (call) =>
    holding.has(call.operation) ? { kind: 'delay-response', ms: 60_000 } : { kind: 'pass' },
  );
});
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

/** What a run added to the account, per kind: the other cases' resources in this moto do not count. */
const added = (before: Counts, after: Counts): Counts =>
  Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - before[k as keyof Counts]])) as Counts;
type Counts = ReturnType<typeof counts>;

const newDir = () => mkdtemp(join(tmpdir(), 'ecsctl-crash-'));
const direct = (cwd: string): CliOptions => ({ cwd, endpoint: world.moto.endpoint });

/** Kills `args` at `operation` and checks it died there. */
async function killAt(operation: string, args: string[], cwd: string): Promise<void> {
  const { killedAt, result } = await runKillingAt(proxy, holding, [operation], args, { cwd, endpoint: proxy.endpoint });
  expect(killedAt, result.stderr).toBe(operation);
  expect(result.signal).toBe('SIGKILL');
  await stateIn(cwd); // throws on a torn file
}

describe('a step command killed at its create call', () => {
  it('cluster create: the rerun adopts the cluster the killed run created, once, and takes over the lock', async () => {
    const cwd = await newDir();
    await killAt('CreateCluster', ['cluster', 'create', '--name', 'crash'], cwd);
    expect((await stateIn(cwd))?.cluster).toBeUndefined();
    expect(existsSync(join(cwd, 'ecsctl.state.json.lock'))).toBe(true); // left behind by the dead process

    const rerun = await runCli(['cluster', 'create', '--name', 'crash', '--json'], direct(cwd));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).outcome).toBe('unchanged');
    const all = await aws.ecs.send(new ListClustersCommand({}));
    expect(all.clusterArns?.filter((a) => a.endsWith('/crash'))).toHaveLength(1);
    const live = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['crash'] }));
    expect((await stateIn(cwd))?.cluster).toMatchObject({ arn: live.clusters?.[0]?.clusterArn });
    expect(existsSync(join(cwd, 'ecsctl.state.json.lock'))).toBe(false);
  });

  it('taskdef register: the rerun reuses the revision the killed run registered', async () => {
    const cwd = await newDir();
    const args = ['taskdef', 'register', '--name', 'crashtd', '--image', `${IMAGE.replace('/web:', '/crashtd:')}`];
    await killAt('RegisterTaskDefinition', args, cwd);
    expect((await stateIn(cwd))?.taskDefinition).toBeUndefined();

    const rerun = await runCli([...args, '--json'], direct(cwd));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ outcome: 'unchanged', taskDefinition: { revision: 1 } });
    const revisions = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'crashtd' }));
    expect(revisions.taskDefinitionArns).toHaveLength(1);
  });

  it('repo create killed during a rerun: the recorded state stays complete and the next run is a no-op', async () => {
    const cwd = await newDir();
    expect((await runCli(['repo', 'create', '--name', 'crashrepo'], direct(cwd))).code).toBe(0);
    await killAt('ListTagsForResource', ['repo', 'create'], cwd);
    expect((await stateIn(cwd))?.repository).toMatchObject({ name: 'crashrepo' });
    const rerun = await runCli(['repo', 'create', '--json'], direct(cwd));
    expect(JSON.parse(rerun.stdout).outcome).toBe('unchanged');
  });
});

describe('up and down killed at every point in turn, then the same command again', () => {
  /** Kills `args` at the first point still left, reruns, until a run reaches none and finishes. */
  async function killRepeatedly(args: string[], candidates: string[], opts: CliOptions): Promise<string[]> {
    const left = new Set(candidates);
    const kills: string[] = [];
    for (;;) {
      const { killedAt, result } = await runKillingAt(proxy, holding, left, args, opts);
      await stateIn(opts.cwd!); // parses after every kill
      if (!killedAt) {
        expect(result.code, result.stderr.slice(-2000)).toBe(0);
        return kills;
      }
      expect(result.signal).toBe('SIGKILL');
      kills.push(killedAt);
      left.delete(killedAt);
    }
  }

  it('up converges on exactly one of each resource and a final rerun changes nothing; down then leaves nothing', async () => {
    const opts: CliOptions = { cwd: await newDir(), endpoint: proxy.endpoint, env: FAST, timeoutMs: 170_000 };
    const before = counts(await inventory(aws));
    const upKills = await killRepeatedly(['up', '--name', 'web', '--image', IMAGE], UP_POINTS, opts);
    console.log(`up kill points (${upKills.length}): ${upKills.join(', ')}`);
    expect(upKills.length).toBeGreaterThanOrEqual(5);
    expect(added(before, counts(await inventory(aws)))).toEqual(COMPLETE_STACK);
    await expectRerunChangesNothing(['up', '--image', IMAGE, '--json'], opts, proxy, aws);

    const downKills = await killRepeatedly(['down', '--yes'], DOWN_POINTS, opts);
    console.log(`down kill points (${downKills.length}): ${downKills.join(', ')}`);
    expect(downKills.length).toBeGreaterThanOrEqual(3);
    expect(added(before, counts(await inventory(aws)))).toEqual(EMPTY);
    expect(existsSync(join(opts.cwd!, 'ecsctl.state.json.lock'))).toBe(false);
  }, 900_000);
});
