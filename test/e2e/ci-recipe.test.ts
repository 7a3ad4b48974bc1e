/**
 * The CI recipe in examples/ci/ runs as written: the workflow is read with a YAML parser (PyYAML,
 * which moto brings), and each job's `run:` scripts go through bash the way the GitHub runner runs
 * them (`bash --noprofile --norc -eo pipefail`), with the workflow's `env`, the `${{ … }}`
 * expressions it uses filled in, `$GITHUB_ENV` carried between steps, and an `ecsctl` on PATH that
 * is the built CLI, against moto with the agent and scheduler stand-ins. Steps that need the
 * network or a Docker engine (`uses:` actions, cloning ecsctl, docker build/push) are skipped.
 *
 * The workflow's state is `s3://…` and is used as written: the test creates its bucket (versioned)
 * in moto's S3, so the two jobs share the stack through S3 as they would in Actions.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, GetObjectCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { verifyClients, motoS3 } from '../harness/aws.js';
import { BIN, cliEnv } from '../harness/cli.js';
import { pythonExecutable, startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/ci/', import.meta.url));
/** Steps that need the network or a Docker engine; everything else runs. */
const SKIPPED = new Set(['Install ecsctl', 'Build and push the image']);

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
interface Workflow {
  readonly env: Record<string, string>;
  readonly jobs: Record<string, { readonly env?: Record<string, string>; readonly steps: Step[] }>;
}
interface StepRun {
  readonly name: string;
  readonly code: number | null;
  readonly output: string;
}

const workflow: Workflow = JSON.parse(
  execFileSync(
    pythonExecutable(),
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(EXAMPLE, 'deploy.yml')],
    { encoding: 'utf8' },
  ),
);
const config: { name: string; desiredCount: number } = JSON.parse(readFileSync(join(EXAMPLE, 'ecsctl.json'), 'utf8'));

let moto: Moto;
let proxy: Proxy;
let agent: StandinAgent;
let scheduler: Scheduler;
let cwd: string;
let binDir: string;

/** GitHub's `${{ … }}`: the expressions the workflow uses; any other fails the test. */
function expand(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, expr: string) => {
    if (!(expr in values)) throw new Error(`the test does not know the expression \${{ ${expr} }}`);
    return values[expr]!;
  });
}

const expandAll = (env: Record<string, string> | undefined, values: Record<string, string>) =>
  Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, expand(String(v), values)]));

/** Runs one job's steps in order as the runner would; stops at the first failing step. */
async function runJob(
  name: string,
  github: Record<string, string>,
  override: Record<string, string> = {},
): Promise<{ steps: StepRun[]; summary: string }> {
  const job = workflow.jobs[name]!;
  const runner = await mkdtemp(join(tmpdir(), 'ecsctl-ci-runner-'));
  const files = { GITHUB_ENV: join(runner, 'env'), GITHUB_STEP_SUMMARY: join(runner, 'summary') };
  await writeFile(files.GITHUB_ENV, '');
  await writeFile(files.GITHUB_STEP_SUMMARY, '');
  const base = cliEnv({ cwd, endpoint: proxy.endpoint, env: { ECSCTL_POLL_SCALE: '0.1' } });
  let env: Record<string, string> = {
    ...(base as Record<string, string>),
    PATH: `${binDir}:${base.PATH}`,
    ...files,
    GITHUB_SHA: github['github.sha'] ?? '',
    RUNNER_TEMP: runner,
  };
  const values = () => ({ ...github, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [`env.${k}`, v])) });
  env = { ...env, ...expandAll(workflow.env, values()), ...override };
  env = { ...env, ...expandAll(job.env, values()), ...override };
  const steps: StepRun[] = [];
  for (const step of job.steps) {
    if (step.uses || !step.run || SKIPPED.has(step.name ?? '')) continue;
    const script = join(runner, `step-${steps.length}.sh`);
    await writeFile(script, expand(step.run, values()));
    const stepEnv = { ...env, ...expandAll(step.env, values()), ...override };
    const result = await bash(script, stepEnv);
    steps.push({ name: step.name ?? step.run, ...result });
    if (result.code !== 0) break;
    // What a step appended to $GITHUB_ENV is in the environment of the steps after it.
    for (const line of (await readFile(files.GITHUB_ENV, 'utf8')).split('\n')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
    }
  }
  return { steps, summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8') };
}

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The workflow's own s3:// state, nothing overridden. */
const AS_WRITTEN = {};
const stateText = async () =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
const [bucket, key] = (() => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(workflow.env.ECSCTL_STATE)!;
  return [m[1]!, m[2]!];
})();
let s3: S3Client;
const PUSH = { 'github.sha': 'a1b2c3d4e5f6' };
const pullRequest = (sha: string) => ({ 'github.event.pull_request.head.sha': sha });
const imageOf = (sha: string) =>
  `${workflow.env.AWS_ACCOUNT}.dkr.ecr.${workflow.env.AWS_REGION}.amazonaws.com/${config.name}:${sha}`;

