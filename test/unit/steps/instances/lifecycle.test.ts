import { beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand,
  ListContainerInstancesCommand,
  type ContainerInstance,
} from '@aws-sdk/client-ecs';
import {
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
} from '@aws-sdk/client-iam';
import { OperationError, WaitTimeoutError } from '../../../../src/errors.js';
import { terminateInstances, waitForRegistration } from '../../../../src/steps/instances/lifecycle.js';
import { deleteInstanceStack } from '../../../../src/steps/instances/teardown.js';
import { deleteSecurityGroup } from '../../../../src/steps/network/security-groups.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const IDS = ['i-0000000a', 'i-0000000b'];
const ec2Instance = (id: string, state: string, reason?: string): Instance => ({
  InstanceId: id,
  State: { Name: state as never },
  ...(reason ? { StateReason: { Message: reason } } : {}),
});
const ci = (id: string, status = 'ACTIVE'): ContainerInstance => ({
  containerInstanceArn: `arn:aws:ecs:us-east-1:123456789012:container-instance/web/${id}`,
  ec2InstanceId: id,
  status,
});
const TAGS = [{ Key: 'ecsctl:stack', Value: 'web' }];

/** Each call to the returned function answers with the next item, then keeps the last one. */
function sequence<T>(items: T[]): () => T {
  let i = 0;
  return () => items[Math.min(i++, items.length - 1)]!;
}

/** Scripts the cluster's container instances, one list per poll. */
function registrations(perPoll: ContainerInstance[][]) {
  const next = sequence(perPoll);
  let current: ContainerInstance[] = [];
  awsMock.ecs.on(ListContainerInstancesCommand).callsFake(async () => {
    current = next();
    return { containerInstanceArns: current.map((c) => c.containerInstanceArn!) };
  });
  awsMock.ecs.on(DescribeContainerInstancesCommand).callsFake(async () => ({ containerInstances: current }));
}

beforeEach(() => resetAwsMocks());

describe('waitForRegistration', () => {
  it('polls from 0.25 s, doubling, until all are running and registered, reporting "n/N running, m/N registered"', async () => {
    const { ctx, sleeps } = testContext();
    const ec2 = sequence([
      [ec2Instance(IDS[0]!, 'pending'), ec2Instance(IDS[1]!, 'pending')],
      [ec2Instance(IDS[0]!, 'running'), ec2Instance(IDS[1]!, 'running')],
    ]);
    awsMock.ec2.on(DescribeInstancesCommand).callsFake(async () => ({ Reservations: [{ Instances: ec2() }] }));
    registrations([[], [], [ci(IDS[0]!)], [ci(IDS[0]!), ci(IDS[1]!), ci('i-0000other')]]);
    const lines: string[] = [];

    const fleet = await waitForRegistration(ctx, { ids: IDS, cluster: 'web', update: (d) => lines.push(d) });

    expect(fleet.registered.map((c) => c.ec2InstanceId)).toEqual(IDS);
    expect(sleeps).toEqual([250, 500, 1_000]);
    expect(lines).toEqual([
      '0/2 running, 0/2 registered (0s)',
      '2/2 running, 0/2 registered (0s)',
      '2/2 running, 1/2 registered (1s)',
      '2/2 running, 2/2 registered (2s)',
    ]);
    expect(awsMock.ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [{ Name: 'instance-id', Values: IDS }],
    });
  });

  it('does not count DRAINING registrations', async () => {
    const { ctx } = testContext();
    awsMock.ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: IDS.map((id) => ec2Instance(id, 'running')) }] });
    registrations([[ci(IDS[0]!), ci(IDS[1]!, 'DRAINING')]]);
    await expect(waitForRegistration(ctx, { ids: IDS, cluster: 'web', timeoutMs: 6_000 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
  });

  it('times out with exit code 4, saying what was still missing', async () => {
    const { ctx, sleeps } = testContext();
    awsMock.ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: IDS.map((id) => ec2Instance(id, 'running')) }] });
    registrations([[ci(IDS[0]!)]]);
    const error = await waitForRegistration(ctx, { ids: IDS, cluster: 'web', timeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).exitCode).toBe(4);
    expect((error as Error).message).toBe(
      'timed out after 30s waiting for 2 instance(s) to run and register with cluster web: 2/2 running, 1/2 registered',
    );
    expect((error as WaitTimeoutError).hint).toMatch(/cannot reach ECS/);
    expect(sleeps).toHaveLength(10);
  });

  it("fails at once when an instance terminates while waiting, with EC2's reason", async () => {
    const { ctx, sleeps } = testContext();
    awsMock.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            ec2Instance(IDS[0]!, 'running'),
            ec2Instance(IDS[1]!, 'terminated', 'Server.InsufficientInstanceCapacity'),
          ],
        },
      ],
    });
    registrations([[]]);
    const error = await waitForRegistration(ctx, { ids: IDS, cluster: 'web' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toBe('instance i-0000000b is terminated (Server.InsufficientInstanceCapacity)');
    expect(sleeps).toEqual([]);
  });
});

