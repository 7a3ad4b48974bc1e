/**
 * The plan of `up --dry-run` for a stack that exists: the steps `planChanges` compared with AWS,
 * as a document (`--json`: steps, fields, old, new) and as text, and the exit code
 * `--detailed-exitcode` asks for (0: nothing would change, 5: something would).
 */
import { ExitCode } from '../errors.js';
import { describeChange } from '../steps/changes.js';
import type { StepContext } from '../steps/context.js';
import type { PlannedAction, PlannedChange } from './plan-changes.js';
import type { UpSettings } from './settings.js';

export interface ChangePlanDocument {
  readonly stack: string;
  readonly region: string;
  readonly dryRun: true;
  /** True: read from AWS (describe calls only); false: nothing recorded yet, so everything would be created. */
  readonly compared: boolean;
  /** Something would be created or would change, or differs from the settings (see each change's `applies`). */
  readonly hasChanges: boolean;
  readonly steps: readonly {
    readonly id: string;
    readonly title: string;
    readonly action: PlannedAction;
    readonly changes: readonly PlannedChange[];
  }[];
}

/** Compares the stack with the settings through `planChanges`; steps with nothing to do are listed as unchanged. */
export async function upChangePlan(ctx: StepContext, s: UpSettings, image: string): Promise<ChangePlanDocument> {
  const { planChanges } = await import('./plan-changes.js');
  const { settledCapacity } = await import('./up-inputs.js');
  const steps = await planChanges(ctx, await settledCapacity(s, ctx.state.current), image);
  const st = ctx.state.current;
  return {
    stack: st.name,
    region: st.region,
    dryRun: true,
    compared: true,
    hasChanges: steps.some((p) => p.action !== 'unchanged'),
    steps,
  };
}

/** 5 when the plan shows anything to do, else 0 (`--detailed-exitcode`). */
export const detailedExitCode = (doc: { readonly hasChanges: boolean }): number =>
  doc.hasChanges ? ExitCode.Changes : ExitCode.Ok;

const VERB: Record<PlannedAction, string> = {
  create: 'create',
  update: 'update',
  differs: 'differs (left as it is by up)',
  unchanged: 'no change',
};

/**
 * The text: one line when nothing would change; else each step that would, with one line per
 * field ("    image  nginx:1.26 → nginx:1.27"), and which steps stay as they are.
 */
export function renderChangePlan(doc: ChangePlanDocument): string {
  const heading = `plan for stack ${doc.stack} in ${doc.region} (dry run, compared with AWS: nothing is changed)`;
  const pending = doc.steps.filter((p) => p.action !== 'unchanged');
  const same = doc.steps.filter((p) => p.action === 'unchanged').map((p) => p.id);
  if (pending.length === 0)
    return `no changes: stack ${doc.stack} matches the settings (compared with AWS: ${same.join(', ')})`;
  const lines = [heading, ''];
  for (const p of pending) {
    lines.push(`${p.title}: ${VERB[p.action]}`);
    for (const c of p.changes)
      lines.push(`    ${describeChange(c)}${c.applies ? '' : `   (not changed by up: ${c.note})`}`);
  }
  const n = pending.length;
  lines.push('', `${n} step${n === 1 ? '' : 's'} would change${same.length ? `; unchanged: ${same.join(', ')}` : ''}`);
  return lines.join('\n');
}
