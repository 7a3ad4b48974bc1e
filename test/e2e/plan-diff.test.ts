/**
 * `up --dry-run` on a stack that exists, end to end: the built CLI against moto with the agent and
 * scheduler stand-ins. A converged stack plans "no changes" (exit 0 with --detailed-exitcode);
 * each kind of change prints its field line old → new and exits 5; `--json` gives the same plan as
 * data; a plan sends describe calls only (counted at a recording proxy) and never writes the
 * state; after `up` applies a change, the plan is empty again (the plan and the run agree).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

let world: UpWorld;
let proxy: Proxy;
let opts: CliOptions;
const IMAGE2 = IMAGE.replace(/:v1$/, ':v2');
/** The stack as created: one instance; 10 tasks, the count moto reports running (MOTO_ECS_SERVICE_RUNNING). */
const BASE = ['--image', IMAGE, '--instance-count', '1'];
const stateText = () => readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8');

/** Runs a plan; returns its result and the operations it sent. */
async function plan(args: string[], extra: string[] = ['--detailed-exitcode']) {
  const from = proxy.calls.length;
  const r = await runCli(['up', ...BASE, ...args, '--dry-run', ...extra], opts);
  return { ...r, operations: proxy.calls.slice(from).map((c) => c.operation) };
}

beforeAll(async () => {
  world = await startUpWorld();
  proxy = await startProxy(world.moto.endpoint);
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-plan-')), endpoint: proxy.endpoint, env: FAST };
  const up = await runCli(['up', '--name', 'web', ...BASE], opts);
  expect(up.code, up.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

describe('up --dry-run on a stack that exists', () => {
  it('a converged stack: one "no changes" line, exit 0 with --detailed-exitcode, describe calls only', async () => {
    const before = await stateText();
    const r = await plan([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^no changes: stack web matches the settings \(compared with AWS: .*taskdef.*service/);
    // It did compare: the task definition, the service, the target group were read from AWS.
    expect(r.operations).toEqual(
      expect.arrayContaining(['DescribeTaskDefinition', 'DescribeServices', 'DescribeTargetGroups']),
    );
    expect(r.operations.filter((op) => MUTATING.test(op))).toEqual([]);
    expect(await stateText()).toBe(before);
  });

  const CHANGES: { what: string; args: string[]; line: RegExp }[] = [
    { what: 'image', args: ['--image', IMAGE2], line: /^ {4}image \S+web:v1 → \S+web:v2$/m },
    { what: 'cpu', args: ['--cpu', '256'], line: /^ {4}cpu 0 → 256$/m },
    { what: 'memory', args: ['--memory', '256'], line: /^ {4}memory 128 → 256$/m },
    { what: 'env', args: ['--env', 'LOG_LEVEL=debug'], line: /^ {4}env LOG_LEVEL none → debug$/m },
    { what: 'desired count', args: ['--desired-count', '4'], line: /^ {4}desired count 10 → 4$/m },
    {
      what: 'health-check path',
      args: ['--health-check-path', '/healthz'],
      line: /^ {4}HealthCheckPath \/ → \/healthz$/m,
    },
    { what: 'instance count', args: ['--instance-count', '2'], line: /^ {4}instance count 1 → 2$/m },
    { what: 'log retention', args: ['--log-retention-days', '14'], line: /^ {4}log retention days 7 → 14$/m },
    {
      what: 'auto scaling',
      args: ['--min-count', '2', '--max-count', '10', '--cpu-target', '60'],
      line: /^ {4}tasks \(min–max\) none → 2–10\n {4}policy web-cpu none → 60% CPU$/m,
    },
    {
      what: 'instance type',
      args: ['--instance-type', 't3.medium'],
      line: /^ {4}instance type t3\.small → t3\.medium {3}\(not changed by up: /m,
    },
  ];
  for (const c of CHANGES) {
    it(`${c.what}: the field line old → new, exit 5, no mutating call, the state untouched`, async () => {
      const before = await stateText();
      const r = await plan(c.args);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(c.line);
      expect(r.stdout).toMatch(/^\d+ steps? would change/m);
      expect(r.operations.filter((op) => MUTATING.test(op))).toEqual([]);
      expect(await stateText()).toBe(before);
    });
  }

  it('a new image: a new task definition revision, and the service rolls to it', async () => {
    const r = await plan(['--image', IMAGE2]);
    expect(r.stdout).toMatch(/^task definition web:1 → new revision web:2: update$/m);
    expect(r.stdout).toMatch(/^ {4}task definition web:1 → web:2$/m);
  });

  it('--json: the same plan as data (steps, fields, old, new), exit 5', async () => {
    const r = await plan(['--desired-count', '3', '--env', 'A=b'], ['--detailed-exitcode', '--json']);
    expect(r.code, r.stderr).toBe(5);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ stack: 'web', region: 'us-east-1', dryRun: true, compared: true, hasChanges: true });
    const byId = Object.fromEntries(doc.steps.map((s: { id: string }) => [s.id, s]));
    expect(byId.service).toMatchObject({
      action: 'update',
      changes: expect.arrayContaining([{ field: 'desired count', old: '10', new: '3', applies: true }]),
    });
    expect(byId.taskdef.changes).toEqual([{ field: 'env A', old: 'none', new: 'b', applies: true }]);
    expect(byId.targetGroup).toMatchObject({ action: 'unchanged', changes: [] });
  });

  it('without --detailed-exitcode a plan with changes exits 0', async () => {
    const r = await plan(['--desired-count', '4'], []);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/desired count 10 → 4/);
  });

  it('--detailed-exitcode without --dry-run: exit 2 before any AWS call', async () => {
    const from = proxy.calls.length;
    const r = await runCli(['up', ...BASE, '--detailed-exitcode'], opts);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: --detailed-exitcode needs --dry-run. A plan exits 5 when something would change; `up` itself exits 0 when it succeeds\n',
    );
    expect(proxy.calls.length).toBe(from);
  });

  it('a stack not created yet: the create plan, no AWS call at all, exit 5 with --detailed-exitcode', async () => {
    const fresh = { ...opts, cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-plan-fresh-')) };
    const from = proxy.calls.length;
    const r = await runCli(['up', '--name', 'fresh', ...BASE, '--dry-run', '--detailed-exitcode', '--json'], fresh);
    expect(r.code, r.stderr).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ stack: 'fresh', compared: false, hasChanges: true });
    expect(proxy.calls.length).toBe(from);
  });

  it('after up applies what the plan showed, the plan is empty again', async () => {
    const change = ['--image', IMAGE2, '--desired-count', '3', '--health-check-path', '/healthz'];
    expect((await plan(change)).code).toBe(5);
    const up = await runCli(['up', ...BASE, ...change], opts);
    expect(up.code, up.stderr).toBe(0);
    const again = await plan(change);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/^no changes/);
  }, 120_000);

  it('the same for the log retention and auto scaling: applied by up, then no changes', async () => {
    const change = [
      '--image',
      IMAGE2,
      '--log-retention-days',
      '14',
      '--min-count',
      '2',
      '--max-count',
      '10',
      '--cpu-target',
      '60',
    ];
    expect((await plan(change)).code).toBe(5);
    const up = await runCli(['up', ...BASE, ...change], opts);
    expect(up.code, up.stderr).toBe(0);
    const again = await plan(change);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/^no changes: .*autoScaling/);
  }, 120_000);
});

