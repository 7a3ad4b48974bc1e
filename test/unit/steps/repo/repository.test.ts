import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ListImagesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { deleteRepository, ensureRepository } from '../../../../src/steps/repo/repository.js';
import { ForeignResourceError, OperationError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const REPO = {
  repositoryName: 'web',
  repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/web',
  repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
};
const OURS = { tags: [{ Key: 'ecsctl:stack', Value: 'web' }] };

beforeEach(resetAwsMocks);

describe('ensureRepository', () => {
  it('creates the repository with scan on push and the stack tag, and records it at once', async () => {
    awsMock.ecr.on(DescribeRepositoriesCommand).rejects(awsError('RepositoryNotFoundException'));
    awsMock.ecr.on(CreateRepositoryCommand).resolves({ repository: REPO });
    const { ctx, state } = testContext();

    const result = await ensureRepository(ctx);

    expect(awsMock.ecr).toHaveReceivedCommandWith(CreateRepositoryCommand, {
      repositoryName: 'web',
      imageScanningConfiguration: { scanOnPush: true },
      tags: [{ Key: 'ecsctl:stack', Value: 'web' }],
    });
    expect(result.outcome).toBe('created');
    expect(state.saved.at(-1)?.repository).toEqual({ name: 'web', uri: REPO.repositoryUri, arn: REPO.repositoryArn });
  });

  it('reuses its own repository without a mutating call', async () => {
    awsMock.ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [REPO] });
    awsMock.ecr.on(ListTagsForResourceCommand).resolves(OURS);
    const { ctx } = testContext({ repository: { name: 'web', uri: REPO.repositoryUri, arn: REPO.repositoryArn } });

    expect((await ensureRepository(ctx)).outcome).toBe('unchanged');
    expect(awsMock.ecr).not.toHaveReceivedCommand(CreateRepositoryCommand);
  });

  it('refuses a same-named repository that lacks the stack tag', async () => {
    awsMock.ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [REPO] });
    awsMock.ecr.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'team', Value: 'other' }] });
    const { ctx, state } = testContext();

    await expect(ensureRepository(ctx)).rejects.toThrow(ForeignResourceError);
    await expect(ensureRepository(ctx)).rejects.toThrow(/ECR repository web exists but was not created by ecsctl/);
    expect(state.saved).toHaveLength(0);
  });

  it('takes the repository when a concurrent run created it between describe and create', async () => {
    awsMock.ecr
      .on(DescribeRepositoriesCommand)
      .rejectsOnce(awsError('RepositoryNotFoundException'))
      .resolves({ repositories: [REPO] });
    awsMock.ecr.on(CreateRepositoryCommand).rejects(awsError('RepositoryAlreadyExistsException'));
    awsMock.ecr.on(ListTagsForResourceCommand).resolves(OURS);
    const { ctx } = testContext();

    expect((await ensureRepository(ctx)).repository?.arn).toBe(REPO.repositoryArn);
  });
});

describe('deleteRepository', () => {
  const recorded = {
    repository: { name: 'web', uri: REPO.repositoryUri, arn: REPO.repositoryArn },
    image: { uri: `${REPO.repositoryUri}:v1`, tag: 'v1' },
  };

  it('refuses while images exist unless forced', async () => {
    awsMock.ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [REPO] });
    awsMock.ecr.on(ListTagsForResourceCommand).resolves(OURS);
    awsMock.ecr.on(ListImagesCommand).resolves({ imageIds: [{ imageTag: 'v1' }] });
    const { ctx } = testContext(recorded);

    await expect(deleteRepository(ctx)).rejects.toThrow(OperationError);
    await expect(deleteRepository(ctx)).rejects.toThrow(/still holds 1 image/);
    expect(awsMock.ecr).not.toHaveReceivedCommand(DeleteRepositoryCommand);

    const forced = await deleteRepository(ctx, { force: true });
    expect(forced.outcome).toBe('deleted');
    expect(awsMock.ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, { repositoryName: 'web', force: true });
    expect(ctx.state.current.repository).toBeUndefined();
    expect(ctx.state.current.image).toBeUndefined();
  });

  it('counts a repository that is already gone as deleted', async () => {
    awsMock.ecr.on(DescribeRepositoriesCommand).rejects(awsError('RepositoryNotFoundException'));
    const { ctx } = testContext(recorded);
    expect((await deleteRepository(ctx)).outcome).toBe('absent');
    expect(ctx.state.current.repository).toBeUndefined();
  });

  it('never deletes a recorded repository that lacks the stack tag', async () => {
    awsMock.ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [REPO] });
    awsMock.ecr.on(ListTagsForResourceCommand).resolves({ tags: [] });
    const { ctx } = testContext(recorded);
    await expect(deleteRepository(ctx, { force: true })).rejects.toThrow(ForeignResourceError);
    expect(awsMock.ecr).not.toHaveReceivedCommand(DeleteRepositoryCommand);
  });
});
