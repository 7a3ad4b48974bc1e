/**
 * The ECR repository (walkthrough: `aws ecr create-repository`). Converging create, tolerant
 * delete; a same-named repository without this stack's tag is never adopted or deleted.
 */
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  paginateListImages,
  ListTagsForResourceCommand,
  type ECRClient,
  type Repository,
} from '@aws-sdk/client-ecr';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, hasStackTag, keyValueTags } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import { stackOf, type StepContext } from '../context.js';

import type { Outcome } from '../outcome.js';

export type { Outcome };
export type RepositoryRecord = NonNullable<State['repository']>;

export interface RepositoryResult {
  readonly outcome: Outcome;
  readonly repository?: RepositoryRecord;
}

/** Makes sure the stack's repository exists and is recorded. A second run changes nothing. */
export async function ensureRepository(ctx: StepContext, options: { name?: string } = {}): Promise<RepositoryResult> {
  const stack = stackOf(ctx);
  const recorded = ctx.state.current.repository;
  const name = options.name ?? recorded?.name ?? stack;
  const ecr = ctx.aws.ecr;
  const found = await findRepository(ecr, name);
  if (found) {
    assertOwned('ECR repository', name, await repositoryTags(ecr, found.repositoryArn!), stack);
    const record = toRecord(found);
    if (recorded?.arn !== record.arn) await ctx.state.record({ repository: record });
    return { outcome: 'unchanged', repository: record };
  }
  let created: Repository;
  try {
    const out = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: name,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: 'MUTABLE',
        tags: keyValueTags(stack),
      }),
    );
    created = out.repository!;
  } catch (e) {
    // Another run created it between our describe and our create: take it only if it is ours.
    if (!isAwsError(e, 'RepositoryAlreadyExistsException')) throw asOperationError(`create ECR repository ${name}`, e);
    created = (await findRepository(ecr, name))!;
    assertOwned('ECR repository', name, await repositoryTags(ecr, created.repositoryArn!), stack);
  }
  const record = toRecord(created);
  await ctx.state.record({ repository: record });
  return { outcome: recorded ? 'recreated' : 'created', repository: record };
}

export interface RepositoryView {
  readonly name: string;
  readonly exists: boolean;
  readonly uri?: string;
  readonly arn?: string;
  readonly imageCount?: number;
  readonly scanOnPush?: boolean;
}

export async function showRepository(ctx: StepContext): Promise<RepositoryView> {
  const name = ctx.state.current.repository?.name ?? stackOf(ctx);
  const found = await findRepository(ctx.aws.ecr, name);
  if (!found) return { name, exists: false };
  return {
    name,
    exists: true,
    uri: found.repositoryUri,
    arn: found.repositoryArn,
    scanOnPush: found.imageScanningConfiguration?.scanOnPush,
    imageCount: (await listImageIds(ctx.aws.ecr, name)).length,
  };
}

/**
 * Deletes the recorded repository. Refuses while it holds images unless `force`; a repository
 * already gone counts as deleted; one without the stack's tag is left alone and reported.
 */
export async function deleteRepository(ctx: StepContext, options: { force?: boolean } = {}): Promise<RepositoryResult> {
  const recorded = ctx.state.current.repository;
  if (!recorded) return { outcome: 'absent' };
  const ecr = ctx.aws.ecr;
  const found = await findRepository(ecr, recorded.name);
  if (found) {
    assertOwned('ECR repository', recorded.name, await repositoryTags(ecr, found.repositoryArn!), stackOf(ctx));
    const images = await listImageIds(ecr, recorded.name);
    if (images.length > 0 && !options.force) {
      throw new OperationError(`ECR repository ${recorded.name} still holds ${images.length} image(s)`, {
        hint: 'Re-run with --force to delete the repository and its images.',
      });
    }
    try {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName: recorded.name, force: options.force === true }));
    } catch (e) {
      if (!isAwsError(e, 'RepositoryNotFoundException'))
        throw asOperationError(`delete ECR repository ${recorded.name}`, e);
    }
  }
  const image = ctx.state.current.image;
  // Images pushed to the repository went with it; an image given with --image stays recorded.
  const imageGone = image !== undefined && image.uri.startsWith(`${recorded.uri}:`);
  await ctx.state.record({ repository: undefined, ...(imageGone ? { image: undefined } : {}) });
  return { outcome: found ? 'deleted' : 'absent' };
}

/** The repository, or undefined when there is none of that name. */
export async function findRepository(ecr: ECRClient, name: string): Promise<Repository | undefined> {
  try {
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    return out.repositories?.[0];
  } catch (e) {
    if (isAwsError(e, 'RepositoryNotFoundException')) return undefined;
    throw asOperationError(`describe ECR repository ${name}`, e);
  }
}

export async function repositoryTags(ecr: ECRClient, arn: string) {
  try {
    return (await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? [];
  } catch (e) {
    throw asOperationError(`read tags of ${arn}`, e);
  }
}

export async function isStackRepository(ecr: ECRClient, arn: string, stack: string): Promise<boolean> {
  return hasStackTag(await repositoryTags(ecr, arn), stack);
}

async function listImageIds(ecr: ECRClient, name: string) {
  const ids = [];
  for await (const page of paginateListImages({ client: ecr }, { repositoryName: name }))
    ids.push(...(page.imageIds ?? []));
  return ids;
}

function toRecord(repo: Repository): RepositoryRecord {
  return { name: repo.repositoryName!, uri: repo.repositoryUri!, arn: repo.repositoryArn! };
}
