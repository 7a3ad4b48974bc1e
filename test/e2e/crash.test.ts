/**
 * SIGKILL between AWS acting and ecsctl recording: a proxy in front of moto forwards the create
 * call (so the resource exists) but holds the answer; the CLI is killed while it waits. The rerun
 * must converge on that same resource — no duplicate cluster, no extra task definition revision —
 * take over the dead process's lock, and leave a parseable state.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeClustersCommand, ListClustersCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { collect, runCli, spawnCli } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

let moto: Moto;
let aws: VerifyClients;
let proxy: Proxy;
let holding = '';

beforeAll(async () => {
  moto = await startMoto();
  aws = verifyClients(moto.endpoint);
  proxy = await startProxy(moto.endpoint, (call) =>
    call.operation === holding ? { kind: 'delay-response', ms: 30_000 } : { kind: 'pass' },
  );
});
afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

/** Starts the command through the proxy, waits until `operation` has reached moto, then SIGKILLs it. */
/** Until moto has answered the held call: AWS has acted, the CLI has not heard. */
async function untilAnswered(operation: string, from: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!proxy.calls.slice(from).some((c) => c.operation === operation && c.answered)) {
    if (Date.now() > deadline) throw new Error(`moto never answered ${operation}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function killDuring(operation: string, args: string[], cwd: string) {
  holding = operation;
  const seen = proxy.calls.length;
  const child = spawnCli(args, { cwd, endpoint: proxy.endpoint });
  const done = collect(child);
  const deadline = Date.now() + 20_000;
  while (!proxy.calls.slice(seen).some((c) => c.operation === operation)) {
    if (Date.now() > deadline) throw new Error(`${operation} never reached the proxy`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await untilAnswered(operation, seen);
  child.kill('SIGKILL');
  const result = await done;
  holding = '';
  expect(result.signal).toBe('SIGKILL');
}

async function stateOf(cwd: string) {
  const path = join(cwd, 'ecsctl.state.json');
  return existsSync(path) ? JSON.parse(await readFile(path, 'utf8')) : undefined;
}

describe('killed midway', () => {
  it('cluster create: the rerun adopts the cluster the killed run created, once', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-crash-'));
    await killDuring('CreateCluster', ['cluster', 'create', '--name', 'crash'], cwd);
    expect((await stateOf(cwd))?.cluster).toBeUndefined();
    expect(existsSync(join(cwd, 'ecsctl.state.json.lock'))).toBe(true); // left behind by the dead process

    const rerun = await runCli(['cluster', 'create', '--name', 'crash', '--json'], { cwd, endpoint: moto.endpoint });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).outcome).toBe('unchanged');
    const all = await aws.ecs.send(new ListClustersCommand({}));
    expect(all.clusterArns?.filter((a) => a.endsWith('/crash'))).toHaveLength(1);
    const live = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['crash'] }));
    expect((await stateOf(cwd)).cluster.arn).toBe(live.clusters?.[0]?.clusterArn);
    expect(existsSync(join(cwd, 'ecsctl.state.json.lock'))).toBe(false);
  });

  it('taskdef register: the rerun reuses the revision the killed run registered', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-crash-'));
    const args = [
      'taskdef',
      'register',
      '--name',
      'crashtd',
      '--image',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/crashtd:v1',
    ];
    await killDuring('RegisterTaskDefinition', args, cwd);
    expect((await stateOf(cwd))?.taskDefinition).toBeUndefined();

    const rerun = await runCli([...args, '--json'], { cwd, endpoint: moto.endpoint });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ outcome: 'unchanged', taskDefinition: { revision: 1 } });
    const revisions = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'crashtd' }));
    expect(revisions.taskDefinitionArns).toHaveLength(1);
  });

  it('repo create killed during a rerun: the recorded state stays complete and the next run is a no-op', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-crash-'));
    expect((await runCli(['repo', 'create', '--name', 'crashrepo'], { cwd, endpoint: moto.endpoint })).code).toBe(0);
    await killDuring('ListTagsForResource', ['repo', 'create'], cwd);
    const state = await stateOf(cwd);
    expect(state.repository.name).toBe('crashrepo');
    const rerun = await runCli(['repo', 'create', '--json'], { cwd, endpoint: moto.endpoint });
    expect(JSON.parse(rerun.stdout).outcome).toBe('unchanged');
  });
});
