/**
 * The runner's one view of where the state lives. Two implementations: the local file with its
 * PID lock (the default, unchanged) and an S3 object with a conditional-write lock
 * (`s3-backend.ts`, loaded only when --state is an s3:// URL).
 */
import type { Lock } from './lock.js';
import type { State } from './schema.js';
import type { StateHandle } from './store.js';

export interface StateBackend {
  /** The path or s3:// URL, for messages. */
  readonly location: string;
  /** Takes the exclusive lock; exit 3 naming the holder when someone else has it. */
  lock(command: string): Promise<Lock>;
  /** The state as stored now; `undefined` when there is none yet. */
  read(): Promise<State | undefined>;
  /** Saves every record at once; S3 writes are conditional on what `read` (or the last write) saw. */
  handle(initial: State): StateHandle;
}

export interface FileBackendParts {
  readonly lock: (path: string, owner: string) => Promise<Lock>;
  readonly readState: (path: string) => Promise<State | undefined>;
  readonly stateHandle: (path: string, initial: State) => StateHandle;
}

export function fileBackend(path: string, parts: FileBackendParts): StateBackend {
  return {
    location: path,
    lock: (command) => parts.lock(path, command),
    read: () => parts.readState(path),
    handle: (initial) => parts.stateHandle(path, initial),
  };
}
