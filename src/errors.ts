/**
 * The errors ecsctl expects, each knowing its exit code. Anything else reaching main() is a bug
 * (or an AWS/Docker failure not yet classified) and exits 1 with its message on one line.
 */
export const ExitCode = {
  Ok: 0,
  /** An operation failed: AWS, Docker, a rollout, a resource ecsctl will not touch. */
  Failed: 1,
  /** Usage or invalid input; no AWS call was made. */
  Usage: 2,
  /** The state file is corrupt, locked, of an unknown version or of another region/stack. */
  State: 3,
  /** Waited longer than the timeout allowed. */
  Timeout: 4,
  /** `up --dry-run --detailed-exitcode`: the plan shows changes (0 then means none). Not an error. */
  Changes: 5,
  /** Interrupted (SIGINT) or the user declined. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface EcsctlErrorOptions {
  readonly cause?: unknown;
  /** One sentence telling the user what to do next. */
  readonly hint?: string;
  /**
   * The hint instead when every call goes to an emulator (--endpoint-url): there, what real AWS
   * would need (networking, IAM) is rarely the reason; a missing stand-in is.
   */
  readonly emulatorHint?: string;
  /** The exit code says it all (Ctrl-C ending `logs --follow`): print no error line. */
  readonly silent?: boolean;
}

export abstract class EcsctlError extends Error {
  /** One of ExitCode, or a container's own exit code (`ecsctl run`). */
  abstract readonly exitCode: number;
  readonly hint?: string;
  readonly emulatorHint?: string;
  readonly silent: boolean;

  constructor(message: string, options: EcsctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.emulatorHint = options.emulatorHint;
    this.silent = options.silent === true;
  }
}

/** Bad flags, arguments or input files. Thrown before any AWS call. */
export class UsageError extends EcsctlError {
  readonly exitCode = ExitCode.Usage;
}

/** The state file cannot be used as it is. It is never overwritten when this is thrown. */
export class StateError extends EcsctlError {
  readonly exitCode = ExitCode.State;
}

/** An AWS call or a Docker operation failed, or AWS is in a state ecsctl will not proceed from. */
export class OperationError extends EcsctlError {
  readonly exitCode = ExitCode.Failed;
}

/** A same-named resource exists that this stack did not create: never adopted, never changed. */
export class ForeignResourceError extends EcsctlError {
  readonly exitCode = ExitCode.Failed;
}

export class WaitTimeoutError extends EcsctlError {
  readonly exitCode = ExitCode.Timeout;
}

export class InterruptedError extends EcsctlError {
  readonly exitCode = ExitCode.Interrupted;
}

/**
 * The command succeeded and printed its result, and that result chooses a non-zero exit code
 * (`up --dry-run --detailed-exitcode` with changes: 5). main() prints nothing for it.
 */
export class ResultExit extends EcsctlError {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`, { silent: true });
  }
}

/** A one-off task's container exited non-zero: `ecsctl run` exits with that same code (1–255). */
export class ContainerExitError extends EcsctlError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A prerequisite step has not been run yet (nothing recorded in the state). */
export function missingStep(what: string, command: string): UsageError {
  return new UsageError(`no ${what} recorded in the state file`, { hint: `Run \`ecsctl ${command}\` first.` });
}
