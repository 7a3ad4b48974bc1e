import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { taskDefinitionChanges } from '../../../../src/steps/taskdef/diff.js';
import { awslogsConfiguration, taskDefinitionFromFlags } from '../../../../src/steps/taskdef/input.js';
import { sameContent } from '../../../../src/steps/taskdef/taskdef.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1';
const flags = {
  family: 'web',
  containerName: 'web',
  image: IMAGE,
  containerPort: 8080,
  memory: 128,
  cpu: 0,
  env: [
    ['A', '1'],
    ['B', '2'],
  ] as [string, string][],
};
const wanted = (over: Partial<typeof flags> = {}) => {
  const td = taskDefinitionFromFlags({ ...flags, ...over });
  const [c] = td.containerDefinitions!;
  return { ...td, containerDefinitions: [{ ...c!, logConfiguration: awslogsConfiguration('/ecs/web', 'us-east-1') }] };
};

/** What ECS answers for the registered `wanted()`: defaults filled in, env reordered, read-only fields added. */
function live(over: Record<string, unknown> = {}): TaskDefinition {
  const td = wanted();
  return {
    ...td,
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
    revision: 3,
    status: 'ACTIVE',
    compatibilities: ['EC2'],
    volumes: [],
    containerDefinitions: td.containerDefinitions.map((c) => ({
      ...c,
      environment: [...(c.environment ?? [])].reverse(),
      essential: true,
      mountPoints: [],
      portMappings: c.portMappings!.map((m) => ({ ...m, hostPort: 0, protocol: 'tcp' })),
      ...over,
    })),
  } as TaskDefinition;
}

describe('taskDefinitionChanges', () => {
  it('nothing, exactly when sameContent says so (ECS defaults and order are not changes)', () => {
    expect(sameContent(wanted(), live())).toBe(true);
    expect(taskDefinitionChanges(wanted(), live())).toEqual([]);
  });

  it('image, cpu and memory, old → new', () => {
    expect(taskDefinitionChanges(wanted({ image: 'nginx:1.27', cpu: 256, memory: 512 }), live())).toEqual([
      { field: 'image', old: IMAGE, new: 'nginx:1.27' },
      { field: 'cpu', old: '0', new: '256' },
      { field: 'memory', old: '128', new: '512' },
    ]);
  });

  it('env: one line per variable that changes, appears or goes', () => {
    const env: [string, string][] = [
      ['A', '9'],
      ['C', '3'],
    ];
    expect(taskDefinitionChanges(wanted({ env }), live())).toEqual([
      { field: 'env A', old: '1', new: '9' },
      { field: 'env B', old: '2', new: 'none' },
      { field: 'env C', old: 'none', new: '3' },
    ]);
  });

  it('ports and secrets (by the ARN they are read from, never a value)', () => {
    const w = wanted({ containerPort: 80 });
    const withSecret = {
      ...w,
      executionRoleArn: 'arn:aws:iam::123456789012:role/web-task-execution',
      containerDefinitions: [
        { ...w.containerDefinitions[0]!, secrets: [{ name: 'DB', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/db' }] },
      ],
    };
    expect(taskDefinitionChanges(withSecret, live())).toEqual([
      { field: 'execution role', old: 'none', new: 'arn:aws:iam::123456789012:role/web-task-execution' },
      { field: 'ports', old: '8080/tcp host dynamic', new: '80/tcp host dynamic' },
      { field: 'secret DB', old: 'none', new: 'arn:aws:ssm:us-east-1:1:parameter/db' },
    ]);
  });

  it('log settings: the driver and each option', () => {
    const w = wanted();
    const noLogs = { ...w, containerDefinitions: [{ ...w.containerDefinitions[0]!, logConfiguration: undefined }] };
    expect(taskDefinitionChanges(noLogs, live())).toEqual([
      { field: 'log driver', old: 'awslogs', new: 'none' },
      { field: 'log option awslogs-group', old: '/ecs/web', new: 'none' },
      { field: 'log option awslogs-region', old: 'us-east-1', new: 'none' },
      { field: 'log option awslogs-stream-prefix', old: 'ecs', new: 'none' },
    ]);
  });

  it('a difference in a field it does not name is still one line, never silence', () => {
    const changes = taskDefinitionChanges(wanted(), live({ privileged: true }));
    expect(changes).toEqual([{ field: 'other settings', old: 'as registered', new: 'differ' }]);
  });

  it('names the container when the definition has several', () => {
    const w = wanted();
    const two = { ...w, containerDefinitions: [...w.containerDefinitions, { name: 'side', image: 'busybox:1' }] };
    const liveTwo = {
      ...live(),
      containerDefinitions: [...live().containerDefinitions!, { name: 'side', image: 'busybox:2' }],
    };
    expect(taskDefinitionChanges(two, liveTwo)).toEqual([
      { field: 'container side image', old: 'busybox:2', new: 'busybox:1' },
    ]);
  });
});
