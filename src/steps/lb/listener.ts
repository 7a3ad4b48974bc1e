/**
 * The HTTP listener (walkthrough: `aws elbv2 create-listener --protocol HTTP --port 80
 * --default-actions Type=forward,TargetGroupArn=…`): traffic on the listener port goes to the
 * target group. ELBv2 accepts CreateListener while the load balancer is still provisioning.
 */
import {
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeListenersCommand,
  paginateDescribeListeners,
  ModifyListenerCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, hasStackTag, keyValueTags } from '../../aws/tags.js';
import { stackOf, type StepContext } from '../context.js';
import { elbTags, NOT_FOUND } from './elb-tags.js';
import type { ConvergeOutcome } from '../outcome.js';
import { HTTPS_PORT, isRedirectToHttps, REDIRECT_TO_HTTPS } from './redirect.js';
import { fieldChange, type FieldChange } from '../changes.js';

export type ListenerRecord = { readonly arn: string; readonly port: number };

export interface ListenerSettings {
  readonly loadBalancerArn: string;
  readonly targetGroupArn: string;
  readonly port: number;
  /** --domain, once the HTTPS listener exists: answer with a 301 to HTTPS instead of forwarding. */
  readonly redirectToHttps?: boolean;
}

export interface ListenerResult {
  readonly outcome: ConvergeOutcome;
  readonly listener: ListenerRecord;
  readonly changed: string[];
}

/** The target group a listener's default action forwards all traffic to, if that is all it does. */
export function forwardTarget(actions: readonly Action[] | undefined): string | undefined {
  if (actions?.length !== 1 || actions[0]!.Type !== 'forward') return undefined;
  const [action] = actions;
  const groups = action!.ForwardConfig?.TargetGroups ?? [];
  if (action!.TargetGroupArn && groups.every((g) => g.TargetGroupArn === action!.TargetGroupArn))
    return action!.TargetGroupArn;
  return groups.length === 1 ? groups[0]!.TargetGroupArn : undefined;
}

/** What the listener's default action does, in words ("forward to <arn>", "redirect to HTTPS:443"). */
function actionWords(actions: readonly Action[] | undefined): string {
  if (isRedirectToHttps(actions)) return `redirect to HTTPS:${HTTPS_PORT}`;
  const target = forwardTarget(actions);
  return target ? `forward to ${target}` : 'something else';
}

/**
 * What ModifyListener would correct on the listener found on the port: its protocol, and its
 * default action (forward to the target group, or with --domain once HTTPS exists, the 301 to HTTPS).
 */
export function listenerChanges(found: Listener, s: ListenerSettings): FieldChange[] {
  const matches = s.redirectToHttps
    ? isRedirectToHttps(found.DefaultActions)
    : forwardTarget(found.DefaultActions) === s.targetGroupArn;
  const wanted = s.redirectToHttps ? `redirect to HTTPS:${HTTPS_PORT}` : `forward to ${s.targetGroupArn}`;
  return [
    ...fieldChange('Protocol', found.Protocol, 'HTTP'),
    ...(matches ? [] : [{ field: 'DefaultActions', old: actionWords(found.DefaultActions), new: wanted }]),
  ];
}

/**
 * Makes sure the load balancer has an HTTP listener on `port` forwarding to the target group,
 * and records it. An existing listener of ours on that port whose protocol or default action
 * differs is corrected with ModifyListener; one without our tag is refused. A listener of ours
 * recorded on another port is deleted once the new one exists (the stack has one listener).
 */
