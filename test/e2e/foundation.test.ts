/**
 * repo / cluster / taskdef end to end: the built CLI against a live moto, each resource read back
 * through the SDK (not through ecsctl): create → show → rerun (no duplicates, same ARNs) → delete.
 */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeRepositoriesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

let moto: Moto;
let aws: VerifyClients;
let opts: CliOptions;
const state = () => join(opts.cwd, 'ecsctl.state.json');
const readState = async () => JSON.parse(await readFile(state(), 'utf8'));
const cli = (...args: string[]) => runCli(args, opts);

beforeAll(async () => {
  moto = await startMoto();
  aws = verifyClients(moto.endpoint);
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-')), endpoint: moto.endpoint };
});
afterAll(async () => moto?.stop());

describe('repo', () => {
  it('creates, shows, converges on rerun and deletes the repository', async () => {
    const created = await cli('repo', 'create', '--name', 'web', '--json');
    expect(created.code, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout);
    expect(first.outcome).toBe('created');

    const live = await aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web'] }));
    expect(live.repositories?.[0]?.imageScanningConfiguration?.scanOnPush).toBe(true);
    const tags = await aws.ecr.send(
      new ListTagsForResourceCommand({ resourceArn: live.repositories![0]!.repositoryArn! }),
    );
    expect(tags.tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });
    expect((await readState()).repository.arn).toBe(live.repositories![0]!.repositoryArn);
    expect((await stat(state())).mode & 0o777).toBe(0o600);

    const shown = await cli('repo', 'show', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ exists: true, uri: first.repository.uri, imageCount: 0 });

    const again = await cli('repo', 'create', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', repository: { arn: first.repository.arn } });
    const all = await aws.ecr.send(new DescribeRepositoriesCommand({}));
    expect(all.repositories?.filter((r) => r.repositoryName === 'web')).toHaveLength(1);

    const deleted = await cli('repo', 'delete', '--yes');
    expect(deleted.code, deleted.stderr).toBe(0);
    await expect(aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web'] }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    expect((await readState()).repository).toBeUndefined();
  });
});

describe('cluster', () => {
  it('creates, shows, converges on rerun and deletes the cluster', async () => {
    const created = await cli('cluster', 'create', '--json');
    expect(created.code, created.stderr).toBe(0);
    const arn = JSON.parse(created.stdout).cluster.arn;
    const live = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['web'], include: ['TAGS'] }));
    expect(live.clusters?.[0]).toMatchObject({ status: 'ACTIVE', clusterArn: arn });
    expect(live.clusters?.[0]?.tags).toContainEqual({ key: 'ecsctl:stack', value: 'web' });

    const shown = JSON.parse((await cli('cluster', 'show', '--json')).stdout);
    expect(shown).toMatchObject({ exists: true, arn, registeredContainerInstances: 0, runningTasks: 0 });

    const again = JSON.parse((await cli('cluster', 'create', '--json')).stdout);
    expect(again).toMatchObject({ outcome: 'unchanged', cluster: { arn } });

    expect((await cli('cluster', 'delete', '--yes')).code).toBe(0);
    const after = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['web'] }));
    expect(after.clusters?.filter((c) => c.status === 'ACTIVE')).toHaveLength(0);
    expect((await readState()).cluster).toBeUndefined();
  });
});

describe('taskdef', () => {
  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1';

  it('registers the walkthrough shape, reuses identical content, and deletes every revision', async () => {
    const first = await cli('taskdef', 'register', '--image', image, '--json');
    expect(first.code, first.stderr).toBe(0);
    const arn = JSON.parse(first.stdout).taskDefinition.arn;
    const live = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
    expect(live.taskDefinition).toMatchObject({ family: 'web', networkMode: 'bridge', revision: 1 });
    expect(live.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      name: 'web',
      image,
      essential: true,
      cpu: 0,
      memory: 128,
      portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
    });
    expect(live.tags).toContainEqual({ key: 'ecsctl:stack', value: 'web' });

    const same = JSON.parse((await cli('taskdef', 'register', '--image', image, '--json')).stdout);
    expect(same).toMatchObject({ outcome: 'unchanged', taskDefinition: { arn } });

    const changed = JSON.parse(
      (await cli('taskdef', 'register', '--image', image, '--memory', '256', '--json')).stdout,
    );
    expect(changed.taskDefinition.revision).toBe(2);

    const listed = JSON.parse((await cli('taskdef', 'list', '--json')).stdout);
    expect(listed.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);

    const deleted = await cli('taskdef', 'delete', '--yes', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    for (const status of ['ACTIVE', 'INACTIVE'] as const) {
      const left = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web', status }));
      expect(left.taskDefinitionArns ?? []).toEqual([]);
    }
  });

  it("registers the walkthrough's own JSON file, filling the image placeholder from the state", async () => {
    const file = join(opts.cwd, 'td.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      JSON.stringify({
        family: 'td-testunit',
        networkMode: 'bridge',
        containerDefinitions: [
          {
            name: 'testunit',
            essential: true,
            image: '<repo-uri>/<repo-name>:v0.1',
            cpu: 0,
            memory: 128,
            portMappings: [{ hostPort: 0, containerPort: 8080, protocol: 'tcp' }],
          },
        ],
      }),
    );
    const noImage = await cli('taskdef', 'register', '--file', file);
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toMatch(/no image recorded/);

    const ok = await cli('taskdef', 'register', '--file', file, '--image', image, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).taskDefinition).toMatchObject({
      family: 'td-testunit',
      containerName: 'testunit',
      containerPort: 8080,
    });
  });
});

describe('an unreachable endpoint', () => {
  it('fails with one line naming the endpoint problem, after bounded retries, leaving no state', async () => {
    const { freePort } = await import('../harness/moto.js');
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-e2e-'));
    const result = await runCli(['repo', 'create', '--name', 'web'], {
      cwd,
      endpoint: `http://127.0.0.1:${await freePort()}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot reach the AWS endpoint \(ECONNREFUSED\).*--endpoint-url/);
    await expect(stat(join(cwd, 'ecsctl.state.json'))).rejects.toThrow();
  });
});
