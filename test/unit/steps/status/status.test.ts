import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { renderStatus, stackStatus } from '../../../../src/steps/status/status.js';
import { OperationError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/web';
const TD_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3';
const SERVICE_ARN = 'arn:aws:ecs:us-east-1:123456789012:service/web/web';
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0123456789abcdef';

beforeEach(resetAwsMocks);

describe('stackStatus', () => {
  it('says nothing is recorded for an empty stack, without any AWS call', async () => {
    const { ctx } = testContext();
    const st = await stackStatus(ctx);
    expect(st).toEqual({ stack: 'web', region: 'us-east-1', resources: [], drift: 0 });
    expect(renderStatus(st)).toBe('stack web (us-east-1): nothing recorded');
    expect(awsMock.ecs.calls()).toHaveLength(0);
  });

  it('reports each recorded resource as AWS sees it and counts what is gone as drift', async () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        { clusterName: 'web', clusterArn: CLUSTER_ARN, status: 'ACTIVE', registeredContainerInstancesCount: 2 },
      ],
    });
    awsMock.ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(awsError('ClientException', 'Unable to describe task definition.'));
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'web',
          serviceArn: SERVICE_ARN,
          status: 'ACTIVE',
          runningCount: 10,
          desiredCount: 10,
          deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
        },
      ],
    });
    const { ctx } = testContext({
      cluster: { name: 'web', arn: CLUSTER_ARN },
      taskDefinition: { arn: TD_ARN, family: 'web', revision: 3 },
      service: { name: 'web', arn: SERVICE_ARN },
    } as never);
    const st = await stackStatus(ctx);
    expect(st.resources).toEqual([
      {
        kind: 'cluster',
        id: CLUSTER_ARN,
        status: 'ACTIVE, 2 container instance(s)',
        drift: false,
        state: 'ACTIVE',
        counts: { containerInstances: 2 },
      },
      { kind: 'task definition', id: TD_ARN, status: 'missing', drift: true },
      {
        kind: 'service',
        id: SERVICE_ARN,
        status: 'ACTIVE, 10/10 running, rollout COMPLETED',
        drift: false,
        state: 'ACTIVE',
        counts: { running: 10, desired: 10, pending: 0 },
        rollout: 'COMPLETED',
      },
    ]);
    expect(st.drift).toBe(1);
    expect(renderStatus(st)).toMatch(/1 resource\(s\) recorded but missing or degraded: run `ecsctl up` to converge$/);
  });

  it('gives --json readers the counts and target health as fields beside the text', async () => {
    awsMock.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-1', State: { Name: 'running' } },
            { InstanceId: 'i-2', State: { Name: 'pending' } },
          ],
        },
      ],
    });
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG_ARN }] });
    awsMock.elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [] });
    awsMock.elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { TargetHealth: { State: 'healthy' } },
        { TargetHealth: { State: 'healthy' } },
        { TargetHealth: { State: 'unhealthy' } },
      ],
    });
    const { ctx } = testContext({
      instances: { ids: ['i-1', 'i-2'] },
      targetGroup: { name: 'web-tg', arn: TG_ARN },
    } as never);
    const st = await stackStatus(ctx);
    expect(st.resources).toContainEqual({
      kind: 'instances',
      id: 'i-1, i-2',
      status: '1/2 running',
      drift: true,
      counts: { running: 1, total: 2 },
    });
    expect(st.resources).toContainEqual({
      kind: 'target group',
      id: TG_ARN,
      status: '2 healthy, 1 unhealthy',
      drift: false,
      health: { healthy: 2, unhealthy: 1 },
    });
  });

  it('names a security group that is gone and keeps the one that exists', async () => {
    awsMock.ec2
      .on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-1'] })
      .resolves({ SecurityGroups: [{ GroupId: 'sg-1' }] })
      .on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-2'] })
      .rejects(awsError('InvalidGroup.NotFound'));
    const { ctx } = testContext({
      lbSecurityGroup: { id: 'sg-1', name: 'web-lb-sg' },
      instanceSecurityGroup: { id: 'sg-2', name: 'web-instance-sg' },
    } as never);
    const [groups] = (await stackStatus(ctx)).resources;
    expect(groups).toEqual({
      kind: 'security groups',
      id: 'web-lb-sg sg-1, web-instance-sg sg-2',
      status: 'missing: web-instance-sg',
      drift: true,
    });
  });

  it('fails on an access error instead of reporting the resource as missing', async () => {
    awsMock.ecr
      .on(DescribeRepositoriesCommand)
      .rejects(awsError('AccessDeniedException', 'no ecr:DescribeRepositories'));
    const { ctx } = testContext({
      repository: {
        name: 'web',
        arn: 'arn:aws:ecr:us-east-1:123456789012:repository/web',
        uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
      },
    } as never);
    await expect(stackStatus(ctx)).rejects.toThrow(OperationError);
  });
});
