import { beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { OperationError } from '../../../../src/errors.js';
import {
  ensureInstances,
  isProfilePropagationError,
  placement,
  userData,
  type LaunchSpec,
} from '../../../../src/steps/instances/launch.js';
import { subnetsOffering } from '../../../../src/steps/instances/stack.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const SUBNETS = [
  { id: 'subnet-0000000a', az: 'us-east-1a' },
  { id: 'subnet-0000000b', az: 'us-east-1b' },
];
const SPEC: LaunchSpec = {
  count: 2,
  instanceType: 't3.small',
  imageId: 'ami-0aae19d30bab785d3',
  subnets: SUBNETS,
  securityGroupId: 'sg-00000001',
  profileName: 'web-ecs-instance',
  clusterName: 'web',
};
const PROFILE_NOT_YET =
  'Value (web-ecs-instance) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name';

let seq = 0;
const instance = (subnet: string, state = 'running', id = `i-${String(++seq).padStart(8, '0')}`): Instance => ({
  InstanceId: id,
  SubnetId: subnet,
  State: { Name: state as never },
  InstanceType: 't3.small',
  ImageId: SPEC.imageId,
  Placement: { AvailabilityZone: SUBNETS.find((s) => s.id === subnet)?.az },
});
/** RunInstances that answers with `MinCount` new instances in the requested subnet. */
const launchesInSubnet = async (input: RunInstancesCommandInput) => ({
  Instances: Array.from({ length: input.MinCount! }, () => instance(input.SubnetId!, 'pending')),
});

beforeEach(() => {
  resetAwsMocks();
  seq = 0;
});

