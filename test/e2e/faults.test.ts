/**
 * Injected AWS faults: a proxy in front of moto answers a seeded share of calls itself with
 * throttling (each protocol's own error body) or HTTP 503. `up` then `down` through it must still
 * succeed, and the stack read straight from moto must be complete after `up` and empty after
 * `down`. The same `up` is then read back for least privilege (security groups, IMDSv2), and its
 * --verbose output and every file it wrote are searched for the AWS secret key.
 */
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { runCli, SECRET_ACCESS_KEY, type CliOptions } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { faultInjector, type FaultInjector } from '../harness/faults.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { expectRerunChangesNothing } from '../harness/rerun.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

const SEED = 20261125;
let world: UpWorld;
let aws: VerifyClients;
let proxy: Proxy;
let faults: FaultInjector;
let opts: CliOptions;
const output: string[] = [];

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  faults = faultInjector(SEED, 0.3);
  proxy = await startProxy(world.moto.endpoint, (call) => faults.decide(call));
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-rel-faults-')),
    endpoint: proxy.endpoint,
    env: FAST,
    timeoutMs: 170_000,
  };
});
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

/** Every file under the working directory, recursively, as text. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(join(e.parentPath, e.name), await readFile(join(e.parentPath, e.name), 'utf8'));
  }
  return out;
}

describe('through a proxy that throttles and 503s a seeded 30% of calls', () => {
  it('up --verbose succeeds and the stack read from moto is complete', async () => {
    const up = await runCli(['up', '--name', 'web', '--image', IMAGE, '--verbose'], opts);
    output.push(up.stdout, up.stderr);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    expect(up.stdout).toMatch(/stack web is up/);
    const share = faults.counts.total / faults.calls();
    console.log(
      `faults during up: ${faults.counts.total} of ${faults.calls()} calls (${(share * 100).toFixed(1)}%): ${faults.counts.throttled} throttled, ${faults.counts.unavailable} 503`,
    );
    expect(share).toBeGreaterThanOrEqual(0.2);
    expect(faults.counts.throttled).toBeGreaterThan(0);
    expect(faults.counts.unavailable).toBeGreaterThan(0);
    expect(counts(await inventory(aws))).toEqual(COMPLETE_STACK);
  }, 180_000);

  it('least privilege: instance SG admits only the LB SG on 32768-65535; LB SG opens only the listener port; IMDSv2 required', async () => {
    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    const groups = (
      await aws.ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [state.lbSecurityGroup.id, state.instanceSecurityGroup.id] }),
      )
    ).SecurityGroups!;
    const lbSg = groups.find((g) => g.GroupId === state.lbSecurityGroup.id)!;
    const instSg = groups.find((g) => g.GroupId === state.instanceSecurityGroup.id)!;
    expect(lbSg.IpPermissions).toHaveLength(1);
    expect(lbSg.IpPermissions![0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80 });
    expect(instSg.IpPermissions).toHaveLength(1);
    const rule = instSg.IpPermissions![0]!;
    expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535 });
    expect(rule.IpRanges ?? []).toEqual([]);
    expect(rule.Ipv6Ranges ?? []).toEqual([]);
    expect(rule.UserIdGroupPairs!.map((p) => p.GroupId)).toEqual([lbSg.GroupId]);
    const instances = (
      await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: state.instances.ids }))
    ).Reservations!.flatMap((r) => r.Instances!);
    expect(instances).toHaveLength(2);
    for (const i of instances) {
      expect(i.MetadataOptions?.HttpTokens).toBe('required');
      expect(i.SecurityGroups!.map((g) => g.GroupId)).toEqual([instSg.GroupId]);
    }
  });

  it('a second up through the faults changes nothing', async () => {
    await expectRerunChangesNothing(['up', '--image', IMAGE, '--json'], opts, proxy, aws);
  }, 180_000);

  it('down --yes --verbose succeeds and moto is empty', async () => {
    const before = faults.counts.total;
    const down = await runCli(['down', '--yes', '--verbose'], opts);
    output.push(down.stdout, down.stderr);
    expect(down.code, down.stderr.slice(-3000)).toBe(0);
    console.log(
      `faults during down: ${faults.counts.total - before}; total ${faults.counts.total} of ${faults.calls()} calls`,
    );
    expect(faults.counts.total - before).toBeGreaterThan(0);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
  }, 180_000);

  it('the secret key appears in no output and no file; the state file is mode 0600', async () => {
    expect(output.join('').length).toBeGreaterThan(1000); // --verbose printed the calls
    for (const text of output) expect(text).not.toContain(SECRET_ACCESS_KEY);
    const files = await filesUnder(opts.cwd);
    expect(files.size).toBeGreaterThan(0);
    for (const [path, text] of files) expect(text, path).not.toContain(SECRET_ACCESS_KEY);
    expect((await stat(join(opts.cwd, 'ecsctl.state.json'))).mode & 0o777).toBe(0o600);
  });
});

describe('through a proxy that also loses answers after AWS acted (503 after forwarding)', () => {
  it('up and down still converge: no duplicate after up, nothing left after down', async () => {
    faults = faultInjector(SEED + 1, 0.3, 3, 1 / 3);
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-rel-lost-'));
    const o = { ...opts, cwd };
    const up = await runCli(['up', '--name', 'lost', '--image', IMAGE], o);
    console.log(
      `lost answers during up: ${faults.counts.lost}; all faults ${faults.counts.total} of ${faults.calls()} calls; by op ${JSON.stringify(faults.counts.byOperation)}`,
    );
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    expect(faults.counts.lost).toBeGreaterThan(0);
    // A lost RegisterTaskDefinition answer leaves one extra revision (the API has no idempotency
    // token); everything else must be exactly one.
    const inv = counts(await inventory(aws));
    console.log(`task definition revisions after up: ${inv.taskDefinitions}`);
    expect({ ...inv, taskDefinitions: 1 }).toEqual(COMPLETE_STACK);
    const down = await runCli(['down', '--yes'], o);
    console.log(`lost answers in total: ${faults.counts.lost}`);
    expect(down.code, down.stderr.slice(-3000)).toBe(0);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
  }, 400_000);
});
