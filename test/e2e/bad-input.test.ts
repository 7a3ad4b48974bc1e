/**
 * Bad input to the foundation commands: each case exits with its documented code, prints exactly
 * one line on stderr (no stack trace), makes no AWS call (the endpoint is a recorder that counts
 * every request) and leaves the state file byte-identical (or absent, if there was none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proxy } from '../harness/proxy.js';
import { expectRejectedBeforeAnyCall, startRecorder, type BadInputCase } from '../harness/bad-input.js';

const VALID_STATE = `${JSON.stringify({ version: 1, name: 'web', region: 'us-east-1', cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } }, null, 2)}\n`;

const cases: BadInputCase[] = [
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

let recorder: Proxy;

beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(async () => recorder?.close());

describe('bad input', () => {
  it.each(cases.map((c) => [c.why, c] as const))('%s', async (_, c) => expectRejectedBeforeAnyCall(c, recorder));

  it('covers at least 15 cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));
});
