/**
 * What both proxies in front of moto (proxy.ts, strict/proxy.ts) do with a call they let through:
 * read it whole, send it on unchanged, and hand back moto's answer whole, so the proxy can record,
 * delay or rewrite it. bench/lib.mjs keeps its own copy: it runs without building the harness.
 */
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The request's body, once it has all arrived. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A proxy's own answer in JSON (a rule's refusal): status, headers, body. */
export function answer(
  res: ServerResponse,
  d: { readonly status: number; readonly headers?: Record<string, string>; readonly body: string },
): void {
  res.writeHead(d.status, { 'content-type': 'application/json', ...d.headers });
  res.end(d.body);
}

/**
 * Sends the call on to `target` as received and resolves with moto's answer; when moto cannot be
 * reached, answers 502 itself and resolves undefined.
 */
export async function forwardOr502(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): Promise<Upstream | undefined> {
  const up = await forward(target, req, body).catch(() => undefined);
  if (!up) {
    res.writeHead(502);
    res.end();
  }
  return up;
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const fwd = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(parts) }));
      },
    );
    fwd.on('error', reject);
    fwd.end(body);
  });
}

/** A loopback HTTP server on a free port, with the endpoint to give ecsctl and a close that ends open connections. */
export async function listenLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; endpoint: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    server,
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
