/**
 * What a real account does that moto does not, and ecsctl must ride through: each behaviour
 * reproduced on the wire by the strict-AWS proxy (test/harness/strict) in front of a live moto,
 * then all of them at once through up → up again → down.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { MUTATING } from '../harness/rerun.js';
import { IMAGE } from '../harness/standins.js';
import {
  albUnsupportedZone,
  answeredByRule,
  createServiceNotIdempotent,
  newSecurityGroupNotVisible,
  recoverable,
  serviceLinkedRole,
  taskDefinitionDefaults,
} from '../harness/strict/index.js';
import { useStrictWorld } from '../harness/strict/world.js';

const w = useStrictWorld();
const mutatingSince = (from: number) =>
  w.proxy.calls
    .slice(from)
    .map((c) => c.operation)
    .filter((op) => MUTATING.test(op));
async function downEmpty(opts: CliOptions) {
  const down = await runCli(['down', '--yes'], opts);
  expect(down.code, down.stderr.slice(-2000)).toBe(0);
  expect(counts(await inventory(w.aws))).toEqual(EMPTY);
}

describe('one behaviour at a time', () => {
  it('(1) a fresh account: CreateCluster/CreateService refused until ECS has its service-linked role; up retries, visibly', async () => {
    const opts = await w.strict([serviceLinkedRole({ windowMs: 2_500 })]);
    const up = await runCli(['up', '--name', 'fresh', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    expect(answeredByRule(w.proxy.calls)['ecs-service-linked-role']).toBeGreaterThan(0);
    expect(up.stderr).toMatch(/service-linked role .*retrying/i);
    await downEmpty(opts);
  }, 180_000);

  it('(2) a new security group is not yet visible to the calls that name it: up retries them', async () => {
    const opts = await w.strict([newSecurityGroupNotVisible({ windowMs: 1_500 })]);
    const up = await runCli(['up', '--name', 'sgec', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const refused = w.proxy.calls.filter((c) => c.answeredBy).map((c) => c.operation);
    console.log(`refused while the group was new: ${refused.join(', ')}`);
    expect(refused).toContain('AuthorizeSecurityGroupIngress');
    expect(up.stderr).toMatch(/InvalidGroup\.NotFound.*retrying|not yet visible/i);
    await downEmpty(opts);
  }, 180_000);

  it('(4) an availability zone the load balancer cannot use: up drops it (keeping two), says so, and a rerun changes nothing', async () => {
    const subnets = (await w.aws.ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
    const zoneE = subnets.filter((s) => s.AvailabilityZone === 'us-east-1e').map((s) => s.SubnetId!);
    const opts = await w.strict([albUnsupportedZone('us-east-1e', zoneE)]);
    const up = await runCli(['up', '--name', 'zones', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    expect(up.stderr).toMatch(/us-east-1e.*cannot be associated with a load balancer/);
    const lb = (await w.aws.elb.send(new DescribeLoadBalancersCommand({ Names: ['zones-lb'] }))).LoadBalancers![0]!;
    const zones = lb.AvailabilityZones!.map((z) => z.ZoneName);
    expect(zones).not.toContain('us-east-1e');
    expect(zones.length).toBeGreaterThanOrEqual(2);
    const from = w.proxy.calls.length;
    const again = await runCli(['up', '--image', IMAGE], opts);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(mutatingSince(from)).toEqual([]);
    await downEmpty(opts);
  }, 240_000);

  it('(10) CreateService is not idempotent on ECS: with the service lost from the state, up finds it first and never re-creates', async () => {
    const opts = await w.strict([createServiceNotIdempotent()]);
    const up = await runCli(['up', '--name', 'idem', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    // As after a crash between CreateService returning and the state write.
    const path = join(opts.cwd, 'ecsctl.state.json');
    const state = JSON.parse(await readFile(path, 'utf8'));
    delete state.service;
    await writeFile(path, JSON.stringify(state), { mode: 0o600 });
    const from = w.proxy.calls.length;
    const again = await runCli(['up', '--image', IMAGE], opts);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(w.proxy.calls.slice(from).filter((c) => c.operation === 'CreateService')).toEqual([]);
    expect(answeredByRule(w.proxy.calls)['ecs-create-service-not-idempotent']).toBeUndefined();
    expect(counts(await inventory(w.aws)).services).toBe(1);
    await downEmpty(opts);
  }, 240_000);

  it('(8) task definitions come back with ECS defaults filled in: a rerun (flags or --file) registers no new revision', async () => {
    const opts = await w.strict([taskDefinitionDefaults()]);
    const up = await runCli(['up', '--name', 'tdef', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const from = w.proxy.calls.length;
    const again = await runCli(['up', '--image', IMAGE], opts);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(mutatingSince(from)).toEqual([]);
    // The walkthrough's file: no essential, no cpu, no protocol, no hostPort — ECS fills them all.
    const file = join(opts.cwd, 'td.json');
    await writeFile(
      file,
      JSON.stringify({
        family: 'tdef-file',
        containerDefinitions: [{ name: 'web', image: IMAGE, memory: 128, portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    for (let i = 0; i < 2; i++) {
      const r = await runCli(
        ['taskdef', 'register', '--file', file, '--no-logs', '--state', 'file.state.json', '--name', 'tdef'],
        opts,
      );
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
    }
    const revisions = (await w.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'tdef-file' })))
      .taskDefinitionArns!;
    expect(revisions).toHaveLength(1);
    await runCli(['taskdef', 'delete', '--yes', '--state', 'file.state.json'], opts);
    await downEmpty(opts);
  }, 240_000);
});

describe('every recoverable behaviour at once', () => {
  let opts: CliOptions;
  it('up succeeds on the first try: one of each resource', async () => {
    opts = await w.strict(recoverable(15));
    const up = await runCli(['up', '--name', 'strict', '--image', IMAGE], opts);
    console.log(`strict rules answered during up: ${JSON.stringify(answeredByRule(w.proxy.calls))}`);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    expect(counts(await inventory(w.aws))).toEqual(COMPLETE_STACK);
  }, 180_000);

  it('up again makes zero mutating calls and registers no new revision', async () => {
    const revisions = (await inventory(w.aws)).taskDefinitions;
    const from = w.proxy.calls.length;
    const again = await runCli(['up', '--image', IMAGE], opts);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    expect(mutatingSince(from)).toEqual([]);
    expect((await inventory(w.aws)).taskDefinitions).toEqual(revisions);
  }, 180_000);

  it('down leaves nothing', async () => {
    await downEmpty(opts);
    console.log(`strict rules answered in all: ${JSON.stringify(answeredByRule(w.proxy.calls))}`);
  }, 180_000);
});
