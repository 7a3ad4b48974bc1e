/**
 * Output conventions, for every command at once, against a live moto with the agent and scheduler
 * stand-ins (one `up` builds a whole stack that every read command can show):
 *   - results on stdout, progress on stderr;
 *   - `--json` prints one parseable JSON document for every command that shows something;
 *   - no ANSI escape or spinner character when stdout/stderr are not a terminal, with CI=true
 *     and with CI unset plus NO_COLOR;
 *   - every command's --help has a one-line purpose, option descriptions that are full sentences
 *     and an "Examples:" block with at least two examples. This walks the commander program, so
 *     a command added later cannot skip it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { buildProgram } from '../../src/cli/program.js';
import { runCli, type CliOptions, type CliResult } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { verifyClients } from '../harness/aws.js';

const IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';
/** CSI sequences (colour, cursor movement, line erase) and the spinner frames ora draws. */
// eslint-disable-next-line no-control-regex -- ESC is exactly what this looks for
const ANSI = /\x1b\[/;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
/** Both ways a non-terminal run may be configured: CI set, or CI unset with NO_COLOR. */
const PLAIN_ENVS: Record<string, Record<string, string | undefined>> = {
  'CI=true': { CI: 'true' },
  'CI unset, NO_COLOR=1': { CI: undefined, NO_COLOR: '1' },
};

let moto: Moto;
let agent: StandinAgent;
let scheduler: Scheduler;
let opts: CliOptions;
const cli = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  runCli(args, { ...opts, env: { ...opts.env, ...env } });

beforeAll(async () => {
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '2' });
  agent = startAgent({ endpoint: moto.endpoint });
  scheduler = startScheduler({ endpoint: moto.endpoint });
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-conventions-')),
    endpoint: moto.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
  const up = await cli(['up', '--name', 'conv', '--image', IMAGE, '--instance-count', '1', '--desired-count', '2']);
  expect(up.code, up.stderr).toBe(0);
  const svc = await verifyClients(moto.endpoint).ecs.send(
    new DescribeServicesCommand({ cluster: 'conv', services: ['conv'] }),
  );
  expect(svc.services?.[0]?.status).toBe('ACTIVE');
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([agent?.stop(), scheduler?.stop()]);
  await moto?.stop();
});

/** Every command that shows something, with its --json form. */
const SHOWING: string[][] = [
  ['repo', 'show'],
  ['image', 'list'],
  ['cluster', 'show'],
  ['instances', 'list'],
  ['taskdef', 'show'],
  ['taskdef', 'list'],
  ['lb', 'show'],
  ['service', 'show'],
  ['status'],
  ['up', '--dry-run'],
  ['down', '--dry-run'],
  // Mutating commands show their result too; on a converged stack these change nothing.
  ['repo', 'create'],
  ['cluster', 'create'],
  ['up', '--image', IMAGE, '--instance-count', '1', '--desired-count', '2'],
];

describe('--json', () => {
  for (const args of SHOWING) {
    it(`ecsctl ${args.join(' ')} --json prints one JSON document on stdout`, async () => {
      const r = await cli([...args, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(() => JSON.parse(r.stdout), r.stdout).not.toThrow();
      expect(JSON.parse(r.stdout)).toBeTypeOf('object');
    });
  }
});

describe('results on stdout, progress on stderr', () => {
  it('up: the progress lines go to stderr, the summary to stdout', async () => {
    const r = await cli(['up', '--image', IMAGE, '--instance-count', '1', '--desired-count', '2']);
    expect(r.code, r.stderr).toBe(0);
    // The stack exists already (built for the whole file), so the summary says it is unchanged.
    expect(r.stdout).toMatch(/stack conv: every step unchanged/);
    expect(r.stderr).toMatch(/✓ ECS cluster/);
    expect(r.stdout).not.toMatch(/✓|running\s*$/m);
    expect(r.stderr).not.toMatch(/every step unchanged/);
  });

  it('status and cluster show: the result on stdout, nothing of it on stderr', async () => {
    for (const args of [['status'], ['cluster', 'show']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/conv/);
      expect(r.stderr).not.toMatch(/arn:aws:ecs/);
    }
  });

  it('a usage error is one line on stderr and nothing on stdout', async () => {
    const r = await cli(['up', '--desired-count', 'many']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('no colour or spinner when not a terminal', () => {
  for (const [label, env] of Object.entries(PLAIN_ENVS)) {
    it(`${label}: up, status, down --dry-run and an error print no ANSI sequence or spinner frame`, async () => {
      const runs = [
        await cli(['up', '--image', IMAGE, '--instance-count', '1', '--desired-count', '2'], env),
        await cli(['status'], env),
        await cli(['down', '--dry-run'], env),
        await cli(['service', 'show', '--events', '5'], env),
        await cli(['cluster', 'show', '--state', join(opts.cwd, 'missing.json')], env),
        await cli(['--help'], env),
      ];
      expect(runs.slice(0, 4).map((r) => r.code)).toEqual([0, 0, 0, 0]);
      for (const r of runs) {
        expect(r.stdout + r.stderr).not.toMatch(ANSI);
        expect(r.stdout + r.stderr).not.toMatch(SPINNER);
      }
    });
  }
});

describe('every command teaches in its --help', () => {
  /** Every command, subcommands included, with the help text commander prints for it. */
  function commands(cmd: Command, path: string[] = []): Array<{ path: string; cmd: Command }> {
    return cmd.commands.flatMap((c) => [
      { path: [...path, c.name()].join(' '), cmd: c },
      ...commands(c, [...path, c.name()]),
    ]);
  }
  function helpOf(cmd: Command): string {
    let text = '';
    cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
    cmd.outputHelp();
    return text;
  }
  const program = buildProgram();
  const all = [{ path: '(root)', cmd: program }, ...commands(program)];

  it('finds every command (this walk is what keeps new commands in line)', () => {
    expect(all.length).toBeGreaterThan(30);
    expect(all.map((c) => c.path)).toEqual(
      expect.arrayContaining(['up', 'down', 'status', 'completion', 'repo create', 'lb probe']),
    );
  });

  for (const { path, cmd } of all) {
    it(`ecsctl ${path} --help: one-line purpose, full-sentence options, two examples`, () => {
      const purpose = cmd.description();
      expect(purpose, 'purpose').toMatch(/^[A-Z].*[.)]$/);
      expect(purpose, 'purpose').not.toContain('\n');
      for (const o of cmd.options) {
        expect(o.description, `${o.flags}`).toMatch(/^[A-Z$`].*(\.|\.\))$/s);
      }
      for (const a of cmd.registeredArguments) expect(a.description, `<${a.name()}>`).toMatch(/^[A-Z].*\.$/);
      const help = helpOf(cmd);
      const block = /\nExamples:\n((?: {2}ecsctl .+\n?)+)/.exec(help);
      expect(block, `no Examples: block in\n${help}`).not.toBeNull();
      expect(block![1]!.trim().split('\n').length, 'examples').toBeGreaterThanOrEqual(2);
    });
  }
});
