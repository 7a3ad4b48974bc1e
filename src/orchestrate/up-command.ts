/**
 * Runs `up`'s graph with one progress line per task and ends with the URL and what to try next;
 * `--dry-run` prints the plan instead, from the state file and the flags alone (no AWS call, no
 * credentials needed).
 */
import { dryRunPlan, renderPlan, type PlanDocument } from './plan-print.js';
import type { StepContext } from '../steps/context.js';
import type { Globals } from '../globals.js';
import type { State } from '../state/schema.js';
import { formatElapsed } from '../util/poll.js';
import { details, firstFailure, runGraph, type ProgressView, type TaskOutcome } from './graph.js';
import { upEquivalents } from './explain.js';
import type { ImageHooks } from './image-hooks.js';
import { upPlan, upTasks, type UpTaskId } from './up.js';
import type { UpSettings } from './settings.js';
import { upDomain } from './domain-tasks.js';
import { stackUrl } from '../steps/lb/domain-input.js';
import { certificateArn } from '../util/validate.js';

export interface UpResult {
  readonly stack: string;
  readonly region: string;
  readonly url?: string;
  readonly outcomes: Record<string, string>;
  readonly seconds: number;
  readonly summary: string;
}

export async function runUp(
  ctx: StepContext,
  progress: ProgressView,
  given: UpSettings,
  image: ImageHooks,
): Promise<UpResult> {
  // A switch of --capacity on a live stack is refused before any AWS call; no flag keeps the recorded mode.
  const s = await (await import('./up-inputs.js')).settledCapacity(given, ctx.state.current);
  const started = ctx.now();
  // --domain: the hosted zone is found (exit 2 when none or several) and the name checked (exit 1
  // when someone else's record holds it) before the graph creates anything.
  const domain = upDomain(s, ctx.state.current);
  if (domain) {
    if (domain.certificateArn) certificateArn(domain.certificateArn, '--certificate-arn', ctx.state.current.region);
    await ctx.awsReady?.(['route53']);
    await (await import('../steps/lb/domain.js')).prepareDomain(ctx, domain);
  }
  let outcomes: Record<string, TaskOutcome>;
  try {
    ({ outcomes } = await runGraph(upTasks(ctx, s, image), { observer: progress, signal: ctx.signal, now: ctx.now }));
  } catch (e) {
    throw firstFailure(e);
  } finally {
    progress.finish();
  }
  const st = ctx.state.current;
  const url = stackUrl(st, s.listenerPort);
  const changed = anythingChanged(outcomes);
  const seconds = Math.round((ctx.now() - started) / 100) / 10;
  const summary = [
    changed
      ? `stack ${st.name} is up (${formatElapsed(seconds * 1000)})`
      : `stack ${st.name}: every step unchanged (${formatElapsed(seconds * 1000)})`,
    ...(url ? [`  url: ${url}`] : []),
    '  next:',
    '    ecsctl status          what is running, and its health',
    '    ecsctl lb probe        see the answering hostnames rotate',
    "    ecsctl logs --follow   the containers' output",
    '    ecsctl down --yes      delete it all (the ALB and instances bill by the hour)',
  ].join('\n');
  return { stack: st.name, region: st.region, ...(url ? { url } : {}), outcomes: details(outcomes), seconds, summary };
}

/** The outcomes that mean `up` changed something; "unchanged", "read", "already pushed", "skipped" do not. */
const CHANGES: ReadonlySet<string> = new Set([
  'created',
  'recreated',
  'updated',
  'discovered',
  'recorded',
  'built',
  'pushed',
]);

/** True when some task created or changed something. */
export function anythingChanged(outcomes: Record<string, TaskOutcome>): boolean {
  return Object.values(outcomes).some((o) => CHANGES.has(o.outcome));
}

/** What a task does when nothing of it is recorded yet. */
function planAction(id: UpTaskId, s: UpSettings): string {
  if (id === 'network') return 'discover';
  if (id === 'lbActive' || id === 'rollout' || id === 'ami') return 'read';
  if (id === 'build') return s.image ? 'record the given image' : 'build';
  if (id === 'push') return s.image ? 'skip' : 'push';
  return 'create';
}

/** The plan: waves of tasks that start together, what each would do, and the aws commands it replaces. */
export function upDryRun(globals: Globals, s: UpSettings, recorded?: State): Promise<PlanDocument> {
  return dryRunPlan(
    globals,
    (st) => upPlan(s, st),
    (id, st) => {
      const recorded: Partial<Record<UpTaskId, string | undefined>> = {
        network: st.network?.vpcId,
        repo: st.repository?.uri,
        cluster: st.cluster?.arn,
        iam: st.instanceRole?.profileName,
        lbSg: st.lbSecurityGroup?.id,
        instanceSg: st.instanceSecurityGroup?.id,
        loadBalancer: st.loadBalancer?.arn,
        targetGroup: st.targetGroup?.arn,
        listener: st.listener?.arn,
        instances: st.instances?.ids.join(' '),
        taskdef: st.taskDefinition?.arn,
        service: st.service?.arn,
        certificate: st.certificate?.arn,
        https: st.httpsListener?.arn,
        alias: st.aliasRecord?.name,
      };
      const action = recorded[id] ? `check, converge if needed (recorded: ${recorded[id]})` : planAction(id, s);
      return { action, aws: upEquivalents(id, s, st) };
    },
    recorded,
  );
}

export const renderUpDryRun = (d: PlanDocument): string =>
  renderPlan(`plan for stack ${d.stack} in ${d.region} (dry run: nothing is changed)`, d);
