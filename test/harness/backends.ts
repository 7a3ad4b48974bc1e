/**
 * A stand-in for an ALB in front of several tasks, for `lb probe` tests (moto's DNS names do not
 * resolve): an HTTP server on 127.0.0.1 that answers each request with the next hostname in turn,
 * as round robin across tasks printing their hostname would. `fail(n)` picks requests (1-based)
 * to answer 503 as an ALB does with no healthy target; `hang(n)` picks requests never answered.
 * With `tls` it serves HTTPS as an ALB's HTTPS listener does (certificate from test/harness/tls.ts).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

export interface Backends {
  readonly url: string;
  /** Requests received so far. */
  readonly count: () => number;
  close(): Promise<void>;
}

export interface BackendOptions {
  readonly hostnames: readonly string[];
  readonly fail?: (n: number) => boolean;
  readonly hang?: (n: number) => boolean;
  /** Serve https:// with this certificate and key (PEM); it must name 127.0.0.1 (test/harness/tls.ts does). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export async function startBackends(o: BackendOptions): Promise<Backends> {
  let n = 0;
  const handler: RequestListener = (req, res) => {
    n += 1;
    const i = n;
    req.resume();
    if (o.hang?.(i)) return; // never answered: the client's timeout must fire
    if (o.fail?.(i)) {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${o.hostnames[(i - 1) % o.hostnames.length]}\nserved request ${i}\n`);
  };
  const server: Server = o.tls
    ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    count: () => n,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
