import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { deleteCluster, ensureCluster } from '../../../../src/steps/cluster/cluster.js';
import { ForeignResourceError, OperationError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/web';
const ours = (status = 'ACTIVE') => ({
  clusters: [{ clusterName: 'web', clusterArn: ARN, status, tags: [{ key: 'ecsctl:stack', value: 'web' }] }],
});

beforeEach(resetAwsMocks);

describe('ensureCluster', () => {
  it('creates a tagged cluster when none is ACTIVE (an INACTIVE one does not count)', async () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves(ours('INACTIVE'));
    awsMock.ecs.on(CreateClusterCommand).resolves({ cluster: { clusterArn: ARN, clusterName: 'web' } });
    const { ctx } = testContext();
    expect((await ensureCluster(ctx)).outcome).toBe('created');
    expect(awsMock.ecs).toHaveReceivedCommandWith(CreateClusterCommand, {
      clusterName: 'web',
      tags: [{ key: 'ecsctl:stack', value: 'web' }],
    });
    expect(ctx.state.current.cluster).toEqual({ name: 'web', arn: ARN });
  });

  it('refuses an ACTIVE cluster of the same name without the stack tag', async () => {
    awsMock.ecs
      .on(DescribeClustersCommand)
      .resolves({ clusters: [{ clusterName: 'web', clusterArn: ARN, status: 'ACTIVE', tags: [] }] });
    const { ctx } = testContext();
    await expect(ensureCluster(ctx)).rejects.toThrow(ForeignResourceError);
    expect(awsMock.ecs).not.toHaveReceivedCommand(CreateClusterCommand);
  });
});

describe('deleteCluster', () => {
  const recorded = { cluster: { name: 'web', arn: ARN } };

  it('refuses while an ACTIVE service remains, naming the next command', async () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves(ours());
    awsMock.ecs.on(ListServicesCommand).resolves({ serviceArns: ['arn:svc/web'] });
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'web', status: 'ACTIVE' }] });
    awsMock.ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [] });
    const { ctx } = testContext(recorded);
    await expect(deleteCluster(ctx)).rejects.toThrow(/still has service\(s\) web.*/);
    expect(awsMock.ecs).not.toHaveReceivedCommand(DeleteClusterCommand);
  });

  it.each([
    ['ClusterContainsContainerInstancesException', /registered container instances/],
    ['ClusterContainsServicesException', /services/],
    ['ClusterContainsTasksException', /running tasks/],
  ])('turns %s from real ECS into a one-line error with a hint', async (name, message) => {
    awsMock.ecs.on(DescribeClustersCommand).resolves(ours());
    awsMock.ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    awsMock.ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [] });
    awsMock.ecs.on(DeleteClusterCommand).rejects(awsError(name));
    const { ctx } = testContext(recorded);
    const error = await deleteCluster(ctx).catch((e) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/ecsctl (service|instances) delete/);
    expect(ctx.state.current.cluster).toEqual(recorded.cluster);
  });

  it('counts a missing cluster as deleted and clears the record', async () => {
    awsMock.ecs.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ reason: 'MISSING' }] });
    const { ctx } = testContext(recorded);
    expect((await deleteCluster(ctx)).outcome).toBe('absent');
    expect(ctx.state.current.cluster).toBeUndefined();
  });
});
