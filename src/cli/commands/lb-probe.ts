/**
 * `lb probe`: requests to the load balancer one after another, counting the distinct backends
 * that answer. No AWS call: the URL comes from the state, or from --url without any state.
 */
import type { Command } from 'commander';
import { OperationError, UsageError } from '../../errors.js';
import { LB_DEFAULTS as D } from '../../settings/defaults.js';
import type { ProbeResult } from '../../steps/lb/probe.js';
import { consoleReporter } from '../../ui/reporter.js';
import * as v from '../../util/validate.js';
import { examples, globalsOf, option as opt, runCommand } from './common.js';

export function registerLbProbe(lb: Command): void {
  lb.command('probe')
    .description(
      'Send HTTP requests to the load balancer one after another and count the distinct backends (first body line, e.g. the hostname) that answer.',
    )
    .addOption(
      opt('--requests <n>', 'Number of requests to send, 1 to 1000.', (x, f) => v.integer(x, f, 1, 1000), {
        value: D.probe.requests,
        text: '20',
      }),
    )
    .addOption(
      opt(
        '--path <path>',
        'Path to request on the load balancer (ignored with --url, which is used as given).',
        v.healthPath,
        { value: '/', text: '/' },
      ),
    )
    .addOption(
      opt('--url <url>', 'Probe this URL instead of the recorded load balancer (no state file needed).', v.httpUrl),
    )
    .addOption(
      opt(
        '--min-backends <n>',
        'Fail unless at least this many distinct backends answered (default: 2, or 1 when the recorded service runs one task).',
        (x, f) => v.integer(x, f, 1, 1000),
      ),
    )
    .addOption(
      opt(
        '--timeout <duration>',
        'How long each request may take before it counts as failed.',
        (x, f) => v.duration(x, f, 120_000),
        { value: D.probe.timeoutMs, text: '5s' },
      ),
    )
    .addOption(
      opt(
        '--ca-file <pem>',
        "Also trust the CA certificate(s) in this PEM file for https:// (e.g. a private CA); certificates are always verified (default: the system's roots only).",
        (x) => x,
      ),
    )
    .addHelpText(
      'after',
      examples('lb probe', 'lb probe --url https://app.example.com/health --ca-file ./ca.pem --min-backends 1'),
    )
    .action(
      async (
        opts: { requests: number; path: string; url?: string; minBackends?: number; timeout: number; caFile?: string },
        cmd: Command,
      ) => {
        if (opts.minBackends !== undefined && opts.minBackends > opts.requests) {
          throw new UsageError(`--min-backends (${opts.minBackends}) cannot exceed --requests (${opts.requests})`);
        }
        const ca = opts.caFile ? await readCaFile(opts.caFile) : undefined;
        const probe = await import('../../steps/lb/probe.js');
        const raw = globalsOf(cmd);
        let result: ProbeResult | undefined;
        const input = { requests: opts.requests, timeoutMs: opts.timeout, ...(ca ? { ca } : {}) };
        if (opts.url) {
          const url = opts.url;
          // An explicit URL needs neither AWS nor the state file: a local command.
          await runCommand(raw, {
            command: 'lb probe',
            local: async (_g, io) =>
              (result = await probe.runProbe(
                { report: consoleReporter({ interactive: false, terminal: io.terminal }), now: Date.now },
                { ...input, url, minBackends: opts.minBackends ?? 2 },
              )),
            render: probe.renderProbe,
          });
        } else {
          await runCommand(raw, {
            command: 'lb probe',
            services: [],
            mutates: false,
            run: async (ctx) =>
              (result = await probe.runProbe(ctx, {
                ...input,
                url: probe.probeUrlFromState(ctx.state.current, opts.path),
                minBackends: opts.minBackends ?? probe.defaultMinBackends(ctx.state.current),
              })),
            render: probe.renderProbe,
          });
        }
        if (result && !result.passed) throw new OperationError(`probe failed: ${result.reason}`);
      },
    );
}

/** The PEM text of --ca-file, read before anything else happens: unreadable or not PEM is exit 2. */
async function readCaFile(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--ca-file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(`--ca-file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}
