/**
 * One GET over http:// or https://, for `lb probe`. node:https rather than fetch, because the
 * probe must be able to trust a CA given with --ca-file (a private CA, or a test's self-signed
 * certificate) and Node's fetch takes no CA option. TLS is always verified: there is no switch
 * to turn verification off.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface GetOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** PEM certificates to trust in addition to Node's built-in roots. */
  readonly ca?: string;
  readonly headers?: Record<string, string>;
}

export interface GetResponse {
  readonly status: number;
  readonly body: string;
}

/** Error names the probe reports: `TimeoutError` after timeoutMs, else the socket/TLS code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, …). */
export function httpGet(url: string, o: GetOptions): Promise<GetResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const options = {
      method: 'GET',
      headers: o.headers,
      ...(secure && o.ca ? { ca: [...tlsRootsWith(o.ca)] } : {}),
      signal: o.signal,
    };
    const req = (secure ? httpsRequest : httpRequest)(u, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      const e = new Error(`timeout after ${o.timeoutMs / 1000}s`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, o.timeoutMs);
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

/** Node replaces its roots when `ca` is given; keep them, so public certificates still verify. */
function tlsRootsWith(ca: string): string[] {
  return [...rootCertificates, ca];
}
