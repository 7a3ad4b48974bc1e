/**
 * Following the Engine API's JSON-lines progress streams (build, push).
 *
 * The Engine reports a failed build or push *inside* an HTTP 200 stream, as a line
 * `{"error": "...", "errorDetail": {"message": "..."}}`; dockerode's `followProgress` then calls
 * back with no error (apocas/dockerode#505). `followStream` turns such a line into a rejection
 * carrying the builder's or registry's own text, and never throws on a line that is not JSON.
 */

/** One line of a build or push stream, as the Engine API sends it. */
export interface ProgressEvent {
  /** Build output: "Step 2/4 : COPY start.sh /app/start.sh\n", " ---> 3f1c…\n". */
  readonly stream?: string;
  /** Push: "Pushing", "Pushed", "Layer already exists", "Preparing", "Waiting". */
  readonly status?: string;
  /** Push: the layer's short ID (absent on the summary lines). */
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  /** Build: {ID}; push: {Tag, Digest, Size}. */
  readonly aux?: Record<string, unknown>;
  readonly error?: string;
  readonly errorDetail?: { readonly code?: number; readonly message?: string };
}

/** The in-band failure of a stream, with the Engine's own text (one line). */
export class StreamFailure extends Error {
  constructor(readonly text: string) {
    super(text);
    this.name = 'StreamFailure';
  }
}

/** The failure text of a line, or undefined when the line is not an error. */
export function errorText(event: ProgressEvent): string | undefined {
  const text = event.errorDetail?.message ?? event.error;
  if (text === undefined && event.errorDetail === undefined) return undefined;
  return (text ?? 'unknown error').replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}

/** Parses one line; text that is not a JSON object becomes a plain `stream` line. */
export function parseLine(line: string): ProgressEvent | undefined {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ProgressEvent;
  } catch {
    // fall through: engines and proxies sometimes interleave plain text
  }
  return { stream: text };
}

/**
 * Reads the whole stream, calling `onEvent` for each line in order. Resolves with every event
 * once the stream ends without an error line; rejects with a StreamFailure (the first error
 * line's text) when one arrived, or with the transport error if the connection broke.
 */
export function followStream(
  stream: NodeJS.ReadableStream,
  onEvent: (event: ProgressEvent) => void = () => {},
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ProgressEvent[] = [];
    let failure: string | undefined;
    let buffer = '';
    let settled = false;
    const handle = (line: string) => {
      const event = parseLine(line);
      if (!event) return;
      events.push(event);
      failure ??= errorText(event);
      onEvent(event);
    };
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (buffer) handle(buffer);
      buffer = '';
      if (failure !== undefined) reject(new StreamFailure(failure));
      else if (error !== undefined) reject(error);
      else resolve(events);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          handle(line);
        } catch (e) {
          finish(e); // a throwing onEvent must not be swallowed by the stream
        }
      }
    });
    stream.on('error', (e) => finish(e));
    stream.on('end', () => finish());
    stream.on('close', () => finish());
  });
}

/** "Step 2/4 : COPY start.sh /app/start.sh" from a build line, or undefined. */
export function buildStep(event: ProgressEvent): string | undefined {
  const match = /^(Step \d+\/\d+ : .*)$/m.exec(event.stream ?? '');
  return match?.[1]?.trim();
}

/** The image ID a classic build reports at its end ({aux: {ID}}). */
export function builtImageId(events: readonly ProgressEvent[]): string | undefined {
  for (const e of events) if (typeof e.aux?.ID === 'string') return e.aux.ID;
  const done = events.map((e) => /Successfully built ([0-9a-f]{12,64})/.exec(e.stream ?? '')?.[1]).filter(Boolean);
  return done.at(-1);
}

/** The push result the Engine sends last: {Tag, Digest, Size}. */
export function pushResult(
  events: readonly ProgressEvent[],
): { tag?: string; digest?: string; size?: number } | undefined {
  for (const e of [...events].reverse()) {
    if (e.aux && typeof e.aux.Digest === 'string') {
      return {
        tag: e.aux.Tag as string | undefined,
        digest: e.aux.Digest,
        size: typeof e.aux.Size === 'number' ? e.aux.Size : undefined,
      };
    }
  }
  return undefined;
}

type LayerState = 'waiting' | 'pushing' | 'pushed' | 'exists';

/**
 * Per-layer push progress folded into one line: "2 layers: 1 pushed, 1 pushing (1.2/2.0 MB)".
 * `update` returns the new summary, or undefined when the line changed nothing worth showing.
 */
export class LayerProgress {
  private readonly layers = new Map<string, { state: LayerState; current: number; total: number }>();

  update(event: ProgressEvent): string | undefined {
    if (!event.id || !event.status || !/^[0-9a-f]{6,64}$/.test(event.id)) return undefined;
    const layer = this.layers.get(event.id) ?? { state: 'waiting' as LayerState, current: 0, total: 0 };
    const status = event.status.toLowerCase();
    if (status === 'pushed') layer.state = 'pushed';
    else if (status.includes('already exists') || status.includes('mounted from')) layer.state = 'exists';
    else if (status === 'pushing') {
      layer.state = 'pushing';
      layer.current = event.progressDetail?.current ?? layer.current;
      layer.total = event.progressDetail?.total ?? layer.total;
    }
    this.layers.set(event.id, layer);
    return this.summary();
  }

  summary(): string {
    const all = [...this.layers.values()];
    const count = (s: LayerState) => all.filter((l) => l.state === s).length;
    const parts: string[] = [];
    if (count('pushed')) parts.push(`${count('pushed')} pushed`);
    if (count('exists')) parts.push(`${count('exists')} already there`);
    const pushing = all.filter((l) => l.state === 'pushing');
    if (pushing.length) {
      const cur = pushing.reduce((s, l) => s + l.current, 0);
      const tot = pushing.reduce((s, l) => s + l.total, 0);
      parts.push(`${pushing.length} pushing${tot ? ` (${bytes(cur, tot)})` : ''}`);
    }
    if (count('waiting')) parts.push(`${count('waiting')} waiting`);
    return `${all.length} layer${all.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
  }
}

/** "1.2/2.0 MB", or "3/12 kB" for small layers. */
function bytes(current: number, total: number): string {
  return total >= 1_000_000
    ? `${(current / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`
    : `${Math.round(current / 1e3)}/${Math.max(1, Math.round(total / 1e3))} kB`;
}
