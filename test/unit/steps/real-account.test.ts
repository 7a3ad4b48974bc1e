/**
 * Steps on a real account's answers: the service-linked role on a fresh account, DeleteCluster
 * while ECS still counts what was just removed, task definitions as ECS stores them.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { deleteCluster, ensureCluster } from '../../../src/steps/cluster/cluster.js';
import { sameContent } from '../../../src/steps/taskdef/taskdef.js';
import { taskDefinitionFromFlags } from '../../../src/steps/taskdef/input.js';
import { OperationError } from '../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../helpers/context.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/web';
const SLR = 'Unable to assume the service linked role. Please verify that the ECS service linked role exists.';
const ours = {
  clusters: [{ clusterName: 'web', clusterArn: ARN, status: 'ACTIVE', tags: [{ key: 'ecsctl:stack', value: 'web' }] }],
};

beforeEach(resetAwsMocks);

describe('a fresh account', () => {
  it('CreateCluster is retried while ECS creates its service-linked role, with a visible line', async () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves({ clusters: [] });
    awsMock.ecs
      .on(CreateClusterCommand)
      .rejectsOnce(awsError('InvalidParameterException', SLR))
      .rejectsOnce(awsError('InvalidParameterException', SLR))
      .resolves({ cluster: { clusterArn: ARN, clusterName: 'web' } });
    const { ctx, report } = testContext();
    expect((await ensureCluster(ctx)).outcome).toBe('created');
    expect(awsMock.ecs).toHaveReceivedCommandTimes(CreateClusterCommand, 3);
    expect(report.lines.filter((l) => /ECS service-linked role not usable yet/.test(l))).toHaveLength(2);
  });

  it('another InvalidParameterException is not retried', async () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves({ clusters: [] });
    awsMock.ecs.on(CreateClusterCommand).rejects(awsError('InvalidParameterException', 'Invalid setting'));
    const { ctx } = testContext();
    await expect(ensureCluster(ctx)).rejects.toThrow(OperationError);
    expect(awsMock.ecs).toHaveReceivedCommandTimes(CreateClusterCommand, 1);
  });
});

describe('DeleteCluster right after the last instance left', () => {
  const setup = () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves(ours);
    awsMock.ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    awsMock.ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [] });
  };
  const refused = () =>
    awsError(
      'ClusterContainsContainerInstancesException',
      'The Cluster cannot be deleted while Container Instances are active or draining.',
    );

  it('is retried until ECS lets go', async () => {
    setup();
    awsMock.ecs.on(DeleteClusterCommand).rejectsOnce(refused()).resolves({});
    const { ctx } = testContext({ cluster: { name: 'web', arn: ARN } });
    expect((await deleteCluster(ctx, { timeoutMs: 60_000 })).outcome).toBe('deleted');
    expect(ctx.state.current.cluster).toBeUndefined();
  });

  it('gives up after the wait timeout, naming what is left', async () => {
    setup();
    awsMock.ecs.on(DeleteClusterCommand).rejects(refused());
    const { ctx, sleeps } = testContext({ cluster: { name: 'web', arn: ARN } });
    await expect(deleteCluster(ctx, { timeoutMs: 20_000 })).rejects.toThrow(/still has registered container instances/);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000);
    expect(ctx.state.current.cluster).toEqual({ name: 'web', arn: ARN });
  });
});

describe('task definitions as real ECS stores them', () => {
  const flags = taskDefinitionFromFlags({
    family: 'web',
    containerName: 'web',
    image: 'img:1',
    containerPort: 8080,
    memory: 256,
    cpu: 0,
    env: [
      ['B', '2'],
      ['A', '1'],
    ],
  });

  it('the defaults ECS fills in (cpu 0, essential, protocol, host port 0, empty lists, read-only fields) are no change', () => {
    const file = {
      family: 'web',
      containerDefinitions: [{ name: 'web', image: 'img:1', memory: 256, portMappings: [{ containerPort: 8080 }] }],
    };
    const live = {
      family: 'web',
      networkMode: 'bridge',
      revision: 3,
      status: 'ACTIVE',
      compatibilities: ['EXTERNAL', 'EC2'],
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
      registeredAt: new Date(),
      volumes: [],
      placementConstraints: [],
      containerDefinitions: [
        {
          name: 'web',
          image: 'img:1',
          cpu: 0,
          memory: 256,
          essential: true,
          environment: [],
          mountPoints: [],
          volumesFrom: [],
          systemControls: [],
          portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
        },
      ],
    };
    expect(sameContent(file, live as never)).toBe(true);
    const withEnv = {
      ...live,
      containerDefinitions: [
        {
          ...live.containerDefinitions[0]!,
          environment: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
      ],
    };
    expect(sameContent(flags, withEnv as never)).toBe(true);
  });

  it('a real difference still counts', () => {
    const live = { networkMode: 'bridge', containerDefinitions: [{ ...flags.containerDefinitions![0]!, memory: 512 }] };
    expect(sameContent(flags, live as never)).toBe(false);
  });
});
