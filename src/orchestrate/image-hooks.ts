import type { StepContext } from '../steps/context.js';
import type { TaskOutcome } from './graph.js';

/** The image part of `up`: build and push with the engine, or record the image given with --image. */
export interface ImageHooks {
  build(ctx: StepContext): Promise<TaskOutcome>;
  push(ctx: StepContext): Promise<TaskOutcome>;
  /** The image URI the task definition runs, known once `build` is done. */
  uri(ctx: StepContext): string;
}
