/**
 * main(argv) → exit code. Importable by tests; the only place errors become exit codes and the
 * single stderr line a user sees. Stack traces only with --verbose.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { EcsctlError, ExitCode } from './errors.js';
import { stopSpinners } from './ui/reporter.js';

export async function main(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const emulator =
    argv.some((a) => a === '--endpoint-url' || a.startsWith('--endpoint-url=')) || !!process.env.AWS_ENDPOINT_URL;
  try {
    await buildProgram().parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (e) {
    stopSpinners();
    if (e instanceof CommanderError) {
      // commander printed its one-line message already; help and version exit 0.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return reportError(e, verbose, emulator);
  }
}

function reportError(e: unknown, verbose: boolean, emulator: boolean): number {
  if (e instanceof EcsctlError) {
    if (e.silent) return e.exitCode;
    const hint = (emulator && e.emulatorHint) || e.hint;
    process.stderr.write(`error: ${oneLine(e.message)}${hint ? `. ${oneLine(hint)}` : ''}\n`);
    if (verbose && e.cause instanceof Error) process.stderr.write(`${e.cause.stack}\n`);
    return e.exitCode;
  }
  const name = (e as { name?: string })?.name;
  const isAws = typeof e === 'object' && e !== null && '$metadata' in e;
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`error: ${isAws ? `AWS ${name}: ` : ''}${oneLine(message)}\n`);
  if (verbose && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return ExitCode.Failed;
}

function oneLine(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '')
    .trim();
}
