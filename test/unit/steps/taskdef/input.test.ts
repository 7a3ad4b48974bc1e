import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { taskDefinitionFromFile } from '../../../../src/steps/taskdef/input.js';

const file = async (body: unknown) => {
  const path = join(await mkdtemp(join(tmpdir(), 'ecsctl-taskdef-')), 'td.json');
  await writeFile(path, JSON.stringify(body));
  return path;
};
const app = { name: 'app', image: 'nginx' };

describe('taskDefinitionFromFile', () => {
  it('reads a register-task-definition file and keeps the keys it does not check', async () => {
    const body = { family: 'web', containerDefinitions: [{ ...app, links: ['db'] }], volumes: [] };
    expect(await taskDefinitionFromFile(await file(body))).toEqual(body);
  });

  // After the path, the wording is zod's English locale (set for `zod/mini` by util/zod.ts) or the
  // schema's own message: each line is what users saw before the move to `zod/mini`.
  it.each([
    [{ family: 'web', containerDefinitions: [] }, 'containerDefinitions: Too small: expected array to have >=1 items'],
    [[], 'top level: Invalid input: expected object, received array'],
    [{ family: 'web app', containerDefinitions: [app] }, 'family: family names use letters, digits, - and _'],
    [
      { containerDefinitions: [{ ...app, name: 'my app' }] },
      'containerDefinitions.0.name: container names use letters, digits, - and _',
    ],
    [
      { containerDefinitions: [{ ...app, portMappings: [{ containerPort: 70000 }] }] },
      'containerDefinitions.0.portMappings.0.containerPort: Too big: expected number to be <=65535',
    ],
    [
      { containerDefinitions: [{ ...app, portMappings: [{ containerPort: 0 }] }] },
      'containerDefinitions.0.portMappings.0.containerPort: Too small: expected number to be >=1',
    ],
    [
      { containerDefinitions: [{ ...app, portMappings: [{ containerPort: 80, protocol: 'sctp' }] }] },
      'containerDefinitions.0.portMappings.0.protocol: Invalid option: expected one of "tcp"|"udp"',
    ],
    [
      { containerDefinitions: [{ ...app, memory: 2 }] },
      'containerDefinitions.0.memory: Too small: expected number to be >=4',
    ],
    [
      { containerDefinitions: [{ ...app, cpu: 1.5 }] },
      'containerDefinitions.0.cpu: Invalid input: expected int, received number',
    ],
    [
      { containerDefinitions: [{ ...app, image: '' }] },
      'containerDefinitions.0.image: Too small: expected string to have >=1 characters',
    ],
    [
      { networkMode: 'nat', containerDefinitions: [app] },
      'networkMode: Invalid option: expected one of "bridge"|"host"|"awsvpc"|"none"',
    ],
    [
      { containerDefinitions: [{ ...app, logConfiguration: { logDriver: 'awslogs', options: { a: 1 } } }] },
      'containerDefinitions.0.logConfiguration.options.a: Invalid input: expected string, received number',
    ],
  ])('words %j exactly as before', async (body, message) => {
    const path = await file(body);
    await expect(taskDefinitionFromFile(path)).rejects.toThrow(
      new UsageError(`--file ${path} is not a task definition: ${message}`),
    );
  });
});
