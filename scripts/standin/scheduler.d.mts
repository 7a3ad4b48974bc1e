/** Typings for scheduler.mjs, the moto stand-in for the ECS scheduler's target registration. */
export declare const LABEL: string;

export interface SchedulerOptions {
  /** A moto server; the stand-in refuses to start without one. */
  readonly endpoint: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Pause between passes. @default 300 */
  readonly intervalMs?: number;
  /** Receives each labelled line ("[stand-in for the ECS scheduler] registered …"); silent by default. */
  readonly log?: (line: string) => void;
}

export interface Scheduler {
  /** Stops looping and resolves once the pass in flight has ended. */
  stop(): Promise<void>;
  /** Passes completed so far (successful or not). */
  passes(): number;
}

export declare function startScheduler(options: SchedulerOptions): Scheduler;
