/**
 * Bad input to the `--capacity` flags of `up` and `instances create`, and a switch of mode on a
 * live stack: exit 2, one stderr line, not one request at the recording endpoint, state untouched.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Proxy } from '../harness/proxy.js';
import { expectRejectedBeforeAnyCall, startRecorder, type BadInputCase } from '../harness/bad-input.js';

const IMG = ['--image', 'nginx:1.27'];
const ARN = 'arn:aws:ecs:us-east-1:123456789012';
const state = (extra: object) =>
  `${JSON.stringify({ version: 1, name: 'web', region: 'us-east-1', cluster: { name: 'web', arn: `${ARN}:cluster/web` }, ...extra }, null, 2)}\n`;
const WITH_INSTANCES = state({ instances: { ids: ['i-0123456789abcdef0'] } });
const WITH_GROUP = state({
  capacity: {
    mode: 'asg',
    launchTemplate: { id: 'lt-0123456789abcdef0', name: 'web-ecs', version: 1 },
    autoScalingGroup: { name: 'web-ecs' },
  },
});

const cases: BadInputCase[] = [
  {
    why: 'up --capacity bogus',
    args: ['up', '--name', 'web', ...IMG, '--capacity', 'bogus'],
    code: 2,
    message: /--capacity must be instances or asg, got "bogus"/,
  },
  {
    why: 'instances create --capacity bogus',
    args: ['instances', 'create', '--name', 'web', '--capacity', 'bogus'],
    code: 2,
    message: /--capacity must be instances or asg/,
  },
  {
    why: 'up --max-instances below --instance-count',
    args: ['up', '--name', 'web', ...IMG, '--capacity', 'asg', '--instance-count', '4', '--max-instances', '3'],
    code: 2,
    message: /--max-instances 3 is below --instance-count 4/,
  },
  {
    why: 'instances create --max-instances below --count',
    args: ['instances', 'create', '--name', 'web', '--capacity', 'asg', '--count', '3', '--max-instances', '2'],
    code: 2,
    message: /--max-instances 2 is below --count 3/,
  },
  {
    why: 'up --target-capacity 0',
    args: ['up', '--name', 'web', ...IMG, '--capacity', 'asg', '--target-capacity', '0'],
    code: 2,
    message: /--target-capacity must be a whole number from 1 to 100, got "0"/,
  },
  {
    why: 'up --target-capacity 101',
    args: ['up', '--name', 'web', ...IMG, '--capacity', 'asg', '--target-capacity', '101'],
    code: 2,
    message: /--target-capacity must be a whole number from 1 to 100, got "101"/,
  },
  {
    why: 'instances create --target-capacity 101',
    args: ['instances', 'create', '--name', 'web', '--capacity', 'asg', '--target-capacity', '101'],
    code: 2,
    message: /--target-capacity must be a whole number from 1 to 100/,
  },
  {
    why: '--config with "targetCapacity": 0',
    args: ['up', '--name', 'web', ...IMG, '--config', 'up.json'],
    files: { 'up.json': '{"capacity": "asg", "targetCapacity": 0}' },
    code: 2,
    message: /--config: targetCapacity must be a whole number from 1 to 100/,
  },
  {
    why: 'up --capacity asg on a stack with RunInstances instances',
    args: ['up', ...IMG, '--capacity', 'asg'],
    state: WITH_INSTANCES,
    code: 2,
    message: /runs its container instances with --capacity instances; it cannot switch to --capacity asg/,
  },
  {
    why: 'instances create --capacity instances on a stack with an Auto Scaling group',
    args: ['instances', 'create', '--capacity', 'instances'],
    state: WITH_GROUP,
    code: 2,
    message: /runs its container instances with --capacity asg; it cannot switch to --capacity instances/,
  },
  {
    why: 'instances refresh on a RunInstances stack',
    args: ['instances', 'refresh'],
    state: WITH_INSTANCES,
    code: 2,
    message: /`instances refresh` applies to --capacity asg stacks/,
  },
];

let recorder: Proxy;
beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(async () => {
  await recorder?.close();
});

describe('bad --capacity input', () => {
  it.each(cases.map((c) => [c.why, c] as const))('%s', async (_, c) => expectRejectedBeforeAnyCall(c, recorder));
});
