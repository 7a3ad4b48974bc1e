import { beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { OperationError, UsageError, WaitTimeoutError } from '../../../../src/errors.js';
import { refreshInstances } from '../../../../src/steps/capacity/refresh.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const STATE = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  instanceSecurityGroup: { id: 'sg-1', name: 'web-instance-sg' },
  instanceRole: { roleName: 'web-ecs-instance', profileName: 'web-ecs-instance' },
  capacity: {
    mode: 'asg' as const,
    launchTemplate: { id: 'lt-1', name: 'web-ecs', version: 1 },
    autoScalingGroup: { name: 'web-ecs' },
  },
};
const OLD = { ImageId: 'ami-old', InstanceType: 't3.small' };

function liveTemplate(versions: Record<string, object>) {
  awsMock.ec2.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [
      { LaunchTemplateId: 'lt-1', LatestVersionNumber: 1, Tags: [{ Key: 'ecsctl:stack', Value: 'web' }] },
    ],
  });
  awsMock.ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(async (input: { Versions: string[] }) => ({
    LaunchTemplateVersions: [{ LaunchTemplateData: versions[input.Versions[0]!] }],
  }));
}
const group = (version: string) => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: 'web-ecs',
      LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: version },
      Instances: [{ InstanceId: 'i-1', LaunchTemplate: { Version: version } }],
    },
  ] as never,
});

beforeEach(resetAwsMocks);

describe('refreshInstances', () => {
  it('a new AMI: a new template version, a refresh to it (launch before terminate, rollback), recorded, waited', async () => {
    const { ctx, state } = testContext(STATE);
    liveTemplate({ '1': OLD });
    awsMock.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-new' } });
    awsMock.ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 2 } });
    awsMock.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group('1'));
    awsMock.autoscaling
      .on(DescribeInstanceRefreshesCommand)
      .resolvesOnce({ InstanceRefreshes: [] })
      .resolvesOnce({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress', PercentageComplete: 50 }] })
      .resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'Successful', PercentageComplete: 100 }] });
    let recordedAtStart: unknown;
    awsMock.autoscaling.on(StartInstanceRefreshCommand).callsFake(async () => {
      recordedAtStart = state.current.capacity?.launchTemplate?.version;
      return { InstanceRefreshId: 'r-1' };
    });

    const r = await refreshInstances(ctx, { wait: true, timeoutMs: 600_000 });

    expect(recordedAtStart).toBe(2);
    expect(awsMock.autoscaling).toHaveReceivedCommandWith(StartInstanceRefreshCommand, {
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: '2' } },
      Preferences: expect.objectContaining({
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 200,
        AutoRollback: true,
        ScaleInProtectedInstances: 'Refresh',
      }),
    });
    expect(r).toMatchObject({ outcome: 'started', templateVersion: 2, refreshId: 'r-1', status: 'Successful' });
    expect(r.changes).toEqual(['AMI ami-old → ami-new']);
    expect(state.current.capacity?.refresh).toBeUndefined();
  });

  it('nothing new: no version, no refresh, no mutating call', async () => {
    const { ctx } = testContext(STATE);
    liveTemplate({ '1': OLD });
    awsMock.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-old' } });
    awsMock.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group('1'));
    awsMock.autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
    expect((await refreshInstances(ctx, { wait: true, timeoutMs: 60_000 })).outcome).toBe('unchanged');
    expect(awsMock.autoscaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
    expect(awsMock.ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
  });

  it('a rerun after a crash waits on the recorded refresh instead of starting another', async () => {
    const { ctx } = testContext({ ...STATE, capacity: { ...STATE.capacity, refresh: { id: 'r-9' } } });
    awsMock.autoscaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [{ InstanceRefreshId: 'r-9', Status: 'Successful', PercentageComplete: 100 }],
    });
    expect((await refreshInstances(ctx, { wait: true, timeoutMs: 60_000 })).outcome).toBe('resumed');
    expect(awsMock.autoscaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
  });

  it('a refresh that rolled back fails (exit 1) with its reason; one that never ends times out (exit 4)', async () => {
    const rolled = testContext({ ...STATE, capacity: { ...STATE.capacity, refresh: { id: 'r-1' } } });
    awsMock.autoscaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        { InstanceRefreshId: 'r-1', Status: 'RollbackSuccessful', StatusReason: 'health checks failed' },
      ],
    });
    await expect(refreshInstances(rolled.ctx, { wait: true, timeoutMs: 60_000 })).rejects.toThrow(OperationError);
    awsMock.autoscaling.reset();
    const stuck = testContext({ ...STATE, capacity: { ...STATE.capacity, refresh: { id: 'r-1' } } });
    awsMock.autoscaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress', PercentageComplete: 10 }],
    });
    await expect(refreshInstances(stuck.ctx, { wait: true, timeoutMs: 60_000 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
  });

  it('refuses a RunInstances stack (exit 2) before any call', async () => {
    const { ctx } = testContext({ instances: { ids: ['i-1'] } });
    await expect(refreshInstances(ctx, { wait: true, timeoutMs: 1 })).rejects.toBeInstanceOf(UsageError);
    expect(awsMock.autoscaling.calls()).toHaveLength(0);
  });

  it('joins a refresh someone else started (InstanceRefreshInProgress) rather than failing', async () => {
    const { ctx } = testContext(STATE);
    liveTemplate({ '1': OLD });
    awsMock.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-new' } });
    awsMock.ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 2 } });
    awsMock.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group('1'));
    awsMock.autoscaling
      .on(DescribeInstanceRefreshesCommand)
      .resolvesOnce({ InstanceRefreshes: [] })
      .resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-other', Status: 'InProgress' }] });
    awsMock.autoscaling.on(StartInstanceRefreshCommand).rejects(awsError('InstanceRefreshInProgressFault'));
    const r = await refreshInstances(ctx, { wait: false, timeoutMs: 1 });
    expect(r.refreshId).toBe('r-other');
  });
});
