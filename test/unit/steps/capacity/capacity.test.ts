import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  DeleteCapacityProviderCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  ListContainerInstancesCommand,
  PutClusterCapacityProvidersCommand,
  UpdateCapacityProviderCommand,
  type CapacityProvider,
} from '@aws-sdk/client-ecs';
import { OperationError, UsageError, WaitTimeoutError } from '../../../../src/errors.js';
import { ensureAutoScalingGroup, emptyAutoScalingGroup } from '../../../../src/steps/capacity/autoscaling-group.js';
import { ensureLaunchTemplate, templateData } from '../../../../src/steps/capacity/launch-template.js';
import { assertCapacityMode, capacityProviderStrategy } from '../../../../src/steps/capacity/mode.js';
import {
  deleteCapacityProvider,
  ensureCapacityProvider,
  ensureClusterStrategy,
} from '../../../../src/steps/capacity/provider.js';
import { deleteCapacity } from '../../../../src/steps/capacity/stack.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const TAGS = [{ Key: 'ecsctl:stack', Value: 'web' }];
const GROUP_ARN = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1:autoScalingGroupName/web-ecs';
const PROVIDER_ARN = 'arn:aws:ecs:us-east-1:123456789012:capacity-provider/web-capacity';
const SPEC = {
  imageId: 'ami-0aae19d30bab785d3',
  instanceType: 't3.small',
  securityGroupId: 'sg-00000001',
  profileName: 'web-ecs-instance',
  clusterName: 'web',
};
const group = (over: Partial<AutoScalingGroup> = {}): AutoScalingGroup => ({
  AutoScalingGroupName: 'web-ecs',
  AutoScalingGroupARN: GROUP_ARN,
  MinSize: 2,
  MaxSize: 4,
  DesiredCapacity: 2,
  NewInstancesProtectedFromScaleIn: true,
  Tags: [{ Key: 'ecsctl:stack', Value: 'web', ResourceId: 'web-ecs' }],
  Instances: [
    { InstanceId: 'i-1', LifecycleState: 'InService', ProtectedFromScaleIn: true },
    { InstanceId: 'i-2', LifecycleState: 'InService', ProtectedFromScaleIn: true },
  ] as never,
  CreatedTime: new Date(0),
  HealthCheckType: 'EC2',
  AvailabilityZones: ['us-east-1a'],
  DefaultCooldown: 300,
  ...over,
});
const provider = (over: Partial<CapacityProvider> = {}): CapacityProvider => ({
  name: 'web-capacity',
  capacityProviderArn: PROVIDER_ARN,
  status: 'ACTIVE',
  tags: [{ key: 'ecsctl:stack', value: 'web' }],
  autoScalingGroupProvider: {
    autoScalingGroupArn: GROUP_ARN,
    managedScaling: { status: 'ENABLED', targetCapacity: 100 },
    managedTerminationProtection: 'ENABLED',
    managedDraining: 'ENABLED',
  },
  ...over,
});
const ASG_STATE = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  capacity: {
    mode: 'asg' as const,
    launchTemplate: { id: 'lt-1', name: 'web-ecs', version: 1 },
    autoScalingGroup: { name: 'web-ecs', arn: GROUP_ARN },
    capacityProvider: { name: 'web-capacity', arn: PROVIDER_ARN },
  },
};

beforeEach(resetAwsMocks);

describe('launch template', () => {
  it('asks for IMDSv2 with hop limit 1, the cluster user data and tags on instance and volume', () => {
    const d = templateData('web', SPEC);
    expect(d.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 });
    expect(Buffer.from(d.UserData!, 'base64').toString()).toContain('ECS_CLUSTER=web');
    expect(d.TagSpecifications!.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);
    expect(d.IamInstanceProfile).toEqual({ Name: 'web-ecs-instance' });
  });

  it('records the template the moment it is created, and adopts ours on a rerun without a call', async () => {
    const { ctx, state } = testContext();
    awsMock.ec2
      .on(DescribeLaunchTemplatesCommand)
      .rejectsOnce(awsError('InvalidLaunchTemplateName.NotFoundException'))
      .resolves({
        LaunchTemplates: [
          { LaunchTemplateId: 'lt-1', LaunchTemplateName: 'web-ecs', LatestVersionNumber: 1, Tags: TAGS },
        ],
      });
    awsMock.ec2
      .on(CreateLaunchTemplateCommand)
      .resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-1', LatestVersionNumber: 1 } });
    awsMock.ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [{ LaunchTemplateData: { ImageId: SPEC.imageId, InstanceType: 't3.small' } }],
    });
    expect((await ensureLaunchTemplate(ctx, SPEC)).outcome).toBe('created');
    expect(state.current.capacity?.launchTemplate).toEqual({ id: 'lt-1', name: 'web-ecs', version: 1 });
    const again = await ensureLaunchTemplate(ctx, SPEC);
    expect(again.outcome).toBe('unchanged');
    expect(again.differs).toEqual([]);
    expect(awsMock.ec2).toHaveReceivedCommandTimes(CreateLaunchTemplateCommand, 1);
  });

  it('refuses a same-named template without the stack tag', async () => {
    const { ctx } = testContext();
    awsMock.ec2
      .on(DescribeLaunchTemplatesCommand)
      .resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-9', Tags: [] }] });
    await expect(ensureLaunchTemplate(ctx, SPEC)).rejects.toThrow(/not created by ecsctl/);
  });
});

