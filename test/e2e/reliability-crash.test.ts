/**
 * SIGKILL at many points of `up` and `down`: a proxy in front of moto forwards each create (or
 * delete) call but holds its answer, so AWS has acted and ecsctl has not heard; the CLI is killed
 * right then. Each run holds every operation not yet used as a kill point and is killed at the
 * first one it reaches, then the same command is run again — until a run reaches none and
 * finishes. In the end there is exactly one of each resource after `up`, nothing after `down`,
 * and the state file was parseable JSON after every kill.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, spawnCli, type CliOptions } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
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
  'DeleteListener',
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
let opts: CliOptions;
const holding = new Set<string>();

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  proxy = await startProxy(world.moto.endpoint, (call) =>
    holding.has(call.operation) ? { kind: 'delay-response', ms: 60_000 } : { kind: 'pass' },
  );
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-rel-crash-')),
    endpoint: proxy.endpoint,
    env: FAST,
    timeoutMs: 170_000,
  };
});
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

const statePath = () => join(opts.cwd, 'ecsctl.state.json');

/** The state file, parsed; it must always parse (atomic writes), whenever the writer died. */
async function parsedState(): Promise<unknown> {
  if (!existsSync(statePath())) return undefined;
  return JSON.parse(await readFile(statePath(), 'utf8'));
}

/**
 * Runs `args` holding every operation in `points`; kills it at the first one that reaches moto
 * and returns that operation, or returns undefined when the run finished without reaching any.
 */
async function runKillingAtFirst(args: string[], points: Set<string>): Promise<string | undefined> {
  for (const p of points) holding.add(p);
  const from = proxy.calls.length;
  const child = spawnCli(args, opts);
  const done = collect(child, { timeoutMs: 170_000 });
  let exited = false;
  void done.then(() => (exited = true));
  let hit: string | undefined;
  while (!exited && !hit) {
    hit = proxy.calls.slice(from).find((c) => points.has(c.operation))?.operation;
    if (!hit) await new Promise((r) => setTimeout(r, 20));
  }
  if (hit) {
    await new Promise((r) => setTimeout(r, 300)); // moto has acted and answered the proxy by now
    child.kill('SIGKILL');
  }
  const result = await done;
  holding.clear();
  if (!hit) {
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    return undefined;
  }
  expect(result.signal).toBe('SIGKILL');
  return hit;
}

async function killRepeatedly(args: string[], candidates: string[]): Promise<string[]> {
  const left = new Set(candidates);
  const kills: string[] = [];
  for (;;) {
    const hit = await runKillingAtFirst(args, left);
    await expect(parsedState()).resolves.not.toThrow();
    if (!hit) return kills;
    kills.push(hit);
    left.delete(hit);
  }
}

describe('SIGKILL during up and down, then the same command again', () => {
  it('up: killed at ≥5 points, reruns converge on exactly one of each resource', async () => {
    const kills = await killRepeatedly(['up', '--name', 'web', '--image', IMAGE], UP_POINTS);
    console.log(`up kill points (${kills.length}): ${kills.join(', ')}`);
    expect(kills.length).toBeGreaterThanOrEqual(5);
    expect(counts(await inventory(aws))).toEqual(COMPLETE_STACK);
    // A final rerun changes nothing.
    await expectRerunChangesNothing(['up', '--image', IMAGE, '--json'], opts, proxy, aws);
  }, 600_000);

  it('down: killed at ≥3 points, reruns leave nothing behind', async () => {
    const kills = await killRepeatedly(['down', '--yes'], DOWN_POINTS);
    console.log(`down kill points (${kills.length}): ${kills.join(', ')}`);
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
    expect(existsSync(`${statePath()}.lock`)).toBe(false);
  }, 600_000);
});
