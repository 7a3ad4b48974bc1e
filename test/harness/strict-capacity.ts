/**
 * Real-AWS behaviours of the `--capacity asg` path that moto 5.2.1 does not model, answered on
 * the wire as AWS answers them (awsQuery XML for Auto Scaling, JSON 1.1 for ECS), for the proxy
 * (test/harness/proxy.ts). Some rules first read moto's own state (a group's instances, a
 * cluster's providers and services), so the decision is asynchronous. Kept apart from the strict
 * proxy's rule set (test/harness/strict/, another branch) until the two are merged; same formats.
 *
 * Each rule, its AWS source, and what moto does instead:
 *  - ecs-delete-provider-associated: DeleteCapacityProvider for a provider still on a cluster is
 *    accepted and answered `status ACTIVE, updateStatus DELETE_FAILED` with the reason; nothing is
 *    deleted (terraform-provider-aws#48156, ekristen/aws-nuke#542). moto deletes it at once.
 *  - ecs-provider-delete-in-progress: a provider being deleted stays `ACTIVE / DELETE_IN_PROGRESS`
 *    for a while (aws-cdk#18179's event log: 23 s; API_CapacityProvider `updateStatus`). moto
 *    removes it at once. Here: the delete answers DELETE_IN_PROGRESS and describes keep saying so
 *    for `deleteInProgressMs`.
 *  - ecs-remove-provider-in-use: PutClusterCapacityProviders dropping a provider while a service of
 *    the cluster is ACTIVE or DRAINING → ResourceInUseException "The specified capacity provider is
 *    in use and cannot be removed." (pahud/cdk-fargate-patterns#71, aws/containers-roadmap#631).
 *    moto allows it. (Approximation: any live service counts; ecsctl's service uses the default
 *    strategy.)
 *  - asg-delete-with-instances: DeleteAutoScalingGroup without ForceDelete while the group still
 *    has instances → 400 ResourceInUse (API_DeleteAutoScalingGroup: "If the group has instances or
 *    scaling activities in progress, you must specify the option to force the deletion"). moto
 *    deletes it. (With ForceDelete moto leaves scale-in-protected instances running where AWS
 *    terminates them — stricter than AWS: a teardown that skips unprotecting leaks and is caught.)
 *  - asg-create-exists: CreateAutoScalingGroup for a name that exists → 400 AlreadyExists
 *    (API_CreateAutoScalingGroup errors). moto silently replaces the group and its instances.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import type { Call, Decision } from './proxy.js';

const REQUEST_ID = 'strict-capacity-0000';

export interface CapacityRulesOptions {
  /** How long a deleted provider stays DELETE_IN_PROGRESS. @default 4_000 */
  readonly deleteInProgressMs?: number;
  readonly region?: string;
}

export interface CapacityRules {
  /** Answers a call when a rule applies; undefined lets it through (to moto or the next decider). */
  decide(call: Call): Promise<Decision | undefined>;
  /** How often each rule answered. */
  readonly fired: Record<string, number>;
  enabled: boolean;
}

