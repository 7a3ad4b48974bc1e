/**
 * Day two end to end, the built CLI against moto with the agent and scheduler stand-ins: `up`
 * with --env, --secret and auto scaling (target, policies, execution role and its exact policy
 * read back through the SDK), a desired count changed behind ecsctl's back surviving a rerun,
 * a changed --env rolling a new revision, `service rollback`, `run` (moto's RunTask places the
 * task on a stand-in instance and echoes the override; its containers always report exit code 0),
 * `logs --previous`, and `down` removing the scalable target and the execution role. Secret
 * values appear in no output (with --verbose) and not in the state file.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { expectRerunChangesNothing } from '../harness/rerun.js';
import { expectRejectedBeforeAnyCall, startRecorder, type BadInputCase } from '../harness/bad-input.js';
import { FAST, IMAGE } from '../harness/standins.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';

const SECRET_VALUE = 'hunter2-day-two-secret-value';
const PARAM_VALUE = 'param-day-two-secret-value';
let moto: Moto;
let agent: StandinAgent;
let scheduler: Scheduler;
let aws: VerifyClients;
let aas: ApplicationAutoScalingClient;
let opts: CliOptions;
let proxy: Proxy;
let secretArn: string;
const cli = (...args: string[]) => runCli(args, opts);
const stateText = () => readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8');
const upArgs = (env = 'GREETING=hello') => [
  'up',
  '--name',
  'web',
  '--image',
  IMAGE,
  '--env',
  env,
  '--secret',
  `DB_PASSWORD=${secretArn}`,
  '--secret',
  'API_KEY=/web/api-key',
  '--min-count',
  '1',
  '--max-count',
  '4',
  '--cpu-target',
  '60',
  '--requests-per-target',
  '500',
];
const service = async () =>
  (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] }))).services![0]!;
const PARAM_ARN = 'arn:aws:ssm:us-east-1:123456789012:parameter/web/api-key';

/** Secrets Manager over its JSON protocol (moto reads the region from the credential scope, not the signature). */
async function createSecret(endpoint: string, name: string, value: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'secretsmanager.CreateSecret',
      Authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAECSCTLTEST000000/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ Name: name, SecretString: value }),
  });
  return ((await res.json()) as { ARN: string }).ARN;
}

beforeAll(async () => {
  // moto reports every new service as running this many tasks: the default 10, clamped into [1, 4].
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '4' });
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  aws = verifyClients(moto.endpoint);
  aas = new ApplicationAutoScalingClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'AKIAECSCTLTEST000000', secretAccessKey: 'verify' },
  });
  proxy = await startProxy(moto.endpoint);
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-day2-')), endpoint: proxy.endpoint, env: FAST };
  secretArn = await createSecret(moto.endpoint, 'web-db-password', SECRET_VALUE);
  await aws.ssm.send(new PutParameterCommand({ Name: '/web/api-key', Value: PARAM_VALUE, Type: 'SecureString' }));
});
afterAll(async () => {
  await proxy?.close();
  await agent?.stop();
  await scheduler?.stop();
  await moto?.stop();
});

