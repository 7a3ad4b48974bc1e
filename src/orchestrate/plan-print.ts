/**
 * `up --dry-run` and `down --dry-run`: the state file and the flags alone (no AWS call, no
 * credentials) → the waves of tasks that would start together, what each would do, and the aws
 * commands it replaces. The runner prints it: text, or this document with --json.
 */
import type { Globals } from '../globals.js';
import { emptyState, type State } from '../state/schema.js';
import { readState } from '../state/store.js';
import { waves } from './graph.js';

export interface PlanStep<Id extends string> {
  readonly id: Id;
  readonly title: string;
  readonly deps: readonly Id[];
  /** Order only: starts after these too (Task.after). */
  readonly after?: readonly Id[];
}

export interface PlanDocument {
  readonly stack: string;
  readonly region: string;
  readonly dryRun: true;
  /** Nothing recorded yet: not compared with AWS, and every step would run (`--detailed-exitcode`: 5). */
  readonly compared: false;
  readonly hasChanges: true;
  readonly steps: readonly {
    readonly wave: number;
    readonly id: string;
    readonly title: string;
    readonly action: string;
    readonly after: readonly string[];
    readonly aws: readonly string[];
  }[];
}

export async function dryRunPlan<Id extends string>(
  globals: Globals,
  plan: (state: State) => readonly PlanStep<Id>[],
  describe: (id: Id, state: State) => { readonly action: string; readonly aws: readonly string[] },
  /** The state as the runner read it; default: read here from the --state file. */
  recorded?: State,
): Promise<PlanDocument> {
  const state =
    recorded ??
    (await readState(globals.statePath)) ??
    emptyState(globals.name ?? '<name>', globals.explicitRegion ?? '<region>');
  const planned = plan(state);
  const byId = new Map(planned.map((p) => [p.id, p]));
  const steps = waves(planned).flatMap((wave, i) =>
    wave.map((id) => {
      const p = byId.get(id)!;
      const { action, aws } = describe(id, state);
      return { wave: i + 1, id: id as string, title: p.title, action, after: [...p.deps, ...(p.after ?? [])], aws };
    }),
  );
  return { stack: state.name, region: state.region, dryRun: true, compared: false, hasChanges: true, steps };
}

/** The text form: a heading, then each wave with its tasks and their aws commands. */
export function renderPlan(heading: string, doc: PlanDocument): string {
  const lines = [heading, ''];
  const count = Math.max(0, ...doc.steps.map((s) => s.wave));
  for (let wave = 1; wave <= count; wave++) {
    const steps = doc.steps.filter((s) => s.wave === wave);
    lines.push(`wave ${wave}${steps.length > 1 ? ` (${steps.length} in parallel)` : ''}:`);
    for (const p of steps) {
      lines.push(`  ${p.title}: ${p.action}${p.after.length ? `   after ${p.after.join(', ')}` : ''}`);
      for (const a of p.aws) lines.push(`      $ ${a}`);
    }
  }
  return lines.join('\n');
}