/** An Auto Scaling (awsQuery) error as AWS sends it. */
export function autoScalingError(code: string, message: string, status = 400): Decision {
  return {
    kind: 'respond',
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`,
  };
}

/** An ECS (JSON 1.1) answer, error or not. */
export function ecsAnswer(status: number, body: object): Decision {
  return {
    kind: 'respond',
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': REQUEST_ID },
    body: JSON.stringify(body),
  };
}

export function capacityRules(motoEndpoint: string, o: CapacityRulesOptions = {}): CapacityRules {
  const region = o.region ?? 'us-east-1';
  const config = {
    region,
    endpoint: motoEndpoint,
    credentials: { accessKeyId: 'AKIASTRICTCAPACITY00', secretAccessKey: 'strict' },
    maxAttempts: 2,
  };
  const ecs = new ECSClient(config);
  const asg = new AutoScalingClient(config);
  const fired: Record<string, number> = {};
  /** Provider name → when its (forwarded) delete was answered, and what it looked like. */
  const deleting = new Map<string, { at: number; provider: object }>();
  const inProgressMs = o.deleteInProgressMs ?? 4_000;
  const hit = (id: string) => (fired[id] = (fired[id] ?? 0) + 1);

  const clustersWith = async (provider: string): Promise<string[]> => {
    const arns = (await ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
    if (arns.length === 0) return [];
    const out = await ecs.send(new DescribeClustersCommand({ clusters: arns }));
    return (out.clusters ?? [])
      .filter((c) => c.status === 'ACTIVE' && (c.capacityProviders ?? []).includes(provider))
      .map((c) => c.clusterName!);
  };

  const rules: CapacityRules = {
    fired,
    enabled: true,
    async decide(call) {
      if (!rules.enabled) return undefined;
      try {
        if (call.service === 'ECS') return await ecsRule(call);
        if (call.service === 'AUTOSCALING') return await asgRule(call);
      } catch {
        // A failed look-up never decides: the call goes to moto as it would without the rule.
      }
      return undefined;
    },
  };

  async function ecsRule(call: Call): Promise<Decision | undefined> {
    const p = JSON.parse(call.body || '{}') as Record<string, unknown>;
    if (call.operation === 'DeleteCapacityProvider') {
      const name = shortName(String(p.capacityProvider));
      const on = await clustersWith(name);
      const provider = await describeProvider(name);
      if (!provider) return undefined;
      if (on.length > 0) {
        hit('ecs-delete-provider-associated');
        return ecsAnswer(200, {
          capacityProvider: {
            ...provider,
            status: 'ACTIVE',
            updateStatus: 'DELETE_FAILED',
            updateStatusReason: `The capacity provider cannot be deleted because it is associated with cluster: ${on[0]}. Remove the capacity provider from the cluster and try again.`,
          },
        });
      }
      hit('ecs-provider-delete-in-progress');
      const shown = { ...provider, status: 'ACTIVE', updateStatus: 'DELETE_IN_PROGRESS' };
      deleting.set(name, { at: Date.now(), provider: shown });
      return { kind: 'forward-then-respond', ...jsonBody({ capacityProvider: shown }) };
    }
    if (call.operation === 'DescribeCapacityProviders') {
      const names = ((p.capacityProviders as string[] | undefined) ?? []).map(shortName);
      const shown = names.map((n) => deleting.get(n)).filter((d) => d && Date.now() - d.at < inProgressMs);
      if (shown.length === 0 || shown.length !== names.length) return undefined;
      hit('ecs-provider-delete-in-progress');
      return ecsAnswer(200, { capacityProviders: shown.map((d) => d!.provider), failures: [] });
    }
    if (call.operation === 'PutClusterCapacityProviders') {
      const cluster = String(p.cluster);
      const keep = new Set((p.capacityProviders as string[] | undefined) ?? []);
      const live = (await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))).clusters?.[0];
      const dropped = (live?.capacityProviders ?? []).filter((x) => !keep.has(x));
      if (dropped.length === 0 || !(await hasLiveService(cluster))) return undefined;
      hit('ecs-remove-provider-in-use');
      return ecsAnswer(400, {
        __type: 'ResourceInUseException',
        message: 'The specified capacity provider is in use and cannot be removed.',
      });
    }
    return undefined;
  }

  async function asgRule(call: Call): Promise<Decision | undefined> {
    const p = new URLSearchParams(call.body);
    const name = p.get('AutoScalingGroupName') ?? '';
    if (call.operation === 'CreateAutoScalingGroup') {
      const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
      if ((out.AutoScalingGroups ?? []).length === 0) return undefined;
      hit('asg-create-exists');
      return autoScalingError(
        'AlreadyExists',
        `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`,
      );
    }
    if (call.operation === 'DeleteAutoScalingGroup' && p.get('ForceDelete') !== 'true') {
      const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
      if ((out.AutoScalingGroups?.[0]?.Instances ?? []).length === 0) return undefined;
      hit('asg-delete-with-instances');
      return autoScalingError(
        'ResourceInUse',
        'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
      );
    }
    return undefined;
  }

  async function describeProvider(name: string): Promise<Record<string, unknown> | undefined> {
    const out = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: [name], include: ['TAGS'] }));
    const found = out.capacityProviders?.[0];
    return found ? (JSON.parse(JSON.stringify(found)) as Record<string, unknown>) : undefined;
  }

  async function hasLiveService(cluster: string): Promise<boolean> {
    const arns = (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns ?? [];
    for (let i = 0; i < arns.length; i += 10) {
      const out = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
      if ((out.services ?? []).some((s) => s.status === 'ACTIVE' || s.status === 'DRAINING')) return true;
    }
    return false;
  }

  return rules;
}

/**
 * The capacity rules, then `next` (e.g. a crash test's hold), for startProxy. A refusal answers
 * at once (AWS did not act); where the rule would forward and rewrite, a hold from `next` wins, so
 * a crash test still kills between moto acting and ecsctl hearing.
 */
export function withCapacityRules(
  rules: CapacityRules,
  next: (call: Call) => Decision = () => ({ kind: 'pass' }),
): (call: Call) => Promise<Decision> {
  return async (call) => {
    const held = next(call);
    const ruled = await rules.decide(call);
    if (!ruled) return held;
    if (ruled.kind === 'forward-then-respond' && held.kind === 'delay-response') return held;
    return ruled;
  };
}

const shortName = (x: string) => x.split('/').pop() ?? x;
const jsonBody = (body: object) => ({
  status: 200,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': REQUEST_ID },
  body: JSON.stringify(body),
});
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
