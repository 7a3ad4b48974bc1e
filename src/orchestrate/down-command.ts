/**
 * Runs `down`'s graph with one progress line per task; at the end the state records an empty
 * stack (name and region), so a second `down` is a no-op and `up` can start again.
 */
import { dryRunPlan, renderPlan, type PlanDocument } from './plan-print.js';
import { RESOURCE_KEYS } from '../state/schema.js';
import type { StepContext } from '../steps/context.js';
import type { Globals } from '../globals.js';
import { formatElapsed } from '../util/poll.js';
import { details, firstFailure, runGraph, type ProgressView, type TaskOutcome } from './graph.js';
import { downEquivalents } from './explain.js';
import { downPlan, downTasks, hasNothingToDelete, type DownSettings } from './down.js';

export interface DownResult {
  readonly stack: string;
  readonly outcomes: Record<string, string>;
  /** Sections still recorded (kept on purpose, e.g. --keep-repo). */
  readonly kept: string[];
  readonly seconds: number;
  readonly summary: string;
}

/** The outcomes that mean there was nothing to delete. */
const NOTHING: ReadonlySet<string> = new Set(['nothing recorded', 'absent', 'unchanged', 'skipped']);

export async function runDown(ctx: StepContext, progress: ProgressView, d: DownSettings): Promise<DownResult> {
  const started = ctx.now();
  // With nothing recorded (a second `down`), the tasks only look for tagged leftovers: show no
  // progress block, so the whole output is the one summary line.
  const recordsAnything = RESOURCE_KEYS.some((k) => ctx.state.current[k] !== undefined);
  const observer: ProgressView = recordsAnything
    ? withoutIdleTasks(progress, idleTasks(ctx, d))
    : { onChange: () => {}, finish: () => {} };
  let outcomes: Record<string, TaskOutcome>;
  try {
    ({ outcomes } = await runGraph(downTasks(ctx, d), { observer, signal: ctx.signal, now: ctx.now }));
  } catch (e) {
    throw firstFailure(e);
  } finally {
    observer.finish();
  }
  // The network is discovered, not created, and an image given with --image is only a reference:
  // forget both with the rest (the image stays recorded only while its repository is kept).
  const forget = {
    ...(ctx.state.current.network ? { network: undefined } : {}),
    // The hosted zone is the user's: it was only found, never created, so it is only forgotten.
    ...(ctx.state.current.domain ? { domain: undefined } : {}),
    ...(!d.keepRepo && ctx.state.current.image ? { image: undefined } : {}),
  };
  if (Object.keys(forget).length > 0) await ctx.state.record(forget);
  const kept = RESOURCE_KEYS.filter((k) => ctx.state.current[k] !== undefined);
  const seconds = Math.round((ctx.now() - started) / 100) / 10;
  const nothing = Object.values(outcomes).every((o) => NOTHING.has(o.outcome));
  const summary = nothing
    ? `stack ${ctx.state.current.name}: nothing to delete`
    : `stack ${ctx.state.current.name} is down (${formatElapsed(seconds * 1000)})${kept.length ? `; kept: ${kept.join(', ')}` : ''}`;
  return { stack: ctx.state.current.name, outcomes: details(outcomes), kept, seconds, summary };
}

/** The tasks with nothing to delete on this stack (no domain, no Auto Scaling group, …): they finish at once. */
function idleTasks(ctx: StepContext, d: DownSettings): ReadonlySet<string> {
  return new Set(
    downPlan(d)
      .filter((p) => hasNothingToDelete(p, ctx.state.current))
      .map((p) => p.id),
  );
}

/** The progress block shows only what `down` has to delete; --json still lists every task's outcome. */
function withoutIdleTasks(view: ProgressView, idle: ReadonlySet<string>): ProgressView {
  return {
    onChange: (e, all) => {
      if (!idle.has(e.id))
        view.onChange(
          e,
          all.filter((t) => !idle.has(t.id)),
        );
    },
    finish: () => view.finish(),
  };
}

export function downDryRun(globals: Globals, d: DownSettings): Promise<PlanDocument> {
  const plan = downPlan(d);
  return dryRunPlan(
    globals,
    () => plan,
    (id, st) => {
      const recorded = plan.find((p) => p.id === id)!.sections.some((k) => st[k] !== undefined);
      return recorded ? { action: 'delete', aws: downEquivalents(id, st) } : { action: 'nothing recorded', aws: [] };
    },
  );
}

export const renderDownDryRun = (d: PlanDocument): string =>
  renderPlan(`plan to delete stack ${d.stack} in ${d.region} (dry run: nothing is deleted)`, d);