describe('deleteSecurityGroup: DependencyViolation', () => {
  const state = {
    network: { vpcId: 'vpc-00000001', subnets: [] },
    instanceSecurityGroup: { id: 'sg-00000002', name: 'web-instance-sg' },
  };
  beforeEach(() => {
    awsMock.ec2
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupId: 'sg-00000002', GroupName: 'web-instance-sg', Tags: TAGS }] });
  });

  it('retries from 0.25 s, doubling, while the group is in use, then deletes it and forgets it', async () => {
    const { ctx, sleeps, report, state: s } = testContext(state);
    awsMock.ec2
      .on(DeleteSecurityGroupCommand)
      .rejectsOnce(awsError('DependencyViolation', 'resource sg-00000002 has a dependent object'))
      .rejectsOnce(awsError('DependencyViolation', 'resource sg-00000002 has a dependent object'))
      .resolves({});
    expect(await deleteSecurityGroup(ctx, 'instanceSecurityGroup')).toBe('deleted');
    expect(sleeps).toEqual([250, 500]);
    expect(report.lines.filter((l) => l.includes('still in use (DependencyViolation'))).toHaveLength(2);
    expect(s.current.instanceSecurityGroup).toBeUndefined();
  });

  it('on timeout names the network interface that still holds it (exit 4)', async () => {
    const { ctx, state: s } = testContext(state);
    awsMock.ec2
      .on(DeleteSecurityGroupCommand)
      .rejects(awsError('DependencyViolation', 'resource sg-00000002 has a dependent object'));
    awsMock.ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        { NetworkInterfaceId: 'eni-0123456789abcdef0', Description: 'ELB app/web-lb/50dc6c495c0c9188' },
      ],
    });
    const error = await deleteSecurityGroup(ctx, 'instanceSecurityGroup', { timeoutMs: 20_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(
      'security group web-instance-sg (sg-00000002) is still in use after 20s: held by eni-0123456789abcdef0 (ELB app/web-lb/50dc6c495c0c9188)',
    );
    expect(awsMock.ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
      Filters: [{ Name: 'group-id', Values: ['sg-00000002'] }],
    });
    expect(s.current.instanceSecurityGroup).toEqual(state.instanceSecurityGroup);
  });
});

describe('terminateInstances', () => {
  it('counts IDs AWS no longer knows as terminated and terminates the rest', async () => {
    const { ctx, report } = testContext();
    awsMock.ec2.on(TerminateInstancesCommand, { InstanceIds: IDS }).rejects(awsError('InvalidInstanceID.NotFound'));
    awsMock.ec2
      .on(TerminateInstancesCommand, { InstanceIds: [IDS[0]!] })
      .rejects(awsError('InvalidInstanceID.NotFound'));
    awsMock.ec2.on(TerminateInstancesCommand, { InstanceIds: [IDS[1]!] }).resolves({});
    awsMock.ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [ec2Instance(IDS[1]!, 'terminated')] }] });
    await terminateInstances(ctx, IDS);
    // The whole list is retried for 30 s first (a just-launched instance is not visible at once),
    // visibly, then the IDs one by one; the one AWS still does not know counts as gone.
    const calls = awsMock.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds);
    expect(calls.filter((ids) => ids?.length === 2).length).toBeGreaterThan(2);
    expect(calls.slice(-2)).toEqual([[IDS[0]], [IDS[1]]]);
    expect(report.lines.some((l) => /instance not yet visible to EC2 \(InvalidInstanceID.NotFound/.test(l))).toBe(true);
  });

  it('retries a just-launched instance EC2 does not know yet instead of taking it for gone', async () => {
    const { ctx } = testContext();
    awsMock.ec2.on(TerminateInstancesCommand).rejectsOnce(awsError('InvalidInstanceID.NotFound')).resolves({});
    awsMock.ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: IDS.map((id) => ec2Instance(id, 'terminated')) }] });
    await terminateInstances(ctx, IDS);
    const calls = awsMock.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds);
    expect(calls).toEqual([IDS, IDS]);
  });
});

