/**
 * Logs end to end: the built CLI against a live moto, through the recording proxy so the order of
 * calls is visible. `taskdef register` creates the log group (tagged, with a retention) before
 * it registers; events written with the SDK are printed by `ecsctl logs`, as text and as NDJSON,
 * narrowed by --task, followed until Ctrl-C. Results are read back through the SDK.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { collect, runCli, spawnCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1';
const TASK_A = '3f2a9c1d7e6b4a5f8c0d1e2f3a4b5c6d';
const TASK_B = '9b8e7d6c5a4f4e3d2c1b0a9f8e7d6c5b';

let moto: Moto;
let proxy: Proxy;
let aws: VerifyClients;
let opts: CliOptions;
const cli = (...args: string[]) => runCli(args, opts);
const readState = async (file = 'ecsctl.state.json') => JSON.parse(await readFile(join(opts.cwd, file), 'utf8'));
const operations = (from = 0) => proxy.calls.slice(from).map((c) => c.operation);
const liveGroup = async (name: string) =>
  (await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups?.find(
    (g) => g.logGroupName === name,
  );
const liveTags = async (name: string) =>
  (await aws.logs.send(new ListTagsForResourceCommand({ resourceArn: (await liveGroup(name))!.logGroupArn! }))).tags;

async function putEvents(stream: string, events: { ago: number; message: string }[]): Promise<void> {
  await aws.logs
    .send(new CreateLogStreamCommand({ logGroupName: '/ecs/web', logStreamName: stream }))
    .catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
  const now = Date.now();
  await aws.logs.send(
    new PutLogEventsCommand({
      logGroupName: '/ecs/web',
      logStreamName: stream,
      logEvents: events.map((e) => ({ timestamp: now - e.ago, message: e.message })),
    }),
  );
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startProxy(moto.endpoint);
  aws = verifyClients(moto.endpoint);
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-logs-')), endpoint: proxy.endpoint };
});
afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

describe('taskdef register and the log group', () => {
  it('creates the group, tagged and with 7 days retention, before it registers the task definition', async () => {
    const r = await cli('taskdef', 'register', '--name', 'web', '--image', IMAGE, '--json');
    expect(r.code, r.stderr).toBe(0);
    const ops = operations();
    expect(ops).toContain('CreateLogGroup');
    expect(ops.indexOf('CreateLogGroup')).toBeLessThan(ops.indexOf('RegisterTaskDefinition'));
    expect(ops.indexOf('PutRetentionPolicy')).toBeLessThan(ops.indexOf('RegisterTaskDefinition'));

    expect(await liveGroup('/ecs/web')).toMatchObject({ retentionInDays: 7 });
    expect(await liveTags('/ecs/web')).toEqual({ 'ecsctl:stack': 'web' });
    const td = await aws.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: JSON.parse(r.stdout).taskDefinition.arn }),
    );
    expect(td.taskDefinition?.containerDefinitions?.[0]?.logConfiguration).toMatchObject({
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
    });
    expect((await readState()).logGroup).toEqual({ name: '/ecs/web', retentionDays: 7 });
    expect(JSON.parse(r.stdout).logGroup).toEqual({ outcome: 'created', name: '/ecs/web', retentionDays: 7 });
  });

  it('reuses the group and the identical revision on a rerun, with no mutating call', async () => {
    const before = proxy.calls.length;
    const r = await cli('taskdef', 'register', '--image', IMAGE, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: 'unchanged',
      taskDefinition: { revision: 1 },
      logGroup: { outcome: 'unchanged' },
    });
    expect(operations(before).filter((op) => /^(Create|Put|Register|Delete|Tag)/.test(op))).toEqual([]);
  });

  it("checks --log-retention-days against CloudWatch's periods before any call, and applies a valid one", async () => {
    const before = proxy.calls.length;
    const bad = await cli('taskdef', 'register', '--image', IMAGE, '--log-retention-days', '8');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--log-retention-days must be one of .* got "8"/);
    expect(proxy.calls.length).toBe(before);

    const ok = await cli('taskdef', 'register', '--image', IMAGE, '--log-retention-days', '14');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('log group /ecs/web: updated, events kept 14 days');
    expect(await liveGroup('/ecs/web')).toMatchObject({ retentionInDays: 14 });
    expect((await readState()).logGroup.retentionDays).toBe(14);
    expect((await readState()).taskDefinition.revision).toBe(1);
  });
});

describe('ecsctl logs', () => {
  beforeAll(async () => {
    await putEvents(`ecs/web/${TASK_A}`, [
      { ago: 2 * 3600_000, message: 'two hours ago' },
      { ago: 4000, message: 'listening on :8080' },
      { ago: 2000, message: 'GET / 200 3ms' },
    ]);
    await putEvents(`ecs/web/${TASK_B}`, [
      { ago: 3000, message: 'listening on :8080' },
      { ago: 1000, message: 'GET /health 200 1ms' },
    ]);
  });

  it('prints the events of the last 10 minutes oldest first, each prefixed with its task ID', async () => {
    const r = await cli('logs');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        '3f2a9c1d | listening on :8080',
        '9b8e7d6c | listening on :8080',
        '3f2a9c1d | GET / 200 3ms',
        '9b8e7d6c | GET /health 200 1ms',
        '',
      ].join('\n'),
    );
    expect((await cli('logs', '--since', '3h')).stdout.split('\n')[0]).toBe('3f2a9c1d | two hours ago');
  });

  it('prints one JSON object per event and line with --json', async () => {
    const r = await cli('logs', '--json');
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toHaveLength(4);
    expect(events[0]).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      task: TASK_A,
      container: 'web',
      message: 'listening on :8080',
    });
    expect(events.map((e) => Date.parse(e.timestamp))).toEqual(events.map((e) => Date.parse(e.timestamp)).sort());
  });

  it('narrows to one task by its short ID or its ARN', async () => {
    const short = await cli('logs', '--task', '9b8e7d6c');
    expect(short.stdout).toBe('9b8e7d6c | listening on :8080\n9b8e7d6c | GET /health 200 1ms\n');
    const arn = await cli('logs', '--task', `arn:aws:ecs:us-east-1:123456789012:task/web/${TASK_A}`, '--json');
    expect(
      arn.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).task),
    ).toEqual([TASK_A, TASK_A]);
  });

  it('rejects --since yesterday-ish with exit 2 and one line, before any call', async () => {
    const before = proxy.calls.length;
    const r = await cli('logs', '--since', 'yesterday-ish');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: --since must be a duration such as 90s, 15m or 1h, got "yesterday-ish"\n');
    expect(proxy.calls.length).toBe(before);
  });

  it('follows new events every 2 s, says once that it waits, and ends quietly with exit 130 on Ctrl-C', async () => {
    const child = spawnCli(['logs', '--follow'], opts);
    const done = collect(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const waitFor = async (text: string) => {
      for (const deadline = Date.now() + 20_000; !out.includes(text); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() > deadline) throw new Error(`no "${text}" in: ${out}`);
      }
    };
    await waitFor('GET /health 200 1ms');
    const polls = () => operations().filter((op) => op === 'FilterLogEvents').length;
    const first = polls();
    await putEvents(`ecs/web/${TASK_B}`, [{ ago: 0, message: 'GET /after 200 2ms' }]);
    await waitFor('GET /after 200 2ms');
    expect(polls()).toBeGreaterThan(first);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    // Ctrl-C is how --follow ends: no "error: interrupted", no "finishing calls in flight".
    expect(r.stderr.trim().split('\n')).toEqual(['waiting for new events in /ecs/web (Ctrl-C to stop)']);
    // Every event once, the new one last.
    expect(r.stdout.trim().split('\n')).toEqual([
      '3f2a9c1d | listening on :8080',
      '9b8e7d6c | listening on :8080',
      '3f2a9c1d | GET / 200 3ms',
      '9b8e7d6c | GET /health 200 1ms',
      '9b8e7d6c | GET /after 200 2ms',
    ]);
  });

  it('leaves the log group in place on taskdef delete (it goes with down)', async () => {
    const r = await cli('taskdef', 'delete', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(await liveGroup('/ecs/web')).toBeDefined();
    expect((await readState()).logGroup).toEqual({ name: '/ecs/web', retentionDays: 14 });
  });
});

describe('a task definition file that names its own log group', () => {
  const file = async (name: string, group: string) => {
    const path = join(opts.cwd, `${name}.json`);
    await writeFile(
      path,
      JSON.stringify({
        family: name,
        networkMode: 'bridge',
        containerDefinitions: [
          {
            name: 'app',
            image: IMAGE,
            memory: 128,
            portMappings: [{ containerPort: 8080, hostPort: 0 }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': group, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
            },
          },
        ],
      }),
    );
    return path;
  };

  it('gets that group created when it is missing', async () => {
    const r = await cli(
      'taskdef',
      'register',
      '--file',
      await file('td-new', '/ecs/td-new'),
      '--name',
      'newer',
      '--state',
      'newer.json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await liveGroup('/ecs/td-new')).toMatchObject({ retentionInDays: 7 });
    expect(await liveTags('/ecs/td-new')).toEqual({ 'ecsctl:stack': 'newer' });
    expect((await readState('newer.json')).logGroup).toEqual({ name: '/ecs/td-new', retentionDays: 7 });
  });

  it('uses a group that exists without our tag but never changes or records it', async () => {
    await aws.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/td-foreign' }));
    await aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: '/ecs/td-foreign', retentionInDays: 30 }));
    const r = await cli(
      'taskdef',
      'register',
      '--file',
      await file('td-foreign', '/ecs/td-foreign'),
      '--name',
      'other',
      '--state',
      'other.json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/log group \/ecs\/td-foreign exists but was not created by ecsctl for stack other/);
    expect(await liveGroup('/ecs/td-foreign')).toMatchObject({ retentionInDays: 30 });
    expect(await liveTags('/ecs/td-foreign')).toEqual({});
    const state = await readState('other.json');
    expect(state.logGroup).toBeUndefined();
    expect(state.taskDefinition.family).toBe('td-foreign');
  });
});
