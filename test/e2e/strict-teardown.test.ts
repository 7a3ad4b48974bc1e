/**
 * Teardown on a real account, reproduced by the strict-AWS proxy in front of a live moto:
 * DeleteCluster refused while ECS still counts just-deregistered instances; DeleteTargetGroup
 * refused while the deleted load balancer's listener lets go (bounded by --wait-timeout, not a
 * fixed minute); TerminateInstances told a just-launched instance does not exist yet.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { counts, EMPTY, inventory } from '../harness/inventory.js';
import { IMAGE } from '../harness/standins.js';
import {
  answeredByRule,
  clusterKeepsInstances,
  deletedLoadBalancerTags,
  newInstanceNotVisible,
  targetGroupKeepsListener,
} from '../harness/strict/index.js';
import { useStrictWorld } from '../harness/strict/world.js';
import { verifyClients } from '../harness/aws.js';
import { DeleteLoadBalancerCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';

const w = useStrictWorld();

describe('(9) teardown timing', () => {
  it('DeleteCluster refused (ClusterContainsContainerInstancesException) just after deregistration: down waits and retries', async () => {
    // Refused twice, however long the instances took to terminate on this machine.
    const opts = await w.strict([clusterKeepsInstances({ windowMs: 600_000, times: 2 })]);
    const up = await runCli(['up', '--name', 'drain', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    expect(answeredByRule(w.proxy.calls)['ecs-cluster-keeps-instances']).toBe(2);
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
  }, 180_000);

  it("the target group's ResourceInUse retry is bounded by --wait-timeout: exit 4 naming it, and a later down finishes", async () => {
    const opts = await w.strict([targetGroupKeepsListener({ windowMs: 600_000 })]);
    const up = await runCli(['up', '--name', 'tgwait', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const down = await runCli(['down', '--yes', '--wait-timeout', '3s'], opts);
    expect(down.code, down.stderr.slice(-2000)).toBe(4);
    expect(down.stderr).toMatch(/target group tgwait-tg is still in use/);
    // Bounded by the 3 s --wait-timeout, not a fixed minute's worth. With the adaptive schedule
    // (issue 17) scaled by ECSCTL_POLL_SCALE 0.1 this run made ~50 attempts (the fixed 0.3 s retry
    // made < 30); a minute of either would be several hundred.
    console.log(`DeleteTargetGroup attempts within --wait-timeout 3s: ${w.callsOf('DeleteTargetGroup')}`);
    expect(w.callsOf('DeleteTargetGroup')).toBeLessThan(100);
    w.proxy.setEnabled(false);
    const again = await runCli(['down', '--yes'], opts);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
  }, 180_000);
});

describe('a load balancer already deleted (a down killed right after DeleteLoadBalancer)', () => {
  it('the rerun is told LoadBalancerNotFound for the recorded ARN (moto would still show its tags), finds it gone and deletes it no second time', async () => {
    const opts = await w.strict([deletedLoadBalancerTags()]);
    const up = await runCli(['up', '--name', 'gonelb', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const [lb] = (await w.aws.elb.send(new DescribeLoadBalancersCommand({ Names: ['gonelb-lb'] }))).LoadBalancers ?? [];
    // Deleted through the proxy, as the killed down did: the state still records it.
    await verifyClients(w.proxy.endpoint).elb.send(
      new DeleteLoadBalancerCommand({ LoadBalancerArn: lb!.LoadBalancerArn }),
    );
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    expect(down.stderr).not.toMatch(/left alone|not created by ecsctl/);
    expect(answeredByRule(w.proxy.calls)['elb-deleted-load-balancer-tags']).toBe(1);
    expect(w.callsOf('DeleteLoadBalancer')).toBe(1);
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
  }, 180_000);
});

describe('(2) a just-launched instance is not yet known to the calls that name it', () => {
  it('down right after up terminates every instance (InvalidInstanceID.NotFound is retried, not taken for "gone")', async () => {
    const opts = await w.strict([newInstanceNotVisible({ windowMs: 600_000, times: 2 })]);
    const up = await runCli(['up', '--name', 'young', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    expect(answeredByRule(w.proxy.calls)['ec2-new-instance-not-visible']).toBe(2);
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
  }, 180_000);
});
