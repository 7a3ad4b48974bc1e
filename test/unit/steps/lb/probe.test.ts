import { afterEach, describe, expect, it } from 'vitest';
import {
  backendOf,
  defaultMinBackends,
  probeUrlFromState,
  renderProbe,
  runProbe,
  summarizeProbe,
  type ProbeSample,
} from '../../../../src/steps/lb/probe.js';
import { emptyState } from '../../../../src/state/schema.js';
import { recordingReporter } from '../../../../src/ui/reporter.js';
import { startBackends, type Backends } from '../../../harness/backends.js';

const ok = (n: number, backend: string): ProbeSample => ({ n, status: 200, backend, ms: 1 });

describe('summarizeProbe', () => {
  it('passes when every request succeeded and enough distinct backends answered, most frequent first', () => {
    const s = summarizeProbe([ok(1, 'b'), ok(2, 'a'), ok(3, 'b'), ok(4, 'c')], 2);
    expect(s).toMatchObject({ requests: 4, succeeded: 4, failed: 0, passed: true, failures: [] });
    expect(s.backends).toEqual([
      { backend: 'b', count: 2 },
      { backend: 'a', count: 1 },
      { backend: 'c', count: 1 },
    ]);
    expect(s.reason).toBeUndefined();
  });

  it('fails on any failed request, even when enough backends answered (no retries hide it)', () => {
    const s = summarizeProbe(
      [
        ok(1, 'a'),
        { n: 2, status: 503, backend: '<html>', ms: 1 },
        ok(3, 'b'),
        { n: 4, error: 'timeout after 5s', ms: 5000 },
      ],
      2,
    );
    expect(s.passed).toBe(false);
    expect(s.failures).toEqual([
      { n: 2, status: 503 },
      { n: 4, error: 'timeout after 5s' },
    ]);
    expect(s.backends.map((b) => b.backend)).toEqual(['a', 'b']); // the 503 page is not a backend
    expect(s.reason).toBe('2 of 4 requests failed');
  });

  it('fails when fewer distinct backends answered than required; --min-backends 1 accepts one', () => {
    const same = [ok(1, 'a'), ok(2, 'a'), ok(3, 'a')];
    expect(summarizeProbe(same, 2)).toMatchObject({
      passed: false,
      reason: '1 distinct backend answered, fewer than the 2 required (--min-backends)',
    });
    expect(summarizeProbe(same, 1).passed).toBe(true);
  });

  it('counts 3xx as answers and an empty run as not passing', () => {
    expect(summarizeProbe([{ n: 1, status: 301, backend: 'x', ms: 1 }], 1).passed).toBe(true);
    expect(summarizeProbe([], 1)).toMatchObject({ passed: false, reason: 'no requests were sent' });
  });
});

describe('backendOf', () => {
  it('is the first non-empty line, trimmed and capped', () => {
    expect(backendOf('\n  ip-10-0-1-5  \nmore')).toBe('ip-10-0-1-5');
    expect(backendOf('   \n')).toBe('(empty body)');
    expect(backendOf('x'.repeat(500))).toHaveLength(120);
  });
});

describe('defaults and URL', () => {
  it('wants 2 backends unless the recorded service runs one task', () => {
    const state = emptyState('web', 'us-east-1');
    expect(defaultMinBackends(state)).toBe(2);
    expect(defaultMinBackends({ ...state, service: { name: 'web', arn: 'a', desiredCount: 10 } })).toBe(2);
    expect(defaultMinBackends({ ...state, service: { name: 'web', arn: 'a', desiredCount: 1 } })).toBe(1);
  });

  it('builds the URL from the recorded DNS name and listener port, or asks for lb create', () => {
    const state = {
      ...emptyState('web', 'us-east-1'),
      loadBalancer: { name: 'web-lb', arn: 'a', dnsName: 'web-lb-1.example' },
    };
    expect(probeUrlFromState(state, '/')).toBe('http://web-lb-1.example/');
    expect(probeUrlFromState({ ...state, listener: { arn: 'l', port: 8081 } }, '/health')).toBe(
      'http://web-lb-1.example:8081/health',
    );
    expect(() => probeUrlFromState(emptyState('web', 'us-east-1'), '/')).toThrow(/no load balancer recorded/);
  });
});

describe('runProbe against a local server on 127.0.0.1', () => {
  let server: Backends | undefined;
  afterEach(async () => server?.close());
  const deps = () => ({ report: recordingReporter(), now: Date.now });

  it('sees the hostnames rotate and passes', async () => {
    server = await startBackends({ hostnames: ['task-a', 'task-b', 'task-c'] });
    const d = deps();
    const r = await runProbe(d, { url: server.url, requests: 6, timeoutMs: 5_000, minBackends: 2 });
    expect(r.passed).toBe(true);
    expect(r.backends).toEqual([
      { backend: 'task-a', count: 2 },
      { backend: 'task-b', count: 2 },
      { backend: 'task-c', count: 2 },
    ]);
    expect(server.count()).toBe(6); // sequential, one request each, no retries
    expect(d.report.lines).toHaveLength(6);
    expect(d.report.lines[0]).toMatch(/^\[1\/6\] 200 \d+ms task-a$/);
    expect(renderProbe(r)).toMatch(/task-a\s+2\n/);
  });

  it('reports a failing backend and a hung one without retrying them', async () => {
    server = await startBackends({
      hostnames: ['task-a', 'task-b', 'task-c'],
      fail: (n) => n === 2,
      hang: (n) => n === 4,
    });
    const r = await runProbe(deps(), { url: server.url, requests: 5, timeoutMs: 2_000, minBackends: 2 });
    expect(r.passed).toBe(false);
    // 2 s: long enough for a cold first request on a loaded CI machine; the hung one needs it all.
    expect(r.failures).toEqual([
      { n: 2, status: 503 },
      { n: 4, error: 'timeout after 2s' },
    ]);
    expect(server.count()).toBe(5);
    expect(r.reason).toBe('2 of 5 requests failed');
  });

  it('a refused connection is a failure with its error code', async () => {
    server = await startBackends({ hostnames: ['x'] });
    const url = server.url;
    await server.close();
    server = undefined;
    const r = await runProbe(deps(), { url, requests: 1, timeoutMs: 2_000, minBackends: 1 });
    expect(r.failures).toEqual([{ n: 1, error: 'ECONNREFUSED' }]);
  });
});