describe('ensureInstances: launch', () => {
  it('spreads the instances one call per subnet, with the cluster user data, IMDSv2 hop limit 1 and tags on instance and volume', async () => {
    const { ctx, state } = testContext();
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const tokenInStateAtCall: (string | undefined)[] = [];
    awsMock.ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => {
      tokenInStateAtCall.push(state.current.instances?.launchToken);
      return launchesInSubnet(input);
    });

    const result = await ensureInstances(ctx, SPEC);

    expect(result.outcome).toBe('created');
    expect(result.launched).toHaveLength(2);
    const calls = awsMock.ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.SubnetId, c.MinCount, c.MaxCount])).toEqual([
      ['subnet-0000000a', 1, 1],
      ['subnet-0000000b', 1, 1],
    ]);
    for (const c of calls) {
      expect(Buffer.from(c.UserData!, 'base64').toString()).toBe(
        '#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config\n',
      );
      expect(c).toMatchObject({
        ImageId: SPEC.imageId,
        InstanceType: 't3.small',
        SecurityGroupIds: ['sg-00000001'],
        IamInstanceProfile: { Name: 'web-ecs-instance' },
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
      });
      expect(c.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);
      for (const t of c.TagSpecifications ?? []) expect(t.Tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });
    }
    // The token was in the state file before each call, and each subnet's call has its own token.
    const token = state.saved[0]!.instances!.launchToken!;
    expect(token).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenInStateAtCall).toEqual([token, token]);
    expect(calls.map((c) => c.ClientToken)).toEqual([`${token}-subnet-0000000a`, `${token}-subnet-0000000b`]);
    // IDs recorded after each call; the token removed at the end.
    expect(state.saved.map((s) => s.instances?.ids.length)).toEqual([0, 1, 2, 2]);
    expect(state.current.instances).toMatchObject({
      ids: result.launched.slice().sort(),
      ami: SPEC.imageId,
      type: 't3.small',
    });
    expect(state.current.instances?.launchToken).toBeUndefined();
  });

  it("looks for the stack's instances by tag, pending or running", async () => {
    const { ctx } = testContext();
    awsMock.ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance('subnet-0000000a'), instance('subnet-0000000b')] }] });
    await ensureInstances(ctx, SPEC);
    expect(awsMock.ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:ecsctl:stack', Values: ['web'] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
    });
  });

  it('is a no-op when the instances run: no RunInstances, outcome unchanged', async () => {
    const live = [instance('subnet-0000000a'), instance('subnet-0000000b')];
    const { ctx, state } = testContext({
      instances: { ids: live.map((i) => i.InstanceId!), ami: SPEC.imageId, type: 't3.small' },
    });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: live }] });
    const result = await ensureInstances(ctx, SPEC);
    expect(result.outcome).toBe('unchanged');
    expect(awsMock.ec2).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(state.saved).toHaveLength(0);
  });

  it('records nothing when DescribeInstances lists the recorded instances in another order', async () => {
    const live = [instance('subnet-0000000a'), instance('subnet-0000000b')];
    const { ctx, state } = testContext({
      instances: { ids: live.map((i) => i.InstanceId!).reverse(), ami: SPEC.imageId, type: 't3.small' },
    });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: live }] });
    await ensureInstances(ctx, SPEC);
    expect(state.saved).toHaveLength(0);
  });

  it('resumes an interrupted launch with the recorded token when nothing was launched', async () => {
    const { ctx, state } = testContext({ instances: { ids: [], launchToken: 'feedfacecafebeef' } });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    awsMock.ec2.on(RunInstancesCommand).callsFake(launchesInSubnet);
    await ensureInstances(ctx, SPEC);
    expect(awsMock.ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken)).toEqual([
      'feedfacecafebeef-subnet-0000000a',
      'feedfacecafebeef-subnet-0000000b',
    ]);
    expect(state.current.instances?.launchToken).toBeUndefined();
  });

  it('adopts the instances an interrupted launch started (found by tag) instead of launching again', async () => {
    const live = [instance('subnet-0000000a'), instance('subnet-0000000b')];
    const { ctx, state } = testContext({ instances: { ids: [], launchToken: 'feedfacecafebeef' } });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: live }] });
    const result = await ensureInstances(ctx, SPEC);
    expect(result.outcome).toBe('unchanged');
    expect(awsMock.ec2).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(state.current.instances?.ids).toEqual(live.map((i) => i.InstanceId));
    expect(state.current.instances?.launchToken).toBeUndefined();
  });

  it('replaces recorded instances that are gone with a fresh token (an old one would return the terminated instances)', async () => {
    const { ctx, state } = testContext({
      instances: { ids: ['i-0000dead', 'i-0000beef'], ami: SPEC.imageId, type: 't3.small' },
    });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    awsMock.ec2.on(RunInstancesCommand).callsFake(launchesInSubnet);
    const result = await ensureInstances(ctx, SPEC);
    expect(result.outcome).toBe('recreated');
    expect(state.current.instances?.ids).not.toContain('i-0000dead');
    const second = testContext({ instances: { ids: ['i-0000dead'] } });
    await ensureInstances(second.ctx, SPEC);
    const tokens = new Set(
      awsMock.ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken!.slice(0, 16)),
    );
    expect(tokens.size).toBe(2);
  });

  it('continues a partial fleet: only the missing instance, in the emptier subnet', async () => {
    const { ctx } = testContext();
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('subnet-0000000a')] }] });
    awsMock.ec2.on(RunInstancesCommand).callsFake(launchesInSubnet);
    const result = await ensureInstances(ctx, SPEC);
    expect(awsMock.ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(awsMock.ec2).toHaveReceivedCommandWith(RunInstancesCommand, { SubnetId: 'subnet-0000000b', MinCount: 1 });
    expect(result.instances).toHaveLength(2);
  });
});