describe('Auto Scaling group', () => {
  it('records the name before CreateAutoScalingGroup, pins the version, protects new instances, spreads over the subnets', async () => {
    const { ctx, state } = testContext();
    let nameAtCall: string | undefined;
    awsMock.autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [] })
      .resolves({ AutoScalingGroups: [group()] });
    awsMock.autoscaling.on(CreateAutoScalingGroupCommand).callsFake(async () => {
      nameAtCall = state.current.capacity?.autoScalingGroup?.name;
      return {};
    });
    const r = await ensureAutoScalingGroup(ctx, {
      template: { id: 'lt-1', name: 'web-ecs', version: 3 },
      subnets: [
        { id: 'subnet-a', az: 'us-east-1a' },
        { id: 'subnet-b', az: 'us-east-1b' },
      ],
      count: 2,
      max: 4,
    });
    expect(nameAtCall).toBe('web-ecs');
    expect(awsMock.autoscaling).toHaveReceivedCommandWith(CreateAutoScalingGroupCommand, {
      LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: '3' },
      MinSize: 2,
      DesiredCapacity: 2,
      MaxSize: 4,
      VPCZoneIdentifier: 'subnet-a,subnet-b',
      NewInstancesProtectedFromScaleIn: true,
    });
    expect(r.outcome).toBe('created');
    expect(state.current.capacity?.autoScalingGroup).toEqual({ name: 'web-ecs', arn: GROUP_ARN });
  });

  it('moves min/max when --instance-count or --max-instances changed, pulling desired into the range', async () => {
    const { ctx } = testContext(ASG_STATE);
    awsMock.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group()] });
    const spec = { template: { id: 'lt-1', name: 'web-ecs', version: 1 }, subnets: [], count: 2, max: 4 };
    expect((await ensureAutoScalingGroup(ctx, spec)).outcome).toBe('unchanged');
    expect(awsMock.autoscaling).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
    expect((await ensureAutoScalingGroup(ctx, { ...spec, count: 3, max: 6 })).outcome).toBe('updated');
    expect(awsMock.autoscaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      MinSize: 3,
      MaxSize: 6,
      DesiredCapacity: 3,
    });
  });

  it('empties a group without waiting on what a later step releases: unprotect, then 0, then wait', async () => {
    const { ctx } = testContext(ASG_STATE);
    awsMock.autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [group()] })
      .resolvesOnce({ AutoScalingGroups: [group({ MinSize: 0, DesiredCapacity: 0 })] })
      .resolves({ AutoScalingGroups: [group({ MinSize: 0, DesiredCapacity: 0, Instances: [] })] });
    const seen = await emptyAutoScalingGroup(ctx);
    expect(seen).toEqual(['i-1', 'i-2']);
    expect(awsMock.autoscaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      MinSize: 0,
      DesiredCapacity: 0,
      NewInstancesProtectedFromScaleIn: false,
    });
    expect(awsMock.autoscaling).toHaveReceivedCommandWith(SetInstanceProtectionCommand, {
      InstanceIds: ['i-1', 'i-2'],
      ProtectedFromScaleIn: false,
    });
  });

  it('times out (exit 4) when instances never leave, instead of hanging', async () => {
    const { ctx } = testContext(ASG_STATE);
    awsMock.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group()] });
    await expect(emptyAutoScalingGroup(ctx, { timeoutMs: 30_000 })).rejects.toBeInstanceOf(WaitTimeoutError);
  });
});

