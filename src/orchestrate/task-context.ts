/**
 * Inside `up` and `down`, each graph task gets the command's context with a reporter that turns
 * the step's own progress (nested steps, info lines) into that task's one-line detail, so the
 * screen keeps one line per task. Warnings still print on their own line. With the graph's
 * `stop` signal, every sleep of the task (each poll interval, each retry delay) ends at once when
 * another task fails; calls already sent still return and are recorded.
 */
import type { StepContext } from '../steps/context.js';
import type { Reporter } from '../ui/reporter.js';

export function taskContext(ctx: StepContext, update: (detail: string) => void, stop?: AbortSignal): StepContext {
  const report: Reporter = {
    async step(title, work) {
      update(title);
      return work((detail) => update(`${title}: ${detail}`));
    },
    info: (message) => update(message),
    warn: (message) => ctx.report.warn(message),
  };
  if (!stop) return { ...ctx, report };
  return { ...ctx, report, signal: stop, sleep: (ms) => ctx.sleep(ms, stop) };
}
