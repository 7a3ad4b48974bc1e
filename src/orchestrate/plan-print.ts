/**
 * `up --dry-run` and `down --dry-run`: the state file and the flags alone (no AWS call, no
 * credentials) → the waves of tasks that would start together, what each would do, and the aws
 * commands it replaces. Text, or one JSON document with --json.
 */
import { resolveGlobals, type RawGlobals } from '../cli/globals.js';
import { emptyState, type State } from '../state/schema.js';
import { readState } from '../state/store.js';
import { waves } from './graph.js';

export interface PlanStep<Id extends string> {
  readonly id: Id;
  readonly title: string;
  readonly deps: readonly Id[];
}

export async function printPlan<Id extends string>(
  raw: RawGlobals,
  heading: (state: State) => string,
  plan: (state: State) => readonly PlanStep<Id>[],
  describe: (id: Id, state: State) => { readonly action: string; readonly aws: readonly string[] },
): Promise<void> {
  const globals = resolveGlobals(raw);
  const state =
    (await readState(globals.statePath)) ?? emptyState(globals.name ?? '<name>', globals.explicitRegion ?? '<region>');
  const steps = plan(state);
  const byId = new Map(steps.map((p) => [p.id, p]));
  const lines = [heading(state), ''];
  const json: unknown[] = [];
  waves(steps.map((p) => ({ ...p, run: async () => '' }))).forEach((wave, i) => {
    lines.push(`wave ${i + 1}${wave.length > 1 ? ` (${wave.length} in parallel)` : ''}:`);
    for (const id of wave) {
      const p = byId.get(id)!;
      const { action, aws } = describe(id, state);
      lines.push(`  ${p.title}: ${action}${p.deps.length ? `   after ${p.deps.join(', ')}` : ''}`);
      for (const a of aws) lines.push(`      $ ${a}`);
      json.push({ wave: i + 1, id, title: p.title, action, after: p.deps, aws });
    }
  });
  if (globals.json)
    process.stdout.write(
      `${JSON.stringify({ stack: state.name, region: state.region, dryRun: true, steps: json }, null, 2)}\n`,
    );
  else process.stdout.write(`${lines.join('\n')}\n`);
}