describe('capacity provider', () => {
  it('creates it with managed scaling, termination protection and draining, and records it', async () => {
    const { ctx, state } = testContext();
    awsMock.ecs.on(DescribeCapacityProvidersCommand).resolves({ capacityProviders: [] });
    awsMock.ecs.on(CreateCapacityProviderCommand).resolves({ capacityProvider: provider() });
    await ensureCapacityProvider(ctx, { groupArn: GROUP_ARN, targetCapacity: 80 });
    expect(awsMock.ecs).toHaveReceivedCommandWith(CreateCapacityProviderCommand, {
      name: 'web-capacity',
      autoScalingGroupProvider: {
        autoScalingGroupArn: GROUP_ARN,
        managedScaling: { status: 'ENABLED', targetCapacity: 80 },
        managedTerminationProtection: 'ENABLED',
        managedDraining: 'ENABLED',
      },
    });
    expect(state.current.capacity?.capacityProvider).toEqual({ name: 'web-capacity', arn: PROVIDER_ARN });
  });

  it('converges --target-capacity with UpdateCapacityProvider, and makes no call when it matches', async () => {
    const { ctx } = testContext(ASG_STATE);
    awsMock.ecs.on(DescribeCapacityProvidersCommand).resolves({ capacityProviders: [provider()] });
    expect((await ensureCapacityProvider(ctx, { groupArn: GROUP_ARN, targetCapacity: 100 })).outcome).toBe('unchanged');
    expect(awsMock.ecs).not.toHaveReceivedCommand(UpdateCapacityProviderCommand);
    expect((await ensureCapacityProvider(ctx, { groupArn: GROUP_ARN, targetCapacity: 75 })).outcome).toBe('updated');
    expect(awsMock.ecs).toHaveReceivedCommandWith(UpdateCapacityProviderCommand, {
      name: 'web-capacity',
      autoScalingGroupProvider: expect.objectContaining({ managedScaling: { status: 'ENABLED', targetCapacity: 75 } }),
    });
  });

  it('makes it the default strategy once, keeping the cluster’s other providers; no call when already so', async () => {
    const { ctx } = testContext(ASG_STATE);
    awsMock.ecs
      .on(DescribeClustersCommand)
      .resolvesOnce({
        clusters: [
          {
            clusterName: 'web',
            status: 'ACTIVE',
            capacityProviders: ['FARGATE'],
            tags: [{ key: 'ecsctl:stack', value: 'web' }],
          },
        ],
      })
      .resolves({
        clusters: [
          {
            clusterName: 'web',
            status: 'ACTIVE',
            capacityProviders: ['FARGATE', 'web-capacity'],
            defaultCapacityProviderStrategy: [{ capacityProvider: 'web-capacity', weight: 1, base: 0 }],
          },
        ],
      });
    expect(await ensureClusterStrategy(ctx, 'web', 'web-capacity')).toBe('created');
    expect(awsMock.ecs).toHaveReceivedCommandWith(PutClusterCapacityProvidersCommand, {
      capacityProviders: ['FARGATE', 'web-capacity'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'web-capacity', weight: 1, base: 0 }],
    });
    expect(await ensureClusterStrategy(ctx, 'web', 'web-capacity')).toBe('unchanged');
    expect(awsMock.ecs).toHaveReceivedCommandTimes(PutClusterCapacityProvidersCommand, 1);
  });

  it('fails at once with AWS’s reason when the delete comes back DELETE_FAILED, instead of polling forever', async () => {
    const { ctx, sleeps } = testContext(ASG_STATE);
    awsMock.ecs.on(DescribeCapacityProvidersCommand).resolves({ capacityProviders: [provider()] });
    awsMock.ecs.on(DeleteCapacityProviderCommand).resolves({
      capacityProvider: provider({
        updateStatus: 'DELETE_FAILED',
        updateStatusReason: 'The capacity provider cannot be deleted because it is associated with cluster: web.',
      }),
    });
    await expect(deleteCapacityProvider(ctx)).rejects.toThrow(/associated with cluster: web/);
    expect(sleeps).toEqual([]);
  });

  it('waits while DELETE_IN_PROGRESS, then forgets it', async () => {
    const { ctx, state } = testContext(ASG_STATE);
    awsMock.ecs
      .on(DescribeCapacityProvidersCommand)
      .resolvesOnce({ capacityProviders: [provider()] })
      .resolvesOnce({ capacityProviders: [provider({ updateStatus: 'DELETE_IN_PROGRESS' })] })
      .resolves({ capacityProviders: [provider({ status: 'INACTIVE', updateStatus: 'DELETE_COMPLETE' })] });
    awsMock.ecs
      .on(DeleteCapacityProviderCommand)
      .resolves({ capacityProvider: provider({ updateStatus: 'DELETE_IN_PROGRESS' }) });
    expect(await deleteCapacityProvider(ctx)).toBe('deleted');
    expect(state.current.capacity?.capacityProvider).toBeUndefined();
  });
});

