/**
 * `ecsctl completion`: the scripts are generated from the commander program, so each one names
 * every command and subcommand the program has; bash accepts the bash script; and printing one
 * loads no AWS SDK client (every client package is mocked to throw if imported).
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';
import { completionScript, SHELLS } from '../../../src/cli/completion.js';
import { main } from '../../../src/main.js';

for (const pkg of ['ec2', 'ecs', 'ecr', 'elastic-load-balancing-v2', 'iam', 'ssm', 'cloudwatch-logs']) {
  vi.doMock(`@aws-sdk/client-${pkg}`, () => {
    throw new Error(`@aws-sdk/client-${pkg} was loaded`);
  });
}

/** Every command path of the program, e.g. ['repo'], ['repo', 'create']. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

afterEach(() => vi.restoreAllMocks());

describe('completion scripts', () => {
  const program = buildProgram();
  const paths = commandPaths(program);

  it('walks a program that has the commands a user sees', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['repo create', 'image push', 'up', 'down', 'status', 'completion', 'lb probe']),
    );
  });

  for (const shell of SHELLS) {
    it(`${shell}: mentions every command and subcommand, and every option of one`, () => {
      const script = completionScript(program, shell);
      for (const path of paths) {
        const name = path.at(-1)!;
        // bash and zsh list each command path; fish names each command after -a.
        const mentioned = shell === 'fish' ? script.includes(`-a ${name} `) : script.includes(`'${path.join(' ')}'`);
        expect(mentioned, `${shell} script lacks ${path.join(' ')}`).toBe(true);
      }
      const upOptions = program.commands.find((c) => c.name() === 'up')!.options.map((o) => o.long!);
      for (const long of upOptions) expect(script).toContain(shell === 'fish' ? `-l ${long.slice(2)} ` : long);
    });
  }

  it('bash -n accepts the bash script, and it completes subcommands when sourced', () => {
    const script = completionScript(program, 'bash');
    execFileSync('bash', ['-n'], { input: script });
    const out = execFileSync(
      'bash',
      [
        '-c',
        `${script}
COMP_WORDS=(ecsctl --state x.json repo cr); COMP_CWORD=4; _ecsctl; echo "\${COMPREPLY[*]}"
COMP_WORDS=(ecsctl completion ''); COMP_CWORD=2; _ecsctl; echo "\${COMPREPLY[*]}"`,
      ],
      { encoding: 'utf8' },
    );
    const [sub, shells] = out.split('\n');
    expect(sub).toBe('create');
    expect(shells).toMatch(/^bash zsh fish /);
  });

  it('`ecsctl completion bash` prints the script through main() without loading the AWS SDK', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    expect(await main(['node', 'ecsctl', 'completion', 'bash'])).toBe(0);
    expect(out).toBe(completionScript(buildProgram(), 'bash'));
  });

  it('an unknown shell is one line on stderr and exit 2', async () => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['node', 'ecsctl', 'completion', 'tcsh'])).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/tcsh.*bash, zsh, fish/);
  });
});