describe('day two', () => {
  it('up registers env and secrets with an execution role naming exactly their ARNs, and scales automatically', async () => {
    const up = await cli(...upArgs(), '--verbose');
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    for (const text of [up.stdout, up.stderr, await stateText()]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(PARAM_VALUE);
    }
    const state = JSON.parse(await stateText());
    const td = (await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: state.taskDefinition.arn })))
      .taskDefinition!;
    expect(td.executionRoleArn).toBe(state.executionRole.arn);
    expect(td.containerDefinitions![0]!.environment).toEqual([{ name: 'GREETING', value: 'hello' }]);
    expect(td.containerDefinitions![0]!.secrets).toEqual([
      { name: 'DB_PASSWORD', valueFrom: secretArn },
      { name: 'API_KEY', valueFrom: PARAM_ARN },
    ]);
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: 'web-task-execution' }))).Role!;
    expect(role.Tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement[0].Principal.Service).toBe(
      'ecs-tasks.amazonaws.com',
    );
    const attached = await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'web-task-execution' }));
    expect(attached.AttachedPolicies!.map((p) => p.PolicyName)).toEqual(['AmazonECSTaskExecutionRolePolicy']);
    const inline = await aws.iam.send(
      new GetRolePolicyCommand({ RoleName: 'web-task-execution', PolicyName: 'ecsctl-secrets' }),
    );
    const doc = JSON.parse(decodeURIComponent(inline.PolicyDocument!));
    expect(doc.Statement.map((s: { Action: string; Resource: string[] }) => [s.Action, s.Resource])).toEqual([
      ['ssm:GetParameters', [PARAM_ARN]],
      ['secretsmanager:GetSecretValue', [secretArn]],
    ]);

    const targets = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/web/web'] }),
    );
    expect(targets.ScalableTargets).toMatchObject([{ MinCapacity: 1, MaxCapacity: 4 }]);
    const policies = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/web/web' }),
    );
    const label = `${state.loadBalancer.arn.split(':loadbalancer/')[1]}/${state.targetGroup.arn.split(':')[5]}`;
    expect(
      policies.ScalingPolicies!.map((p) => [
        p.PolicyName,
        p.TargetTrackingScalingPolicyConfiguration?.TargetValue,
        p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.ResourceLabel,
      ]),
    ).toEqual([
      ['web-cpu', 60, undefined],
      ['web-requests', 500, label],
    ]);
    // The default 10 tasks, clamped into [1, 4].
    expect((await service()).desiredCount).toBe(4);
    const show = await cli('service', 'show');
    expect(show.stdout).toMatch(/auto scaling\s+1–4 tasks: web-cpu \(ECSServiceAverageCPUUtilization 60\)/);
  });

  it('a desired count the autoscaler (here: someone) changed survives a rerun, which changes nothing', async () => {
    await aws.ecs.send(new UpdateServiceCommand({ cluster: 'web', service: 'web', desiredCount: 3 }));
    await expectRerunChangesNothing(upArgs(), opts, proxy, aws);
    expect((await service()).desiredCount).toBe(3);
    const update = await cli('service', 'update', '--desired-count', '2');
    expect(update.code).toBe(2);
    expect(update.stderr).toMatch(/scales automatically \(1–4 tasks\)/);
  });

  it('a changed --env is a new revision and a rolling update; rollback returns to the previous one', async () => {
    const up = await cli(...upArgs('GREETING=bye'));
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    expect((await service()).taskDefinition).toMatch(/:task-definition\/web:2$/);
    expect((await service()).desiredCount).toBe(3);

    const back = await cli('service', 'rollback');
    expect(back.code, back.stderr.slice(-2000)).toBe(0);
    expect(back.stdout).toMatch(/rolled back: web:2 → web:1/);
    expect((await service()).taskDefinition).toMatch(/:task-definition\/web:1$/);
    const again = await cli('service', 'rollback');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/unchanged: .*already runs web:1, older than the latest registered revision 2/);
  });

  it('run --detach starts a one-off task of the current revision with the command overridden', async () => {
    const run = await cli('run', '--detach', '--', 'sh', '-c', 'echo migrated');
    expect(run.code, run.stderr).toBe(0);
    const arn = run.stdout.trim();
    expect(arn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/web\//);
    const task = (await aws.ecs.send(new DescribeTasksCommand({ cluster: 'web', tasks: [arn] }))).tasks![0]!;
    expect(task.overrides?.containerOverrides).toEqual([{ name: 'web', command: ['sh', '-c', 'echo migrated'] }]);
    expect(task.startedBy).toBe('ecsctl/web');
    expect(task.taskDefinitionArn).toMatch(/web:2$/);
    expect(JSON.parse(await stateText()).lastRun).toEqual({ taskArn: arn });
    await aws.ecs.send(new StopTaskCommand({ cluster: 'web', task: arn }));
  });

  it('run waits for the task to stop, streaming its logs, and exits with the container exit code', async () => {
    const run = await cli('run', '--', 'true');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/task [0-9a-f-]+ stopped: exit code 0/);
  });

  it('logs --previous shows the service task that stopped last, with why, and only its events', async () => {
    const state = JSON.parse(await stateText());
    const crashed = (
      await aws.ecs.send(
        new RunTaskCommand({
          cluster: 'web',
          taskDefinition: state.taskDefinition.arn,
          group: 'service:web',
          startedBy: 'ecs-svc/1234567890',
        }),
      )
    ).tasks![0]!;
    await aws.ecs.send(
      new StopTaskCommand({ cluster: 'web', task: crashed.taskArn!, reason: 'Essential container in task exited' }),
    );
    const id = crashed.taskArn!.split('/').at(-1)!;
    for (const [task, message] of [
      [id, 'boom: cannot connect to the database'],
      ['0000other0000', 'a healthy task'],
    ] as const) {
      await aws.logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/web', logStreamName: `ecs/web/${task}` }));
      await aws.logs.send(
        new PutLogEventsCommand({
          logGroupName: '/ecs/web',
          logStreamName: `ecs/web/${task}`,
          logEvents: [{ timestamp: Date.now(), message }],
        }),
      );
    }
    const logs = await cli('logs', '--previous');
    expect(logs.code, logs.stderr).toBe(0);
    const [header, ...events] = logs.stdout.trim().split('\n');
    expect(header).toMatch(
      new RegExp(`^task ${id.slice(0, 8)} stopped .+: Essential container in task exited \\(web: exit code 0\\)$`),
    );
    expect(events).toEqual([`${id.slice(0, 8)} | boom: cannot connect to the database`]);
  });

  it('down removes the scalable target, its policies and the execution role', async () => {
    const down = await cli('down', '--yes');
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    const targets = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/web/web'] }),
    );
    expect(targets.ScalableTargets).toEqual([]);
    const policies = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/web/web' }),
    );
    expect(policies.ScalingPolicies).toEqual([]);
    await expect(aws.iam.send(new GetRoleCommand({ RoleName: 'web-task-execution' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    const state = JSON.parse(await stateText());
    expect(state.autoScaling).toBeUndefined();
    expect(state.executionRole).toBeUndefined();
  });
});

