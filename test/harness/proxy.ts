/**
 * A small HTTP proxy in front of moto that sees every AWS call by service and operation and
 * can delay it, hold it, or answer it itself. The crash tests hold a create call so the CLI can
 * be killed between AWS acting and ecsctl recording; the fault suite answers a share of calls
 * with throttling and 503s.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { answer, forwardOr502, listenLoopback, readBody } from './forward.js';

export interface Call {
  /** "ECS", "EC2", … from the signing scope. */
  readonly service: string;
  /** "CreateCluster", "RunInstances", … */
  readonly operation: string;
  readonly body: string;
  /** REST services (Route 53, S3): the request path with its query. */
  readonly path?: string;
  /** Set once moto has answered (the answer may still be held back from the caller). */
  answered?: boolean;
}

export type Decision =
  | { readonly kind: 'pass' }
  /** Forward, then wait before answering (AWS has acted; the caller has not heard yet). */
  | { readonly kind: 'delay-response'; readonly ms: number }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body: string;
    }
  /** Forward (AWS acts), then answer this instead of what came back: a response lost on the way. */
  | {
      readonly kind: 'forward-then-respond';
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body: string;
    };

export interface Proxy {
  readonly endpoint: string;
  readonly calls: Call[];
  close(): Promise<void>;
}

/** Route 53 is REST-XML: the operation is in the method and path, not in a header or the body. */
const ROUTE53_OPERATIONS: [string, RegExp, string][] = [
  ['GET', /^\/2013-04-01\/hostedzonesbyname/, 'ListHostedZonesByName'],
  ['GET', /^\/2013-04-01\/hostedzone\/[^/]+\/rrset/, 'ListResourceRecordSets'],
  ['POST', /^\/2013-04-01\/hostedzone\/[^/]+\/rrset/, 'ChangeResourceRecordSets'],
  ['GET', /^\/2013-04-01\/hostedzone\/[^/?]+$/, 'GetHostedZone'],
  ['GET', /^\/2013-04-01\/hostedzone(\?|$)/, 'ListHostedZones'],
  ['POST', /^\/2013-04-01\/hostedzone$/, 'CreateHostedZone'],
  ['DELETE', /^\/2013-04-01\/hostedzone\//, 'DeleteHostedZone'],
  ['GET', /^\/2013-04-01\/change\//, 'GetChange'],
];

export function operationOf(headers: IncomingHttpHeaders, body: string, method = 'POST', url = '/'): Call {
  const auth = String(headers.authorization ?? '');
  const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
  if (scope === 's3') return { service: 'S3', operation: s3Operation(method, url, headers), body, path: url };
  const target = headers['x-amz-target'];
  const rest =
    scope === 'route53' ? ROUTE53_OPERATIONS.find(([m, path]) => m === method && path.test(url))?.[2] : undefined;
  const operation =
    rest ??
    (typeof target === 'string' ? target.split('.').pop()! : (new URLSearchParams(body).get('Action') ?? 'unknown'));
  return { service: scope.toUpperCase(), operation, body, ...(scope === 'route53' ? { path: url } : {}) };
}

/** The S3 operation of a path-style request (what --endpoint-url gives): the SDK's `x-id`, else the method. */
export function s3Operation(method: string, url: string, headers: IncomingHttpHeaders): string {
  const u = new URL(url, 'http://s3');
  const xid = u.searchParams.get('x-id');
  if (xid) return xid;
  const object = u.pathname.split('/').filter(Boolean).length > 1;
  const sub = ['versioning', 'location', 'tagging', 'policy', 'delete', 'uploads'].find((q) => u.searchParams.has(q));
  const sub1 = sub ? sub[0]!.toUpperCase() + sub.slice(1) : '';
  switch (method) {
    case 'HEAD':
      return object ? 'HeadObject' : 'HeadBucket';
    case 'GET':
      return object ? 'GetObject' : sub ? `GetBucket${sub1}` : 'ListObjects';
    case 'PUT':
      if (object) return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
      return sub ? `PutBucket${sub1}` : 'CreateBucket';
    case 'DELETE':
      return object ? 'DeleteObject' : 'DeleteBucket';
    default:
      return sub === 'delete' ? 'DeleteObjects' : `${method} ${u.pathname}`;
  }
}

export async function startProxy(
  target: string,
  /** May answer later (a rule that first reads moto's state): the call waits for it. */
  decide: (call: Call) => Decision | Promise<Decision> = () => ({ kind: 'pass' }),
): Promise<Proxy> {
  const upstream = new URL(target);
  const calls: Call[] = [];
  const { endpoint, close } = await listenLoopback(async (req, res) => {
    const body = await readBody(req);
    const call = operationOf(req.headers, body.toString(), req.method, req.url);
    calls.push(call);
    // A rule may read moto's state first (it answers later); one that throws answers 599, named.
    const decision = await Promise.resolve(decide(call)).catch((e: unknown): Decision => ({
      kind: 'respond',
      status: 599,
      body: `proxy rule failed: ${String(e)}`,
    }));
    if (decision.kind === 'respond') return answer(res, decision);
    const up = await forwardOr502(upstream, req, body, res);
    if (!up) return;
    call.answered = true;
    const send = () => {
      if (decision.kind === 'forward-then-respond') return answer(res, decision);
      res.writeHead(up.status, up.headers);
      res.end(up.body);
    };
    if (decision.kind === 'delay-response') setTimeout(send, decision.ms);
    else send();
  });
  return { endpoint, calls, close };
}