export async function ensureListener(ctx: StepContext, s: ListenerSettings): Promise<ListenerResult> {
  const stack = stackOf(ctx);
  const elb = ctx.aws.elb;
  const what = `listener on port ${s.port}`;
  const listeners = await describeListeners(elb, s.loadBalancerArn);
  const found = listeners.find((l) => l.Port === s.port);
  const defaultActions: Action[] = s.redirectToHttps
    ? [REDIRECT_TO_HTTPS]
    : [{ Type: 'forward', TargetGroupArn: s.targetGroupArn }];
  let outcome: ConvergeOutcome;
  let arn: string;
  const changed: string[] = [];
  if (found) {
    arn = found.ListenerArn!;
    assertOwned('listener', `${what} (${arn})`, await elbTags(elb, arn, what), stack);
    changed.push(...listenerChanges(found, s).map((c) => c.field));
    if (changed.length > 0) {
      try {
        await elb.send(
          new ModifyListenerCommand({
            ListenerArn: arn,
            Protocol: 'HTTP',
            Port: s.port,
            DefaultActions: defaultActions,
          }),
        );
      } catch (e) {
        throw asOperationError(`update ${what}`, e);
      }
    }
    outcome = changed.length ? 'updated' : 'unchanged';
  } else {
    try {
      const out = await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: s.loadBalancerArn,
          Protocol: 'HTTP',
          Port: s.port,
          DefaultActions: defaultActions,
          Tags: keyValueTags(stack),
        }),
      );
      arn = out.Listeners![0]!.ListenerArn!;
    } catch (e) {
      throw asOperationError(`create ${what}`, e);
    }
    outcome = 'created';
  }
  const previous = ctx.state.current.listener;
  const record = { arn, port: s.port };
  if (previous?.arn !== arn || previous.port !== s.port) await ctx.state.record({ listener: record });
  const stale = previous && previous.arn !== arn ? listeners.find((l) => l.ListenerArn === previous.arn) : undefined;
  if (stale && hasStackTag(await elbTags(elb, stale.ListenerArn!, 'the previous listener'), stack)) {
    await removeListener(elb, stale.ListenerArn!, `the previous listener on port ${stale.Port}`);
    ctx.report.info(`deleted the previous listener on port ${stale.Port}`);
  }
  return { outcome, listener: record, changed };
}

export async function describeListeners(
  elb: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<Listener[]> {
  const all: Listener[] = [];
  try {
    for await (const page of paginateDescribeListeners({ client: elb }, { LoadBalancerArn: loadBalancerArn }))
      all.push(...(page.Listeners ?? []));
  } catch (e) {
    if (isAwsError(e, ...NOT_FOUND.loadBalancer)) return [];
    throw asOperationError("describe the load balancer's listeners", e);
  }
  return all;
}

async function removeListener(elb: ElasticLoadBalancingV2Client, arn: string, what: string): Promise<void> {
  try {
    await elb.send(new DeleteListenerCommand({ ListenerArn: arn }));
  } catch (e) {
    if (!isAwsError(e, ...NOT_FOUND.listener)) throw asOperationError(`delete ${what}`, e);
  }
}

/**
 * Deletes the recorded listener. Gone (or its load balancer gone) counts as deleted; a listener
 * without our tag is never deleted. `lb delete` and `down` call it only for a listener recorded
 * without its load balancer: DeleteLoadBalancer takes a load balancer's listeners with it.
 */
export async function deleteListener(ctx: StepContext): Promise<'deleted' | 'absent'> {
  const recorded = ctx.state.current.listener;
  if (!recorded) return 'absent';
  const elb = ctx.aws.elb;
  let exists = true;
  try {
    exists =
      ((await elb.send(new DescribeListenersCommand({ ListenerArns: [recorded.arn] }))).Listeners ?? []).length > 0;
  } catch (e) {
    if (!isAwsError(e, ...NOT_FOUND.listener, ...NOT_FOUND.loadBalancer))
      throw asOperationError('describe the recorded listener', e);
    exists = false;
  }
  if (exists) {
    assertOwned(
      'listener',
      `on port ${recorded.port} (${recorded.arn})`,
      await elbTags(elb, recorded.arn, 'the listener'),
      stackOf(ctx),
    );
    await removeListener(elb, recorded.arn, `listener on port ${recorded.port}`);
  }
  await ctx.state.record({ listener: undefined });
  return exists ? 'deleted' : 'absent';
}
