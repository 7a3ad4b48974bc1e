/**
 * `down` at its critical path on the wire: after DeleteLoadBalancer the ALB's network interfaces
 * linger in its security group (modelled by test/harness/lingering-enis.ts, as AWS does and moto
 * does not). `down` must watch them go and delete the group once, right after — not retry
 * DependencyViolation blindly.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { runCli, type CliOptions } from '../harness/cli.js';
import { lingeringEnis } from '../harness/lingering-enis.js';
import { startProxy } from '../harness/proxy.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';
import { verifyClients } from '../harness/aws.js';

let world: UpWorld;
let opts: CliOptions;

beforeAll(async () => {
  world = await startUpWorld();
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-down-enis-')), endpoint: world.moto.endpoint, env: FAST };
});
afterAll(async () => world?.stop());

describe('down with lingering load balancer interfaces', () => {
  it('watches the interfaces go, then deletes the LB security group with one call', async () => {
    const up = await runCli(['up', '--name', 'enis', '--image', IMAGE], opts);
    expect(up.code, up.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    const model = lingeringEnis({
      loadBalancerArn: state.loadBalancer.arn,
      groupId: state.lbSecurityGroup.id,
      subnets: state.network.subnets.slice(0, 2).map((s: { id: string }) => s.id),
      lingerMs: 1_500,
    });
    const proxy = await startProxy(world.moto.endpoint, model.decide);
    const times: { op: string; t: number; body: string }[] = [];
    const spy = await startProxy(proxy.endpoint, (call) => {
      times.push({ op: call.operation, t: Date.now(), body: call.body });
      return { kind: 'pass' };
    });
    try {
      const down = await runCli(['down', '--yes'], { ...opts, endpoint: spy.endpoint });
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/stack enis is down/);

      const lbSgDeletes = times.filter(
        (c) => c.op === 'DeleteSecurityGroup' && c.body.includes(`GroupId=${state.lbSecurityGroup.id}`),
      );
      // Deleted once, after the interfaces were released: never refused with DependencyViolation.
      expect(lbSgDeletes).toHaveLength(1);
      expect(lbSgDeletes[0]!.t).toBeGreaterThanOrEqual(model.releasedAt()!);
      const watched = times.filter((c) => c.op === 'DescribeNetworkInterfaces' && c.t < model.releasedAt()!);
      expect(watched.length).toBeGreaterThanOrEqual(2);
      expect(new URLSearchParams(watched[0]!.body).get('Filter.2.Value.1')).toBe('ELB app/enis-lb/*');

      const aws = verifyClients(world.moto.endpoint);
      const groups = await aws.ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:ecsctl:stack', Values: ['enis'] }] }),
      );
      expect(groups.SecurityGroups).toEqual([]);
    } finally {
      await spy.close();
      await proxy.close();
    }
  });
});