describe('deleteInstanceStack', () => {
  it('deregisters, terminates and waits, then deletes both groups and the role, and forgets them', async () => {
    const { ctx, state } = testContext({
      cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
      network: { vpcId: 'vpc-00000001', subnets: [] },
      lbSecurityGroup: { id: 'sg-0000000b', name: 'web-lb-sg' },
      instanceSecurityGroup: { id: 'sg-0000000c', name: 'web-instance-sg' },
      instanceRole: { roleName: 'web-ecs-instance', profileName: 'web-ecs-instance' },
      instances: { ids: IDS },
    });
    const order: string[] = [];
    const terminated = sequence([
      IDS.map((id) => ec2Instance(id, 'running')),
      IDS.map((id) => ec2Instance(id, 'shutting-down')),
      IDS.map((id) => ec2Instance(id, 'terminated')),
    ]);
    awsMock.ec2.on(DescribeInstancesCommand).callsFake(async () => ({ Reservations: [{ Instances: terminated() }] }));
    registrations([[ci(IDS[0]!), ci(IDS[1]!)]]);
    awsMock.ecs
      .on(DeregisterContainerInstanceCommand)
      .callsFake(async (i) => void order.push(`deregister ${i.containerInstance.split('/').pop()} force=${i.force}`));
    awsMock.ec2
      .on(TerminateInstancesCommand)
      .callsFake(async (i) => void order.push(`terminate ${i.InstanceIds.join(',')}`));
    awsMock.ec2
      .on(DescribeSecurityGroupsCommand)
      .callsFake(async (i) => ({ SecurityGroups: [{ GroupId: i.GroupIds[0], Tags: TAGS }] }));
    awsMock.ec2.on(DeleteSecurityGroupCommand).callsFake(async (i) => void order.push(`delete ${i.GroupId}`));
    awsMock.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    awsMock.iam.on(GetInstanceProfileCommand).rejects(awsError('NoSuchEntityException'));
    awsMock.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException'));

    const result = await deleteInstanceStack(ctx);

    expect(order).toEqual([
      'deregister i-0000000a force=true',
      'deregister i-0000000b force=true',
      'terminate i-0000000a,i-0000000b',
      'delete sg-0000000c',
      'delete sg-0000000b',
    ]);
    expect(result).toMatchObject({
      outcome: 'deleted',
      terminated: IDS,
      deregistered: 2,
      securityGroups: { instance: 'deleted', lb: 'deleted' },
      role: 'absent',
    });
    for (const key of ['instances', 'instanceSecurityGroup', 'lbSecurityGroup', 'instanceRole'] as const)
      expect(state.current[key]).toBeUndefined();
    expect(awsMock.iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    expect(awsMock.iam).not.toHaveReceivedCommand(DeleteInstanceProfileCommand);
  });

  it('keeps the load balancer group while a load balancer is recorded', async () => {
    const { ctx, state } = testContext({
      network: { vpcId: 'vpc-00000001', subnets: [] },
      lbSecurityGroup: { id: 'sg-0000000b', name: 'web-lb-sg' },
      loadBalancer: { name: 'web-lb', arn: 'arn:lb', dnsName: 'web-lb.example' },
    });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const result = await deleteInstanceStack(ctx);
    expect(result).toMatchObject({
      outcome: 'absent',
      terminated: [],
      securityGroups: { instance: 'absent', lb: 'kept' },
    });
    expect(awsMock.ec2).not.toHaveReceivedCommand(DeleteSecurityGroupCommand);
    expect(awsMock.ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
    expect(state.current.lbSecurityGroup).toBeDefined();
  });
});