describe('deleteCapacity: the teardown order', () => {
  it('provider off the cluster → group emptied → provider deleted → group deleted → template deleted', async () => {
    const { ctx, state } = testContext(ASG_STATE);
    const order: string[] = [];
    const log = (name: string) => async () => {
      order.push(name);
      return {};
    };
    let clusterProviders = ['web-capacity'];
    awsMock.ecs.on(DescribeClustersCommand).callsFake(async () => ({
      clusters: [{ clusterName: 'web', status: 'ACTIVE', capacityProviders: clusterProviders }],
    }));
    awsMock.ecs.on(PutClusterCapacityProvidersCommand).callsFake(async () => {
      order.push('PutClusterCapacityProviders');
      clusterProviders = [];
      return {};
    });
    let groupGone = false;
    let emptied = false;
    awsMock.autoscaling.on(DescribeAutoScalingGroupsCommand).callsFake(async () => ({
      AutoScalingGroups: groupGone
        ? []
        : [emptied ? group({ MinSize: 0, DesiredCapacity: 0, Instances: [] }) : group()],
    }));
    awsMock.autoscaling.on(SetInstanceProtectionCommand).callsFake(log('SetInstanceProtection'));
    awsMock.autoscaling.on(UpdateAutoScalingGroupCommand).callsFake(async () => {
      order.push('UpdateAutoScalingGroup');
      emptied = true;
      return {};
    });
    awsMock.autoscaling.on(DeleteAutoScalingGroupCommand).callsFake(async () => {
      order.push('DeleteAutoScalingGroup');
      groupGone = true;
      return {};
    });
    awsMock.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    awsMock.ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [] });
    let providerGone = false;
    awsMock.ecs
      .on(DescribeCapacityProvidersCommand)
      .callsFake(async () => ({ capacityProviders: providerGone ? [] : [provider()] }));
    awsMock.ecs.on(DeleteCapacityProviderCommand).callsFake(async () => {
      order.push('DeleteCapacityProvider');
      providerGone = true;
      return { capacityProvider: provider({ updateStatus: 'DELETE_IN_PROGRESS' }) };
    });
    awsMock.ec2
      .on(DescribeLaunchTemplatesCommand)
      .resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-1', Tags: TAGS }] });
    awsMock.ec2.on(DeleteLaunchTemplateCommand).callsFake(log('DeleteLaunchTemplate'));

    const r = await deleteCapacity(ctx);

    expect(order).toEqual([
      'PutClusterCapacityProviders',
      'SetInstanceProtection',
      'UpdateAutoScalingGroup',
      'DeleteCapacityProvider',
      'DeleteAutoScalingGroup',
      'DeleteLaunchTemplate',
    ]);
    expect(awsMock.autoscaling).toHaveReceivedCommandWith(DeleteAutoScalingGroupCommand, { ForceDelete: true });
    expect(r.outcome).toBe('deleted');
    expect(state.current.capacity).toBeUndefined();
  });

  it('does nothing outside asg mode', async () => {
    const { ctx } = testContext({ instances: { ids: ['i-1'] } });
    expect((await deleteCapacity(ctx)).outcome).toBe('absent');
    expect(awsMock.autoscaling.calls()).toHaveLength(0);
  });

  it('explains a provider a service still uses (ResourceInUseException) instead of a raw error', async () => {
    const { ctx } = testContext(ASG_STATE);
    awsMock.ecs.on(DescribeClustersCommand).resolves({
      clusters: [{ clusterName: 'web', status: 'ACTIVE', capacityProviders: ['web-capacity'] }],
    });
    awsMock.ecs.on(PutClusterCapacityProvidersCommand).rejects(awsError('ResourceInUseException'));
    await expect(deleteCapacity(ctx)).rejects.toThrow(OperationError);
    await expect(deleteCapacity(ctx)).rejects.toThrow(/a service still uses it/);
  });
});

describe('mode', () => {
  it('refuses switching a live stack (exit 2) and names the strategy in asg mode', () => {
    const base = { version: 1 as const, name: 'web', region: 'us-east-1' };
    expect(() => assertCapacityMode({ ...base, instances: { ids: ['i-1'] } }, 'asg')).toThrow(UsageError);
    expect(() => assertCapacityMode({ ...base, ...ASG_STATE }, 'instances')).toThrow(
      /runs its container instances with --capacity asg/,
    );
    expect(() => assertCapacityMode({ ...base, ...ASG_STATE }, 'asg')).not.toThrow();
    expect(() => assertCapacityMode(base, 'instances')).not.toThrow();
    expect(capacityProviderStrategy({ ...base, ...ASG_STATE })).toEqual([
      { capacityProvider: 'web-capacity', weight: 1, base: 0 },
    ]);
    expect(capacityProviderStrategy(base)).toBeUndefined();
  });
});
