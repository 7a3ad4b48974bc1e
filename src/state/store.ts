/**
 * Reading and writing the state file. A save is atomic (temp file, fsync, rename) and mode 0600;
 * a file that cannot be understood is reported with exit 3 and never overwritten.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateError } from '../errors.js';
import { applyPatch, STATE_VERSION, StateSchema, type State, type StatePatch } from './schema.js';

/** Reads and checks the state file; `undefined` when there is none yet. */
export async function readState(path: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR')
      throw new StateError(`state file ${path} is a directory`, {
        hint: 'Pass --state a file path, e.g. --state ./web.state.json.',
      });
    throw new StateError(`cannot read state file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseState(text, path);
}

export function parseState(text: string, source: string): State {
  const untouched = {
    hint: `ecsctl has not changed it. Restore it from a backup or move it aside to start a new stack.`,
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StateError(`state file ${source} is not valid JSON (truncated or edited by hand?)`, untouched);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || version === undefined) {
    throw new StateError(`state file ${source} is not an ecsctl state file (no "version")`, untouched);
  }
  if (version !== STATE_VERSION) {
    throw new StateError(
      `state file ${source} has version ${JSON.stringify(version)}; this ecsctl reads version ${STATE_VERSION}`,
      {
        hint: 'Use the ecsctl release that wrote it, or move the file aside.',
      },
    );
  }
  const parsed = StateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw new StateError(
      `state file ${source} is invalid at ${where}: ${issue?.message ?? 'unknown problem'}`,
      untouched,
    );
  }
  return parsed.data;
}

/** Writes the whole state atomically: readers see the old file or the new one, never a mix. */
export async function writeState(path: string, state: State): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
    await fh.sync(); // So a power cut after rename cannot leave an empty file behind.
  } finally {
    await fh.close();
  }
  await rename(temp, path);
}

/** The live state of one command: steps read `current` and `record` what they create, at once. */
export interface StateHandle {
  readonly current: State;
  /** Merges the patch and saves the file before resolving. Concurrent calls are applied in order. */
  record(patch: StatePatch): Promise<State>;
}

export function fileStateHandle(path: string, initial: State): StateHandle {
  let current = initial;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get current() {
      return current;
    },
    record(patch) {
      current = applyPatch(current, patch);
      const snapshot = current;
      const write = queue.then(() => writeState(path, snapshot));
      queue = write.catch(() => undefined);
      return write.then(() => snapshot);
    },
  };
}

/** Same contract with no disk: for unit tests and --dry-run. */
export function memoryStateHandle(initial: State): StateHandle & { readonly saved: State[] } {
  let current = initial;
  const saved: State[] = [];
  return {
    saved,
    get current() {
      return current;
    },
    async record(patch) {
      current = applyPatch(current, patch);
      saved.push(current);
      return current;
    },
  };
}
