/**
 * `lb probe`: the walkthrough's last check ("open the load balancer's DNS name and watch the
 * hostname change") as N sequential HTTP requests. Each response's first body line names the
 * backend that answered (the sample app prints its hostname). Every request counts: there are no
 * retries, so a flaky target shows up as a failure instead of being hidden.
 */
import { missingStep, OperationError } from '../../errors.js';
import { httpGet } from './http-get.js';
import type { State } from '../../state/schema.js';
import type { Reporter } from '../../ui/reporter.js';

export interface ProbeSample {
  /** 1-based position in the run. */
  readonly n: number;
  readonly status?: number;
  /** First non-empty line of the body, trimmed (set for every response, failed or not). */
  readonly backend?: string;
  /** Why no response arrived ("timeout after 5s", "ECONNREFUSED", …). */
  readonly error?: string;
  readonly ms: number;
}

export interface ProbeSummary {
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Distinct backends among successful responses, most frequent first. */
  readonly backends: { readonly backend: string; readonly count: number }[];
  readonly failures: { readonly n: number; readonly status?: number; readonly error?: string }[];
  readonly minBackends: number;
  readonly passed: boolean;
  /** Why it did not pass, as one sentence. */
  readonly reason?: string;
}

const MAX_BACKEND_CHARS = 120;

/** The label a response body gets: its first non-empty line, trimmed and capped. */
export function backendOf(body: string): string {
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return '(empty body)';
  return line.length > MAX_BACKEND_CHARS ? `${line.slice(0, MAX_BACKEND_CHARS - 1)}…` : line;
}

/** 2xx and 3xx are answers from a working backend; 4xx/5xx (an ALB's 502/503 too) are failures. */
export const isSuccess = (status: number) => status >= 200 && status < 400;

/**
 * Pure statistics over a run: passes only when every request succeeded and at least
 * `minBackends` distinct backends answered.
 */
export function summarizeProbe(samples: readonly ProbeSample[], minBackends: number): ProbeSummary {
  const counts = new Map<string, number>();
  const failures: ProbeSummary['failures'][number][] = [];
  for (const s of samples) {
    if (s.status !== undefined && isSuccess(s.status)) {
      const key = s.backend ?? '(empty body)';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } else
      failures.push({
        n: s.n,
        ...(s.status !== undefined ? { status: s.status } : {}),
        ...(s.error ? { error: s.error } : {}),
      });
  }
  const backends = [...counts]
    .map(([backend, count]) => ({ backend, count }))
    .sort((a, b) => b.count - a.count || a.backend.localeCompare(b.backend));
  const reasons: string[] = [];
  if (samples.length === 0) reasons.push('no requests were sent');
  else if (failures.length > 0) reasons.push(`${failures.length} of ${samples.length} requests failed`);
  if (samples.length > 0 && backends.length < minBackends) {
    reasons.push(
      `${backends.length} distinct backend${backends.length === 1 ? '' : 's'} answered, fewer than the ${minBackends} required (--min-backends)`,
    );
  }
  return {
    requests: samples.length,
    succeeded: samples.length - failures.length,
    failed: failures.length,
    backends,
    failures,
    minBackends,
    passed: reasons.length === 0,
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
  };
}

/**
 * The default for --min-backends: 2, because seeing the hostname change is the point of the
 * check; 1 when the recorded service says it runs a single task (then 2 can never happen).
 */
export function defaultMinBackends(state: State): number {
  const desired = state.service?.desiredCount;
  return typeof desired === 'number' && desired < 2 ? 1 : 2;
}

/** The load balancer's address as a browser would use it (the port only when it is not 80). */
export function urlOf(dnsName: string, port: number): string {
  return `http://${dnsName}${port === 80 ? '' : `:${port}`}`;
}

/**
 * https://<domain><path> once the stack serves HTTPS at its domain, else
 * http://<recorded DNS name>[:<listener port>]<path>; a usage error when no LB is recorded.
 */
export function probeUrlFromState(state: State, path: string): string {
  if (!state.loadBalancer?.dnsName) throw missingStep('load balancer', 'lb create');
  if (state.domain && state.httpsListener) return `https://${state.domain.fqdn}${path}`;
  return `${urlOf(state.loadBalancer.dnsName, state.listener?.port ?? 80)}${path}`;
}

