/**
 * What `taskdef register` registers, from flags or from the walkthrough's
 * register-task-definition JSON. Checked here, before any AWS call.
 */
import type { LogConfiguration, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import * as z from '../../util/zod.js';
import { UsageError } from '../../errors.js';
import * as v from '../../util/validate.js';
import { issuePath, readJsonFile } from '../../util/json-file.js';

export interface TaskDefinitionFlags {
  readonly family: string;
  readonly containerName: string;
  /** Undefined: use the image recorded by `image push`. */
  readonly image?: string;
  readonly containerPort: number;
  readonly memory: number;
  readonly cpu: number;
  readonly env: readonly (readonly [string, string])[];
}

/** The walkthrough's shape: bridge networking, one essential container, a dynamic host port. */
export function taskDefinitionFromFlags(
  f: TaskDefinitionFlags & { image: string },
): RegisterTaskDefinitionCommandInput {
  return {
    family: f.family,
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containerDefinitions: [
      {
        name: f.containerName,
        image: f.image,
        essential: true,
        cpu: f.cpu,
        memory: f.memory,
        // hostPort 0: ECS picks a free ephemeral port per task, so many tasks share an instance.
        portMappings: [{ containerPort: f.containerPort, hostPort: 0, protocol: 'tcp' }],
        environment: f.env.map(([name, value]) => ({ name, value })),
      },
    ],
  };
}

const PortMapping = z.looseObject({
  containerPort: z.int().check(z.gte(1), z.lte(65535)),
  hostPort: z.optional(z.int().check(z.gte(0), z.lte(65535))),
  protocol: z.optional(z.enum(['tcp', 'udp'])),
});

const ContainerDefinition = z.looseObject({
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,255}$/, 'container names use letters, digits, - and _')),
  image: z.string().check(z.minLength(1)),
  essential: z.optional(z.boolean()),
  cpu: z.optional(z.int().check(z.gte(0))),
  memory: z.optional(z.int().check(z.gte(4))),
  memoryReservation: z.optional(z.int().check(z.gte(4))),
  portMappings: z.optional(z.array(PortMapping)),
  environment: z.optional(z.array(z.looseObject({ name: z.string(), value: z.string() }))),
  logConfiguration: z.optional(
    z.looseObject({
      logDriver: z.string().check(z.minLength(1)),
      options: z.optional(z.record(z.string(), z.string())),
    }),
  ),
});

const TaskDefinitionFile = z.looseObject({
  family: z.optional(z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,255}$/, 'family names use letters, digits, - and _'))),
  networkMode: z.optional(z.enum(['bridge', 'host', 'awsvpc', 'none'])),
  containerDefinitions: z.array(ContainerDefinition).check(z.minLength(1)),
});

/**
 * Reads a register-task-definition JSON file. `family` and the first container's image may be
 * overridden by flags (the walkthrough's file carries a `<repo-uri>` placeholder).
 */
export async function taskDefinitionFromFile(path: string): Promise<RegisterTaskDefinitionCommandInput> {
  const parsed = await readJsonFile(
    path,
    '--file',
    TaskDefinitionFile,
    (issue) => ` is not a task definition: ${issuePath(issue)}: ${issue.message}`,
  );
  return parsed as RegisterTaskDefinitionCommandInput;
}

/** Applies the family, the image and the stack's defaults to a definition read from a file. */
export function completeFromFile(
  input: RegisterTaskDefinitionCommandInput,
  overrides: { family?: string; image?: string },
): RegisterTaskDefinitionCommandInput {
  const [first, ...rest] = input.containerDefinitions ?? [];
  const image = overrides.image ?? first?.image;
  if (!image || /[<>\s]/.test(image)) {
    throw new UsageError(`the task definition's image ${JSON.stringify(image ?? '')} is a placeholder or empty`, {
      hint: 'Pass --image, or run `ecsctl image push` so the pushed image is used.',
    });
  }
  v.imageRef(image, 'the task definition image');
  return {
    ...input,
    family: overrides.family ?? input.family,
    networkMode: input.networkMode ?? 'bridge',
    containerDefinitions: [{ ...first!, image }, ...rest],
  };
}

/**
 * awslogs names streams `<prefix>/<container>/<task ID>`; `ecsctl logs` reads the task ID from
 * there. (Without a prefix, on EC2, streams are named after Docker container IDs.)
 */
export const LOG_STREAM_PREFIX = 'ecs';

/** The group a stack's containers log to unless its task definition file names another. */
export const defaultLogGroup = (stack: string): string => `/ecs/${stack}`;

/** The walkthrough's logConfiguration: the awslogs driver, the stack's region, stream prefix `ecs`. */
export function awslogsConfiguration(group: string, region: string): LogConfiguration {
  return {
    logDriver: 'awslogs',
    options: { 'awslogs-group': group, 'awslogs-region': region, 'awslogs-stream-prefix': LOG_STREAM_PREFIX },
  };
}

/**
 * Settles where a definition's containers log. Containers without a logConfiguration get the
 * awslogs driver to `fallbackGroup` (none with --no-logs); awslogs configurations missing a
 * region or stream prefix get the stack's region and `ecs`; other drivers are left alone.
 * Returns the one CloudWatch Logs group the containers write to, which must exist before a task
 * starts (ECS fails the task otherwise). Throws a UsageError, before any AWS call, for a group in
 * another region, an awslogs configuration without a group, or more than one group.
 */
export function withLogGroup(
  input: RegisterTaskDefinitionCommandInput,
  region: string,
  fallbackGroup: string | undefined,
): { taskDefinition: RegisterTaskDefinitionCommandInput; logGroup?: string } {
  const groups = new Set<string>();
  const containerDefinitions = (input.containerDefinitions ?? []).map((c) => {
    const config = c.logConfiguration ?? (fallbackGroup ? awslogsConfiguration(fallbackGroup, region) : undefined);
    if (!config || config.logDriver !== 'awslogs') return c;
    const options = { ...config.options };
    const group = options['awslogs-group'];
    if (!group) throw new UsageError(`container ${c.name} logs with awslogs but names no "awslogs-group"`);
    v.logGroupName(group, `container ${c.name}'s awslogs-group`);
    const groupRegion = options['awslogs-region'] ?? region;
    if (groupRegion !== region) {
      throw new UsageError(
        `container ${c.name} sends its logs to region ${groupRegion}, but the stack is in ${region}`,
        {
          hint: `Set "awslogs-region" to "${region}" in the file (or remove it).`,
        },
      );
    }
    groups.add(group);
    options['awslogs-region'] = region;
    options['awslogs-stream-prefix'] ??= LOG_STREAM_PREFIX;
    return { ...c, logConfiguration: { ...config, options } };
  });
  if (groups.size > 1) {
    throw new UsageError(
      `the task definition logs to ${groups.size} CloudWatch Logs groups (${[...groups].join(', ')}); ecsctl manages one per stack`,
      {
        hint: 'Use the same "awslogs-group" for every container.',
      },
    );
  }
  return { taskDefinition: { ...input, containerDefinitions }, logGroup: [...groups][0] };
}
