import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { upPlan } from '../../../src/orchestrate/up.js';
import { downPlan } from '../../../src/orchestrate/down.js';
import { waves } from '../../../src/orchestrate/graph.js';
import { mergeSettings, readConfigFile, UP_DEFAULTS } from '../../../src/orchestrate/settings.js';
import { UsageError } from '../../../src/errors.js';

const settings = mergeSettings({}, {});
const asTasks = <T extends { id: string; deps: readonly string[] }>(plan: T[]) =>
  plan.map((p) => ({ ...p, title: p.id, run: async () => '' }));
/** Every task that must finish before `id` can start (its dependencies, transitively). */
function before<T extends { id: string; deps: readonly string[] }>(plan: T[], id: string): Set<string> {
  const byId = new Map(plan.map((p) => [p.id, p]));
  const out = new Set<string>();
  const walk = (x: string) =>
    byId.get(x)!.deps.forEach((d) => {
      if (!out.has(d)) {
        out.add(d);
        walk(d);
      }
    });
  walk(id);
  return out;
}

describe('the up plan', () => {
  const plan = upPlan(settings);

  it('creates the service only once its real inputs exist', () => {
    expect([...before(plan, 'service')]).toEqual(
      expect.arrayContaining(['cluster', 'taskdef', 'listener', 'push', 'instances', 'loadBalancer', 'targetGroup']),
    );
  });

  it('sends CreateLoadBalancer as early as its security group allows, without waiting for anything slow', () => {
    expect(before(plan, 'loadBalancer')).toEqual(new Set(['lbSg', 'network']));
    const w = waves(asTasks(plan));
    expect(w.findIndex((wave) => wave.includes('loadBalancer'))).toBe(2);
    expect(w[0]).toEqual(['network']);
  });

  it('orders the rest of the first wave after CreateLoadBalancer, without making them depend on it', () => {
    const w = waves(asTasks(plan));
    expect(w[3]).toEqual(expect.arrayContaining(['repo', 'cluster', 'iam', 'ami', 'targetGroup', 'instanceSg']));
    for (const id of ['repo', 'cluster', 'iam', 'ami', 'targetGroup'] as const) {
      const p = plan.find((t) => t.id === id)!;
      expect(p.after).toEqual(['loadBalancer']);
      expect(p.deps).not.toContain('loadBalancer');
    }
  });

  it('waits for the rollout only after the load balancer is active, and not at all with --no-wait', () => {
    expect(before(plan, 'rollout')).toContain('lbActive');
    expect(upPlan({ ...settings, wait: false }).map((p) => p.id)).not.toContain('rollout');
  });

  it('registers the task definition before the push finishes (the image URI is known after the build)', () => {
    expect(before(plan, 'taskdef')).not.toContain('push');
  });
});

describe('the down plan', () => {
  const plan = downPlan({ keepRepo: false, keepLogs: false, waitTimeoutMs: 1 });

  it('deletes the load balancer at once (after only the alias record, a no-op without --domain) and the service only after the deregistration delay is lowered and auto scaling is gone', () => {
    // The alias record goes first so the name never points at a deleted load balancer; without a
    // domain its task finds nothing recorded and returns before waiting for any client.
    expect(before(plan, 'loadBalancer')).toEqual(new Set(['alias']));
    expect(before(plan, 'alias').size).toBe(0);
    expect(before(plan, 'service')).toEqual(new Set(['lowerDelay', 'autoScaling']));
    expect([...before(plan, 'executionRole')]).toEqual(expect.arrayContaining(['service', 'taskdef']));
  });

  it('deletes the cluster after its services and container instances, the LB group after the LB and the instance group', () => {
    expect([...before(plan, 'cluster')]).toEqual(expect.arrayContaining(['service', 'containerInstances']));
    expect([...before(plan, 'lbSg')]).toEqual(expect.arrayContaining(['loadBalancer', 'lbInterfaces', 'instanceSg']));
    expect([...before(plan, 'targetGroup')]).toEqual(expect.arrayContaining(['service', 'loadBalancer']));
  });

  it('starts each deletion the moment its own blockers are gone, not after unrelated waits', () => {
    // The cluster needs its container instances deregistered, not the instances terminated.
    expect(before(plan, 'cluster')).not.toContain('instances');
    // The target group needs the listener gone, not the load balancer's interfaces released.
    expect(before(plan, 'targetGroup')).not.toContain('lbInterfaces');
    // The interfaces start going the moment the load balancer is deleted (itself only after the
    // alias record, a no-op without --domain), whatever else runs.
    expect(before(plan, 'lbInterfaces')).toEqual(new Set(['loadBalancer', 'alias']));
  });

  it('deletes the certificate after both listeners and the validation record after the certificate', () => {
    expect([...before(plan, 'certificate')]).toEqual(
      expect.arrayContaining(['httpsListener', 'loadBalancer', 'alias']),
    );
    expect([...before(plan, 'validationRecord')]).toEqual(expect.arrayContaining(['certificate']));
  });

  it('sends the load balancer deletion alone: the rest of the first wave is ordered after it, and its group is read while the interfaces go', () => {
    const w = waves(asTasks(plan));
    expect(w[0]).toEqual(['alias']);
    // Beside it only the HTTPS listener of a --domain stack (nothing recorded otherwise).
    expect(w[1]!.sort()).toEqual(['httpsListener', 'loadBalancer']);
    for (const id of ['lowerDelay', 'autoScaling', 'repo'] as const) {
      const p = plan.find((t) => t.id === id)!;
      expect(p.after).toEqual(['loadBalancer']);
      expect(p.deps).not.toContain('loadBalancer');
    }
    // The group is deleted once the interfaces are released and the load balancer is gone.
    expect(before(plan, 'lbSg')).toEqual(
      new Set([
        'lbInterfaces',
        'loadBalancerGone',
        'loadBalancer',
        'alias',
        ...before(plan, 'instanceSg'),
        'instanceSg',
      ]),
    );
  });

  it('keeps the repository and the logs when asked', () => {
    const ids = downPlan({ keepRepo: true, keepLogs: true, waitTimeoutMs: 1 }).map((p) => p.id);
    expect(ids).not.toContain('repo');
    expect(ids).not.toContain('logGroup');
  });
});

