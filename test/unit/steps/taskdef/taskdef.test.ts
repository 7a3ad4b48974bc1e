import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { imageFor, ensureRevision, sameContent } from '../../../../src/steps/taskdef/taskdef.js';
import { completeFromFile, taskDefinitionFromFlags } from '../../../../src/steps/taskdef/input.js';
import { ForeignResourceError, UsageError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1';
const input = taskDefinitionFromFlags({
  family: 'web',
  containerName: 'web',
  image: IMAGE,
  containerPort: 8080,
  memory: 128,
  cpu: 0,
  env: [['A', '1']],
});
const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3';
const TAGS = [{ key: 'ecsctl:stack', value: 'web' }];

/** What ECS echoes back: the same content plus defaults and read-only fields. */
function live(overrides: Record<string, unknown> = {}) {
  return {
    ...input,
    taskDefinitionArn: ARN,
    revision: 3,
    status: 'ACTIVE',
    compatibilities: ['EC2'],
    volumes: [],
    placementConstraints: [],
    containerDefinitions: input.containerDefinitions!.map((c) => ({
      ...c,
      mountPoints: [],
      volumesFrom: [],
      ...overrides,
    })),
  };
}

beforeEach(resetAwsMocks);

describe('ensureRevision', () => {
  it('reuses the latest ACTIVE revision when the content is the same', async () => {
    awsMock.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: live() as never, tags: TAGS });
    const { ctx } = testContext();
    const result = await ensureRevision(ctx, input);
    expect(result).toMatchObject({
      outcome: 'unchanged',
      taskDefinition: { arn: ARN, revision: 3, containerName: 'web', containerPort: 8080 },
    });
    expect(awsMock.ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });

  it('registers a new revision when the content differs', async () => {
    awsMock.ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: live({ memory: 256 }) as never, tags: TAGS });
    awsMock.ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { ...live(), taskDefinitionArn: ARN.replace(':3', ':4'), revision: 4 } as never });
    const { ctx } = testContext();
    expect((await ensureRevision(ctx, input)).taskDefinition?.revision).toBe(4);
    expect(awsMock.ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      family: 'web',
      networkMode: 'bridge',
      tags: TAGS,
    });
  });

  it('registers revision 1 for a new family', async () => {
    awsMock.ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(awsError('ClientException', 'Unable to describe task definition.'));
    awsMock.ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { ...live(), revision: 1, taskDefinitionArn: ARN.replace(':3', ':1') } as never });
    const { ctx } = testContext();
    expect((await ensureRevision(ctx, input)).outcome).toBe('created');
  });

  it('refuses to add revisions to a family it did not create', async () => {
    awsMock.ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: live() as never, tags: [] });
    const { ctx } = testContext();
    await expect(ensureRevision(ctx, input)).rejects.toThrow(ForeignResourceError);
  });
});

describe('task definition input', () => {
  it('renders the walkthrough shape: bridge, one essential container, hostPort 0', () => {
    expect(input).toMatchObject({
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'web',
          essential: true,
          cpu: 0,
          memory: 128,
          portMappings: [{ hostPort: 0, containerPort: 8080, protocol: 'tcp' }],
          environment: [{ name: 'A', value: '1' }],
        },
      ],
    });
  });

  it('compares content regardless of key order and echoed empty lists', () => {
    expect(sameContent(input, live() as never)).toBe(true);
    expect(sameContent(input, live({ image: 'other:1' }) as never)).toBe(false);
  });

  it('refuses a placeholder image and names the step that records one', () => {
    expect(() =>
      completeFromFile(
        { family: 'x', containerDefinitions: [{ name: 'x', image: '<repo-uri>/<repo-name>:v0.1' }] },
        {},
      ),
    ).toThrow(UsageError);
    const error = (() => {
      try {
        imageFor({ version: 1, name: 'web', region: 'us-east-1' }, undefined);
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(/no image recorded/);
    expect(error?.hint).toMatch(/ecsctl image push/);
  });
});