describe('day-two bad input: exit 2, one line, no AWS call, state untouched', () => {
  const STATE = JSON.stringify({ version: 1, name: 'web', region: 'us-east-1' });
  const cases: BadInputCase[] = [
    {
      why: 'a CPU target of 0',
      args: ['up', '--name', 'web', '--min-count', '1', '--max-count', '2', '--cpu-target', '0'],
      code: 2,
      message: /--cpu-target must be a percentage above 0/,
    },
    {
      why: 'a CPU target over 100',
      args: ['service', 'autoscale', '--min-count', '1', '--max-count', '2', '--cpu-target', '101'],
      code: 2,
      message: /at most 100/,
      state: STATE,
    },
    {
      why: 'min above max',
      args: ['service', 'autoscale', '--min-count', '5', '--max-count', '2', '--cpu-target', '50'],
      code: 2,
      message: /--min-count 5 is above --max-count 2/,
      state: STATE,
    },
    {
      why: 'min above max on up',
      args: ['up', '--name', 'web', '--min-count', '5', '--max-count', '2', '--cpu-target', '50'],
      code: 2,
      message: /--min-count 5 is above --max-count 2/,
    },
    {
      why: 'a secret without =',
      args: ['taskdef', 'register', '--name', 'web', '--secret', 'DB_PASSWORD'],
      code: 2,
      message: /--secret must look like KEY=REF/,
    },
    {
      why: 'a secret that is an ARN of another service',
      args: ['up', '--name', 'web', '--secret', 'KEY=arn:aws:s3:::my-bucket/key'],
      code: 2,
      message: /is an ARN of s3/,
    },
    {
      why: 'a rollback to a non-number',
      args: ['service', 'rollback', '--to', 'abc'],
      code: 2,
      message: /--to must be a revision number/,
      state: STATE,
    },
    {
      why: 'run without a command',
      args: ['run', '--detach'],
      code: 2,
      message: /missing required argument 'command'/,
      state: STATE,
    },
    {
      why: 'logs --previous with --follow',
      args: ['logs', '--previous', '--follow'],
      code: 2,
      message: /--previous .* takes no --follow/,
      state: STATE,
    },
  ];
  let recorder: Proxy;
  beforeAll(async () => {
    recorder = await startRecorder();
  });
  afterAll(async () => {
    await recorder?.close();
  });
  for (const c of cases) it(c.why, () => expectRejectedBeforeAnyCall(c, recorder));
});