export interface ProbeInput {
  readonly url: string;
  readonly requests: number;
  readonly timeoutMs: number;
  readonly minBackends: number;
  /** PEM CA certificate(s) to trust for https:// besides the system's roots (--ca-file). */
  readonly ca?: string;
}

export interface ProbeDeps {
  readonly report: Reporter;
  readonly now: () => number;
  /** SIGINT: stop between requests. */
  readonly signal?: AbortSignal;
  readonly get?: typeof httpGet;
}

export type ProbeResult = ProbeSummary & { readonly url: string; readonly samples: ProbeSample[] };

/** Sends the requests one after another, narrating each on stderr, and summarizes them. */
export async function runProbe(deps: ProbeDeps, input: ProbeInput): Promise<ProbeResult> {
  const get = deps.get ?? httpGet;
  const samples: ProbeSample[] = [];
  const width = String(input.requests).length;
  for (let n = 1; n <= input.requests; n++) {
    deps.signal?.throwIfAborted();
    const started = deps.now();
    let sample: ProbeSample;
    try {
      // Redirects are not followed: a 301 is the answer being probed (HTTP → HTTPS on a --domain stack).
      const res = await get(input.url, {
        timeoutMs: input.timeoutMs,
        signal: deps.signal,
        ...(input.ca ? { ca: input.ca } : {}),
        headers: { 'user-agent': 'ecsctl-probe' },
      });
      sample = { n, status: res.status, backend: backendOf(res.body), ms: deps.now() - started };
    } catch (e) {
      deps.signal?.throwIfAborted();
      // node:http puts the code on the error itself (fetch, on its cause).
      const code = (e as { code?: string })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
      // A name that does not resolve fails every request alike: say it once, not twenty times.
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw unresolvable(input.url, code, e);
      sample = { n, error: describeFailure(e, input.timeoutMs), ms: deps.now() - started };
    }
    samples.push(sample);
    const head = `[${String(n).padStart(width)}/${input.requests}]`;
    deps.report.info(
      sample.status !== undefined
        ? `${head} ${sample.status} ${sample.ms}ms ${sample.backend}`
        : `${head} failed after ${sample.ms}ms: ${sample.error}`,
    );
  }
  return { url: input.url, ...summarizeProbe(samples, input.minBackends), samples };
}

function unresolvable(url: string, code: string, cause: unknown): OperationError {
  return new OperationError(`${new URL(url).hostname} does not resolve (${code}), so nothing was probed`, {
    cause,
    hint: "A new load balancer's name can take a few minutes to resolve: try again shortly, or probe an address directly with --url http://HOST:PORT/",
    // The playground runs no containers, so there is nothing behind its load balancer to reach.
    emulatorHint:
      "Emulators' load balancer names never resolve and nothing runs behind them: probe a server you run with --url http://127.0.0.1:PORT/ (on AWS, lb probe needs no --url)",
  });
}

function describeFailure(e: unknown, timeoutMs: number): string {
  const name = (e as { name?: string })?.name;
  if (name === 'TimeoutError') return `timeout after ${timeoutMs / 1000}s`;
  const code = (e as { code?: string })?.code;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return code ?? cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/** The stdout table: one row per distinct backend with its count, then the verdict. */
export function renderProbe(r: ProbeResult): string {
  const rows = r.backends.map((b) => [b.backend, String(b.count)]);
  const width = Math.max('backend (first line of the response)'.length, ...rows.map(([b]) => b!.length));
  const lines = [
    `${'backend (first line of the response)'.padEnd(width)}  responses`,
    ...rows.map(([b, c]) => `${b!.padEnd(width)}  ${c}`),
  ];
  for (const f of r.failures)
    lines.push(`request ${f.n} failed: ${f.status !== undefined ? `HTTP ${f.status}` : f.error}`);
  lines.push(
    `${r.requests} requests to ${r.url}: ${r.succeeded} ok, ${r.failed} failed; ${r.backends.length} distinct backend${r.backends.length === 1 ? '' : 's'} (at least ${r.minBackends} required)`,
  );
  return lines.join('\n');
}