describe('up --dry-run on a stack with an Auto Scaling group (--capacity asg)', () => {
  let asg: CliOptions;
  const ASG = ['--image', IMAGE, '--instance-count', '1'];
  beforeAll(async () => {
    asg = { ...opts, cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-plan-asg-')) };
    const up = await runCli(['up', '--name', 'cap', '--capacity', 'asg', ...ASG], asg);
    expect(up.code, up.stderr).toBe(0);
  }, 120_000);

  const planAsg = async (args: string[]) => {
    const from = proxy.calls.length;
    const r = await runCli(['up', ...ASG, ...args, '--dry-run', '--detailed-exitcode'], asg);
    return { ...r, operations: proxy.calls.slice(from).map((c) => c.operation) };
  };

  it('converged (the recorded mode is used without --capacity): no changes, exit 0', async () => {
    const r = await planAsg([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^no changes: stack cap matches the settings/);
    expect(r.operations).toEqual(expect.arrayContaining(['DescribeAutoScalingGroups', 'DescribeCapacityProviders']));
  });

  it('the group bounds, the target capacity and the template type: field lines, exit 5, no mutating call', async () => {
    const r = await planAsg(['--max-instances', '4', '--target-capacity', '80', '--instance-type', 't3.medium']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toMatch(/^Auto Scaling group cap-ecs: update$/m);
    expect(r.stdout).toMatch(/^ {4}group max size 2 → 4$/m);
    expect(r.stdout).toMatch(/^ {4}target capacity 100 → 80$/m);
    expect(r.stdout).toMatch(/^ {4}instance type t3\.small → t3\.medium {3}\(not changed by up: .*instances refresh/m);
    expect(r.operations.filter((op) => MUTATING.test(op))).toEqual([]);
  });

  it('asking for the other mode is refused as up refuses it: exit 2', async () => {
    const r = await planAsg(['--capacity', 'instances']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot switch to --capacity instances/);
  });
});
