/**
 * S3 as a real account answers the calls of an s3:// state where moto 5.2.1 does not (moto does
 * answer 412 PreconditionFailed for If-Match / If-None-Match on PutObject and DeleteObject, with
 * AWS's body, so that needs no rule):
 *  - `s3-conditional-write-conflict`: 409 ConditionalRequestConflict to a conditional PutObject
 *    while another conditional write on the same key is in flight ("retry the upload");
 *  - `s3-slow-down`: 503 SlowDown under a high request rate (retry with backoff);
 *  - `s3-access-denied`: 403 AccessDenied to a principal without s3:* on a bucket (moto allows all).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Gate, rule, type Limits, type Rule, type StrictCall } from './rule.js';
import { awsError } from './wire.js';

const PUT_OBJECT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html';
const CONDITIONAL = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html';
const ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';
const BEST_PRACTICES = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ErrorBestPractices.html';

/** Bucket and key from a path-style URL, and the conditional headers. */
export function s3Params(url: string, headers: IncomingHttpHeaders): Record<string, unknown> {
  const u = new URL(url, 'http://s3');
  const [bucket = '', ...key] = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  return {
    Bucket: bucket,
    ...(key.length ? { Key: key.join('/') } : {}),
    ...(headers['if-match'] ? { IfMatch: String(headers['if-match']) } : {}),
    ...(headers['if-none-match'] ? { IfNoneMatch: String(headers['if-none-match']) } : {}),
  };
}

const conditionalPut = (c: StrictCall) =>
  c.service === 'S3' &&
  c.operation === 'PutObject' &&
  (c.params.IfMatch !== undefined || c.params.IfNoneMatch !== undefined);
const objectOf = (c: StrictCall) => `${String(c.params.Bucket)}/${String(c.params.Key)}`;

/**
 * 409 ConditionalRequestConflict to a conditional PutObject on a key that has another conditional
 * write in flight (always, while enabled). `limits` also forces conflicts with no second writer —
 * as if one were in flight — on the first eligible calls (default: none forced).
 */
export function s3ConditionalConflict(
  limits: Limits = { times: 0 },
  /** Which objects (`bucket/key`) forced conflicts may hit; real concurrency is answered on any. */
  forcedOn: (object: string) => boolean = () => true,
): Rule {
  const gate = new Gate('s3-conditional-write-conflict', limits);
  // Calls let through, until moto answered them. One a later rule answered (answeredBy set) never
  // reached S3, so it does not count as in flight, wherever this rule is in the list.
  const inFlight = new Set<StrictCall>();
  let since: number | undefined;
  return rule(gate, `${PUT_OBJECT} (If-Match, If-None-Match: "409 ConditionalRequestConflict"); ${CONDITIONAL}`, {
    before(call, now) {
      if (!conditionalPut(call)) return undefined;
      since ??= now;
      const key = objectOf(call);
      const busy = gate.enabled && [...inFlight].some((c) => c.answeredBy === undefined && objectOf(c) === key);
      if (busy) gate.fired += 1;
      if (busy || (forcedOn(key) && gate.open(since, now) && gate.hit(key))) {
        return awsError(
          'S3',
          'ConditionalRequestConflict',
          'A conflicting conditional operation is currently in progress against this resource. Please try again.',
          409,
        );
      }
      inFlight.add(call);
      return undefined;
    },
    after(call) {
      inFlight.delete(call);
      return undefined;
    },
  });
}

/** 503 SlowDown to a seeded share of S3 calls (`rate`, default 0.3), never more than 3 in a row per operation. */
export function s3SlowDown(limits: Limits = { rate: 0.3 }): Rule {
  const gate = new Gate('s3-slow-down', limits);
  const run = new Map<string, number>();
  let since: number | undefined;
  return rule(gate, `${ERRORS} (SlowDown, 503); ${BEST_PRACTICES}`, {
    before(call, now) {
      if (call.service !== 'S3') return undefined;
      since ??= now;
      const n = run.get(call.operation) ?? 0;
      if (n >= 3 || !gate.open(since, now) || !gate.hit(call.operation)) {
        run.set(call.operation, 0);
        return undefined;
      }
      run.set(call.operation, n + 1);
      return awsError('S3', 'SlowDown', 'Please reduce your request rate.', 503);
    },
  });
}

/**
 * 403 AccessDenied to every S3 call on `bucket` (or only `operations`): credentials whose policy
 * does not grant them. moto grants everything unless IAM enforcement is on.
 */
export function s3AccessDenied(bucket: string, operations?: readonly string[]): Rule {
  const gate = new Gate('s3-access-denied');
  return rule(gate, `${ERRORS} (AccessDenied, 403)`, {
    before(call, now) {
      if (call.service !== 'S3' || call.params.Bucket !== bucket) return undefined;
      if (operations && !operations.includes(call.operation)) return undefined;
      if (!gate.open(0, now) || !gate.hit(call.operation)) return undefined;
      return awsError('S3', 'AccessDenied', 'Access Denied', 403);
    },
  });
}
