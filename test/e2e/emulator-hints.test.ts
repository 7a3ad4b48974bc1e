/**
 * What a newcomer on the playground meets when something is missing, with the built CLI against a
 * live moto: an unknown option names the closest ones; with an emulator endpoint set, a wait that
 * times out names the missing stand-in or moto setting (not real-AWS networking); an `lb probe` of
 * a name that does not resolve says so in one line with the way out (--url), instead of one
 * ENOTFOUND per request.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { FAST, IMAGE } from '../harness/standins.js';

let moto: Moto;
let agent: StandinAgent | undefined;
let opts: CliOptions;
const cli = (...args: string[]) => runCli(args, opts);

// Without MOTO_ECS_SERVICE_RUNNING moto reports every service with no running task, as the
// playground's moto would if started by hand from the old README recipe.
beforeAll(async () => {
  moto = await startMoto();
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-hints-')), endpoint: moto.endpoint, env: FAST };
});
afterAll(async () => {
  await agent?.stop();
  await moto?.stop();
});

describe('an unknown option', () => {
  it('names the flags that contain the word typed, exit 2, before any AWS call', async () => {
    const r = await cli('up', '--name', 'web', '--count', '3');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "error: unknown option '--count' (did you mean --desired-count, --instance-count or --max-count?) (try --help)\n",
    );
  });

  it("names a subcommand's own spelling of up's flag", async () => {
    const r = await cli('instances', 'create', '--instance-type', 't3.small');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: unknown option '--instance-type' (did you mean --max-instances or --type?) (try --help)\n",
    );
  });

  it('says nothing more when no flag is close', async () => {
    const r = await cli('status', '--zzz');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--zzz' (try --help)\n");
  });
});

describe('with an emulator endpoint, timeouts point at the playground', () => {
  it('instances that never register: is the agent stand-in running?', async () => {
    expect((await cli('cluster', 'create', '--name', 'web')).code).toBe(0);
    const r = await cli('instances', 'create', '--count', '1', '--wait-timeout', '2s');
    expect(r.code).toBe(4);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/timed out after \d+s waiting for .*register/);
    expect(errors[0]).toContain('is the agent stand-in running');
    expect(errors[0]).not.toMatch(/NAT|public IP/); // the real-AWS reasons do not apply here
  });

  it('a service whose tasks never run: MOTO_ECS_SERVICE_RUNNING', async () => {
    agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
    const registered = await cli('instances', 'create', '--count', '1', '--wait-timeout', '60s');
    expect(registered.code, registered.stderr).toBe(0);
    expect((await cli('taskdef', 'register', '--image', IMAGE)).code).toBe(0);
    const r = await cli('service', 'create', '--desired-count', '2', '--wait-timeout', '2s');
    expect(r.code).toBe(4);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/waiting for service web to finish its rollout/);
    expect(errors[0]).toContain('MOTO_ECS_SERVICE_RUNNING');
  });

  it('lb probe of a name that does not resolve: one line naming --url, nothing on stdout', async () => {
    const lb = await cli('lb', 'create', '--json');
    expect(lb.code, lb.stderr).toBe(0);
    const dns = JSON.parse(lb.stdout).loadBalancer.dnsName as string;
    const r = await cli('lb', 'probe', '--requests', '20');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.match(/ENOTFOUND|EAI_AGAIN/g) ?? []).toHaveLength(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${dns} does not resolve`);
    expect(errors[0]).toContain('--url http://127.0.0.1:');
  });
});