describe('up settings', () => {
  const file = async (text: string) => {
    const path = join(await mkdtemp(join(tmpdir(), 'ecsctl-config-')), 'up.json');
    await writeFile(path, text);
    return path;
  };

  it('takes flags over the file and the file over the defaults', async () => {
    const config = await readConfigFile(await file('{"desiredCount": 4, "instanceCount": 3, "waitTimeout": "5m"}'));
    const merged = mergeSettings({ desiredCount: 6 }, config);
    expect(merged).toMatchObject({
      desiredCount: 6,
      instanceCount: 3,
      waitTimeoutMs: 300_000,
      listenerPort: UP_DEFAULTS.listenerPort,
    });
    expect([...merged.fromFile].sort()).toEqual(['instanceCount', 'waitTimeout']);
  });

  it('reads env, secrets and auto scaling from the file, checked like the flags; flags replace a list', async () => {
    const config = await readConfigFile(
      await file(
        '{"env": ["A=b"], "secret": ["DB=/web/db"], "minCount": 1, "maxCount": 3, "cpuTarget": 50, "requestsPerTarget": 200}',
      ),
    );
    const merged = mergeSettings({ env: [['C', 'd']] }, config);
    expect(merged.env).toEqual([['C', 'd']]);
    expect(merged.secret).toEqual([['DB', '/web/db']]);
    expect(merged.autoScaling).toEqual({ min: 1, max: 3, cpuTarget: 50, requestsPerTarget: 200 });
    expect(mergeSettings({}, {}).autoScaling).toBeUndefined();
    const bad = async (text: string) => mergeSettings({}, await readConfigFile(await file(text)));
    await expect(bad('{"minCount": 1, "maxCount": 2, "cpuTarget": 0}')).rejects.toThrow(
      /cpuTarget must be a percentage above 0/,
    );
    await expect(bad('{"minCount": 4, "maxCount": 2, "cpuTarget": 50}')).rejects.toThrow(
      /--min-count 4 is above --max-count 2/,
    );
    await expect(bad('{"secret": ["NOEQUALS"]}')).rejects.toThrow(/--config: secret must look like/);
    await expect(bad('{"minCount": 1}')).rejects.toThrow(/both --min-count and --max-count/);
  });

  it.each([
    ['{"desiredCount": 4, "replicas": 2}', /unknown key "replicas"/],
    ['{"desiredCount": "four"}', /desiredCount: Invalid input: expected number/],
    ['{"desiredCount": 4', /not valid JSON/],
    ['[1]', /expected object/],
  ])('rejects %s', async (text, message) => {
    const path = await file(text);
    await expect(readConfigFile(path)).rejects.toThrow(UsageError);
    await expect(readConfigFile(path)).rejects.toThrow(message);
  });

  it("checks the file's values with the same rules as the flags", () => {
    expect(() => mergeSettings({}, { instanceCount: 0 })).toThrow(/instanceCount must be a whole number from 1 to 20/);
    expect(() => mergeSettings({}, { waitTimeout: 'bogus' })).toThrow(/waitTimeout must be a duration/);
    expect(() => mergeSettings({}, { name: 'Bad Name' })).toThrow(/not a valid stack name/);
  });
});
