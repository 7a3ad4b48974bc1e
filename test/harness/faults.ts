/**
 * Deterministic AWS faults for the proxy (test/harness/proxy.ts): a seeded hash of
 * (seed, service, operation, n-th call of that operation) picks which calls are answered by the
 * proxy itself — never forwarded, so AWS has not acted — with a throttling error in the wire
 * format of the service's protocol, or a bare HTTP 503. The same seed gives the same faults for
 * the same sequence of calls per operation, whatever the interleaving between operations.
 */
import type { Call, Decision } from './proxy.js';

export interface FaultCounts {
  total: number;
  throttled: number;
  unavailable: number;
  /** 503s sent after forwarding: AWS acted, the answer was lost (only with lostShare > 0). */
  lost: number;
  /** Faults per "SERVICE.Operation". */
  readonly byOperation: Record<string, number>;
}

export interface FaultInjector {
  readonly decide: (call: Call) => Decision;
  readonly counts: FaultCounts;
  /** Calls seen (faulted or not). */
  calls(): number;
  /** Stops injecting (for reading back through the same proxy). */
  enabled: boolean;
}

/** mulberry32 over an FNV-1a hash of the key: a PRNG draw in [0, 1) that depends only on the key. */
export function draw(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  let t = (h += 0x6d2b79f5);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const JSON_SERVICES = new Set(['ECS', 'ECR', 'SSM', 'LOGS']);

/** The throttling answer AWS gives in each protocol (what the SDK's deserializers read the error code from). */
export function throttle(service: string): Decision {
  if (JSON_SERVICES.has(service)) {
    return {
      kind: 'respond',
      status: 400,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': 'ThrottlingException',
        'x-amzn-requestid': 'fault',
      },
      body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
    };
  }
  if (service === 'S3') {
    // S3's throttling is 503 SlowDown in its REST-XML error body (S3 API reference, "Error responses").
    return {
      kind: 'respond',
      status: 503,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault</RequestId><HostId>fault</HostId></Error>',
    };
  }
  if (service === 'EC2') {
    return {
      kind: 'respond',
      status: 503,
      headers: { 'content-type': 'text/xml;charset=UTF-8' },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault</RequestID></Response>',
    };
  }
  // awsQuery (ELBv2, IAM, STS)
  return {
    kind: 'respond',
    status: 400,
    headers: { 'content-type': 'text/xml' },
    body: '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>',
  };
}

export const UNAVAILABLE = {
  kind: 'respond',
  status: 503,
  headers: { 'content-type': 'text/plain' },
  body: 'Service Unavailable',
} as const satisfies Decision;

/**
 * Faults `rate` of calls (by the seeded draw), a third of them as 503 and the rest as throttling;
 * never more than `maxRun` in a row for one operation, so one call's retries (8 attempts) are
 * never exhausted by the injector alone.
 */
export function faultInjector(seed: number, rate = 0.3, maxRun = 3, lostShare = 0): FaultInjector {
  const seen = new Map<string, number>();
  const run = new Map<string, number>();
  const counts: FaultCounts = { total: 0, throttled: 0, unavailable: 0, lost: 0, byOperation: {} };
  let calls = 0;
  const injector: FaultInjector = {
    counts,
    enabled: true,
    calls: () => calls,
    decide(call) {
      calls += 1;
      const op = `${call.service}.${call.operation}`;
      const n = (seen.get(op) ?? 0) + 1;
      seen.set(op, n);
      if (!injector.enabled || (run.get(op) ?? 0) >= maxRun || draw(`${seed}/${op}/${n}`) >= rate) {
        run.set(op, 0);
        return { kind: 'pass' };
      }
      run.set(op, (run.get(op) ?? 0) + 1);
      counts.total += 1;
      counts.byOperation[op] = (counts.byOperation[op] ?? 0) + 1;
      const kind = draw(`${seed}/${op}/${n}/kind`);
      if (kind < lostShare) {
        counts.lost += 1;
        return { ...UNAVAILABLE, kind: 'forward-then-respond' as const };
      }
      if (kind < 1 / 3) {
        counts.unavailable += 1;
        return UNAVAILABLE;
      }
      counts.throttled += 1;
      return throttle(call.service);
    },
  };
  return injector;
}
