/**
 * The strict-AWS proxy: sits in front of moto and applies rules (rules.ts, shapes.ts) that make
 * moto answer as a real account does where it is lenient. A rule's `before` answers a call in
 * the service's own wire format without forwarding it (AWS refused it); its `after` sees moto's
 * answer and may rewrite it. Every call is kept, with the rule that answered it, so tests can
 * count what ecsctl sent and what the rules did.
 */
import { answer, forwardOr502, listenLoopback, readBody } from '../forward.js';
import { operationOf } from '../proxy.js';
import type { Rule, StrictCall } from './rule.js';
import { s3Params } from './s3.js';
import { paramsOf } from './wire.js';

export interface StrictProxy {
  readonly endpoint: string;
  readonly calls: StrictCall[];
  readonly rules: readonly Rule[];
  /** Switch every rule off (e.g. to read back through the proxy) or on. */
  setEnabled(on: boolean): void;
  close(): Promise<void>;
}

export function regionOf(authorization: string): string {
  return /Credential=[^/]+\/\d+\/([^/]+)\//.exec(authorization)?.[1] ?? 'us-east-1';
}

export async function startStrictProxy(
  target: string,
  rules: readonly Rule[],
  clock: () => number = Date.now,
): Promise<StrictProxy> {
  const upstream = new URL(target);
  const calls: StrictCall[] = [];
  const { endpoint, close } = await listenLoopback(async (req, res) => {
    const body = await readBody(req);
    const text = body.toString();
    const op = operationOf(req.headers, text, req.method, req.url);
    const call: StrictCall = {
      service: op.service,
      operation: op.operation,
      region: regionOf(String(req.headers.authorization ?? '')),
      params: op.service === 'S3' ? s3Params(req.url ?? '/', req.headers) : paramsOf(op.service, text),
      body: text,
      at: clock(),
    };
    calls.push(call);
    for (const r of rules) {
      const d = r.enabled ? r.before?.(call, clock()) : undefined;
      if (d?.kind === 'respond') {
        call.answeredBy = r.id;
        return answer(res, d);
      }
    }
    const up = await forwardOr502(upstream, req, body, res);
    if (!up) return;
    let out = up.body;
    const headers = { ...up.headers };
    for (const r of rules) {
      if (!r.after) continue;
      const changed = r.after(call, up.status, out.toString(), clock());
      if (typeof changed === 'string') {
        out = Buffer.from(changed);
        delete headers['transfer-encoding'];
        delete headers['content-md5'];
        delete headers['x-amz-crc32'];
        headers['content-length'] = String(out.length);
      }
    }
    res.writeHead(up.status, headers);
    res.end(out);
  });
  return {
    endpoint,
    calls,
    rules,
    setEnabled(on) {
      for (const r of rules) r.enabled = on;
    },
    close,
  };
}

/** Calls a rule answered, by rule id: "what the strict account did to this run". */
export function answeredByRule(calls: readonly StrictCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) if (c.answeredBy) out[c.answeredBy] = (out[c.answeredBy] ?? 0) + 1;
  return out;
}