describe('ensureInstances: instance profile propagation', () => {
  it('retries "Invalid IAM Instance Profile" with 1-2 s steps and says so on the progress line', async () => {
    const { ctx, report, sleeps } = testContext();
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    awsMock.ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('InvalidParameterValue', PROFILE_NOT_YET))
      .rejectsOnce(awsError('InvalidParameterValue', PROFILE_NOT_YET))
      .callsFake(launchesInSubnet);
    const result = await ensureInstances(ctx, { ...SPEC, count: 1 });
    expect(result.launched).toHaveLength(1);
    expect(sleeps).toEqual([1_000, 2_000]);
    expect(
      report.lines.filter((l) =>
        /instance profile web-ecs-instance not yet usable by EC2 \(IAM propagation, attempt \d/.test(l),
      ),
    ).toHaveLength(2);
    // Retries reuse the same token: a rejected call launches nothing.
    expect(new Set(awsMock.ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken)).size).toBe(1);
  });

  it('gives up after about 60 s with the AWS error', async () => {
    const { ctx, sleeps, state } = testContext();
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    awsMock.ec2.on(RunInstancesCommand).rejects(awsError('InvalidParameterValue', PROFILE_NOT_YET));
    const error = await ensureInstances(ctx, SPEC).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toMatch(
      /^launch 1 t3\.small instance\(s\) in subnet-0000000a \(us-east-1a\): InvalidParameterValue: .*Invalid IAM Instance Profile/,
    );
    const waited = sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(63_000);
    // The token stays recorded, so a rerun resumes the same launch.
    expect(state.current.instances?.launchToken).toMatch(/^[0-9a-f]{16}$/);
  });

  it('does not retry other InvalidParameterValue errors', async () => {
    const { ctx, sleeps } = testContext();
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    awsMock.ec2
      .on(RunInstancesCommand)
      .rejects(awsError('InvalidParameterValue', 'Value (t3.small) for parameter instanceType is invalid.'));
    await expect(ensureInstances(ctx, SPEC)).rejects.toThrow(/instanceType is invalid/);
    expect(sleeps).toEqual([]);
    expect(awsMock.ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
  });

  it('tells the propagation error apart by name first, then by what the message names', () => {
    expect(isProfilePropagationError(awsError('InvalidParameterValue', PROFILE_NOT_YET))).toBe(true);
    expect(isProfilePropagationError(awsError('InvalidParameterValue', 'Invalid value for instanceType'))).toBe(false);
    expect(isProfilePropagationError(awsError('Unsupported', 'Invalid IAM Instance Profile name'))).toBe(false);
  });
});

describe('placement and user data', () => {
  it('fills the emptiest subnet first, ties to the earlier one', () => {
    const three = [...SUBNETS, { id: 'subnet-0000000c', az: 'us-east-1c' }];
    expect(placement([instance('subnet-0000000a')], three, 3).map((p) => [p.subnet.id, p.count])).toEqual([
      ['subnet-0000000a', 1],
      ['subnet-0000000b', 1],
      ['subnet-0000000c', 1],
    ]);
    expect(placement([], SUBNETS, 5).map((p) => p.count)).toEqual([3, 2]);
    expect(() => placement([], [], 1)).toThrow(/no subnet/);
  });

  it('writes the cluster name into /etc/ecs/ecs.config', () => {
    expect(userData('web')).toBe('#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config\n');
  });
});

describe('subnetsOffering', () => {
  it('keeps the subnets whose zone offers the type, and explains when none does', async () => {
    const { ctx } = testContext();
    const e = { id: 'subnet-0000000e', az: 'us-east-1e' };
    awsMock.ec2
      .on(DescribeInstanceTypeOfferingsCommand)
      .resolves({ InstanceTypeOfferings: [{ Location: 'us-east-1a' }, { Location: 'us-east-1b' }] });
    expect(await subnetsOffering(ctx, 't3.small', [SUBNETS[0]!, e, SUBNETS[1]!])).toEqual(SUBNETS);
    await expect(subnetsOffering(ctx, 't3.small', [e])).rejects.toThrow(
      'instance type t3.small is not offered in us-east-1e',
    );
  });

  it('tries every subnet when the offerings cannot be read', async () => {
    const { ctx, report } = testContext();
    awsMock.ec2.on(DescribeInstanceTypeOfferingsCommand).rejects(awsError('UnauthorizedOperation'));
    expect(await subnetsOffering(ctx, 't3.small', SUBNETS)).toEqual(SUBNETS);
    expect(report.lines.some((l) => l.startsWith('warn:') && l.includes('UnauthorizedOperation'))).toBe(true);
  });
});