beforeAll(async () => {
  // moto reports a service's tasks as running when this many are wanted: the recipe's own count.
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: String(config.desiredCount) });
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  proxy = await startProxy(moto.endpoint);
  s3 = motoS3(moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  cwd = await mkdtemp(join(tmpdir(), 'ecsctl-e2e-ci-'));
  await mkdir(join(cwd, 'deploy'));
  await copyFile(join(EXAMPLE, 'ecsctl.json'), join(cwd, 'deploy', 'ecsctl.json'));
  binDir = await mkdtemp(join(tmpdir(), 'ecsctl-ci-bin-'));
  await writeFile(join(binDir, 'ecsctl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(join(binDir, 'ecsctl'), 0o755);
});
afterAll(async () => {
  await Promise.allSettled([agent?.stop(), scheduler?.stop()]);
  await proxy?.close();
  await moto?.stop();
});

describe('examples/ci/deploy.yml', () => {
  it('is a workflow with a plan job for pull requests and a deploy job for main, each with an OIDC role', () => {
    expect(Object.keys(workflow.jobs)).toEqual(['plan', 'deploy']);
    const roles = Object.values(workflow.jobs).map(
      (j) => j.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))?.['with' as never],
    );
    expect(roles).toEqual([
      expect.objectContaining({ 'role-to-assume': expect.stringMatching(/:role\/ecsctl-plan$/) }),
      expect.objectContaining({ 'role-to-assume': expect.stringMatching(/:role\/ecsctl-deploy$/) }),
    ]);
    expect(workflow.env.ECSCTL_STATE).toMatch(/^s3:\/\/[^/]+\/.+[^/]$/);
  });

  it("the deploy job (a push to main) creates the stack running the commit's image", async () => {
    const { steps, summary } = await runJob('deploy', PUSH, AS_WRITTEN);
    expect(steps.map((s) => [s.name, s.code])).toEqual([
      ['Repository', 0],
      ['Image name', 0],
      ['Plan', 0],
      ['Deploy', 0],
      ['Status', 0],
    ]);
    expect(summary).toMatch(/### ecsctl plan\n```\nplan for stack web/);
    const aws = verifyClients(moto.endpoint);
    const service = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] })))
      .services![0]!;
    expect(service.desiredCount).toBe(config.desiredCount);
    const td = (await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition! })))
      .taskDefinition!;
    expect(td.containerDefinitions![0]!.image).toBe(imageOf(PUSH['github.sha']));
  }, 120_000);

  it('a pull request of the deployed commit: the plan says "no changes", with describe calls only', async () => {
    const state = await stateText();
    const from = proxy.calls.length;
    const { steps, summary } = await runJob('plan', pullRequest(PUSH['github.sha']), AS_WRITTEN);
    expect(steps.map((s) => [s.name, s.code])).toEqual([['Plan', 0]]);
    expect(summary).toMatch(/^no changes: stack web matches the settings/m);
    expect(proxy.calls.slice(from).filter((c) => MUTATING.test(c.operation))).toEqual([]);
    expect(await stateText()).toBe(state);
  });

  it('a pull request with a new commit: the image change in the summary, and the check passes (5 is not a failure)', async () => {
    const { steps, summary } = await runJob('plan', pullRequest('0f0f0f0f0f0f'), AS_WRITTEN);
    expect(steps.map((s) => [s.name, s.code])).toEqual([['Plan', 0]]);
    expect(summary).toContain(`    image ${imageOf(PUSH['github.sha'])} → ${imageOf('0f0f0f0f0f0f')}`);
  });

  it("a plan that fails (a corrupt state file) fails the check with ecsctl's exit code", async () => {
    await writeFile(join(cwd, 'corrupt.json'), '{ not json');
    const { steps } = await runJob('plan', pullRequest('0f0f0f0f0f0f'), { ECSCTL_STATE: 'corrupt.json' });
    expect(steps.map((s) => [s.name, s.code])).toEqual([['Plan', 3]]);
  });
});
