/**
 * Progress goes to stderr, results to stdout. On a terminal a step shows an ora spinner; when
 * stderr is not a terminal, under CI, with NO_COLOR or with --json it prints plain lines.
 * Steps never format for a terminal themselves: they call step/info/warn.
 */
import type { Ora } from 'ora';
import { terminal, type Terminal } from './terminal.js';

export interface Reporter {
  /** Runs one unit of work under a progress line; `update` refines its detail text. */
  step<T>(title: string, work: (update: (detail: string) => void) => Promise<T>): Promise<T>;
  info(message: string): void;
  warn(message: string): void;
}

export interface ReporterOptions {
  readonly interactive: boolean;
  /** Where lines go (the runner's, so they stay above a progress block); default: plain stderr. */
  readonly terminal?: Terminal;
  readonly stream?: NodeJS.WriteStream;
  readonly now?: () => number;
}

/** Whether spinners and redraws are allowed on stderr. */
export function isInteractive(json: boolean): boolean {
  return (
    !json &&
    process.stderr.isTTY === true &&
    !process.env.CI &&
    process.env.NO_COLOR === undefined &&
    process.env.TERM !== 'dumb'
  );
}

const live = new Set<Ora>();

/** Leave no spinner turning above an error message. */
export function stopSpinners(): void {
  for (const s of live) if (s.isSpinning) s.stop();
  live.clear();
}

export function consoleReporter(options: ReporterOptions): Reporter {
  const out = options.stream ?? process.stderr;
  const term = options.terminal ?? terminal({ interactive: false, stream: out });
  const now = options.now ?? Date.now;
  const secs = (since: number) => `${((now() - since) / 1000).toFixed(1)}s`;
  return {
    async step(title, work) {
      const started = now();
      if (options.interactive) {
        const { default: ora } = await import('ora');
        const spinner = ora({ text: title, stream: out }).start();
        live.add(spinner);
        try {
          const value = await work((detail) => {
            spinner.text = `${title}: ${detail}`;
          });
          spinner.succeed(`${title} (${secs(started)})`);
          return value;
        } catch (e) {
          spinner.fail(`${title} (${secs(started)})`);
          throw e;
        } finally {
          live.delete(spinner);
        }
      }
      term.line(`… ${title}`);
      let last = '';
      try {
        const value = await work((detail) => {
          if (detail !== last) term.line(`  ${title}: ${detail}`);
          last = detail;
        });
        term.line(`✓ ${title} (${secs(started)})`);
        return value;
      } catch (e) {
        term.line(`✗ ${title} (${secs(started)})`);
        throw e;
      }
    },
    info: (m) => term.line(`  ${m}`),
    warn: (m) => term.line(`! ${m}`),
  };
}

/** Test double: keeps every line so tests can assert on narration. */
export function recordingReporter(): Reporter & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    async step(title, work) {
      lines.push(`step: ${title}`);
      return work((d) => void lines.push(`  ${title}: ${d}`));
    },
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warn: ${m}`),
  };
}
