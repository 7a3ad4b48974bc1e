/**
 * Against the critical path. moto makes everything ready at once; this puts a time-simulating
 * proxy in front of it that gives AWS its real delays scaled 1:SCALE (aws-facts §2, scenario S2),
 * computes the critical path and the sequential sum from the SAME model, and runs
 * `ecsctl up --image …` and `ecsctl down --yes` through it with ECSCTL_POLL_SCALE=1/SCALE.
 *
 * What the proxy simulates (model seconds; all divided by SCALE):
 *  - IAM instance profile propagation 8 s after AddRoleToInstanceProfile: RunInstances fails until
 *    then with the real InvalidParameterValue "Invalid IAM Instance Profile name".
 *  - RunInstances takes 3 s; instances `pending` 18 s, then `running`; the ECS agent registers
 *    22 s later (container instances hidden from ListContainerInstances/DescribeClusters until then).
 *  - CreateLoadBalancer takes 1 s; the ALB is `provisioning` for 150 s.
 *  - the service's tasks run 10 s after CreateService (runningCount 0, rollout IN_PROGRESS before);
 *    targets are `initial` until max(tasks running, ALB active) + 5.5 s (registration + ½ interval).
 *  - DeleteService: the service is DRAINING for the target group's deregistration delay (read from
 *    ModifyTargetGroupAttributes) + 2 s stop + 8 s ECS.
 *  - the ALB's network interfaces (two, one per subnet, described "ELB app/<name>/<id>" in the ALB's
 *    security group, as AWS does; moto creates none) exist from CreateLoadBalancer until 90 s after
 *    DeleteLoadBalancer: DescribeNetworkInterfaces lists them, and DeleteSecurityGroup on the ALB's
 *    group answers DependencyViolation meanwhile.
 *  - TerminateInstances: `shutting-down` for 35 s.
 *  - every other API call: its real moto latency (the model's 0.25 s per call, scaled, is ~12 ms).
 *  - `refuseRunInstancesAt` (the failure row): RunInstances is held until that model second of the
 *    run and then refused with EC2's VcpuLimitExceeded, while the ALB is still provisioning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, startMoto, startProxy, startStandins } from './lib.mjs';
import { ecsctl, UP_ARGS } from './sides.mjs';

// BENCH_SCALE sets how much the model's delays are compressed (default 1:20). Node start-up and SDK
// loading do not compress, so the larger the scale, the more they weigh in the whole-process ratio;
// the first-to-last-call ratio does not depend on it.
export const SCALE = Number(process.env.BENCH_SCALE) > 0 ? Number(process.env.BENCH_SCALE) : 20;
const C = 0.25; // one API call in the model
const D = {
  iam: 8,
  runCall: 3,
  pending: 18,
  agent: 22,
  lbCall: 1,
  alb: 150,
  tasks: 10,
  healthy: 5.5,
  stop: 2,
  ecs: 8,
  eni: 90,
  terminate: 35,
};

/** The model: node → [duration s, deps]. `deregDelay` comes from the target group ecsctl made. */
export function upModel() {
  return {
    preflight: [C, []],
    repo: [C, []],
    logs: [C, []],
    cluster: [C, []],
    role: [2 * C, []],
    profile: [2 * C, ['role']],
    iamPropagation: [D.iam, ['profile']],
    albSg: [2 * C, ['preflight']],
    instanceSg: [2 * C, ['albSg']],
    runInstances: [D.runCall, ['iamPropagation', 'instanceSg', 'preflight']],
    running: [D.pending, ['runInstances']],
    agentRegistered: [D.agent, ['running']],
    taskdef: [C, ['preflight', 'repo', 'logs']],
    targetGroup: [2 * C, ['preflight']],
    createLoadBalancer: [D.lbCall, ['albSg']],
    albActive: [D.alb, ['createLoadBalancer']],
    listener: [C, ['targetGroup', 'createLoadBalancer']],
    service: [2 * C, ['cluster', 'taskdef', 'listener', 'agentRegistered']],
    tasksRunning: [D.tasks, ['service']],
    targetsHealthy: [D.healthy, ['tasksRunning', 'albActive']],
  };
}
export function downModel(deregDelay) {
  return {
    discover: [2 * C, []],
    deleteService: [C, ['discover']],
    drained: [deregDelay, ['deleteService']],
    serviceInactive: [D.stop + D.ecs, ['drained']],
    deleteLoadBalancer: [C, ['discover']],
    enisReleased: [D.eni, ['deleteLoadBalancer']],
    deleteTargetGroup: [C, ['deleteLoadBalancer', 'serviceInactive']],
    deregisterInstances: [C, ['serviceInactive']],
    terminate: [C, ['deregisterInstances']],
    terminated: [D.terminate, ['terminate']],
    deleteCluster: [C, ['deregisterInstances', 'serviceInactive']],
    deleteInstanceSg: [C, ['terminated']],
    deleteAlbSg: [C, ['enisReleased', 'deleteInstanceSg']],
    iam: [2 * C, ['terminated']],
    taskdef: [2 * C, ['discover']],
    repo: [C, ['discover']],
    logs: [C, ['discover']],
  };
}
/** {critical, sequential, path} in model seconds. */
export function solve(model) {
  const finish = {};
  const via = {};
  const f = (n) => {
    if (finish[n] === undefined) {
      const [d, deps] = model[n];
      let start = 0;
      for (const p of deps)
        if (f(p) > start) {
          start = f(p);
          via[n] = p;
        }
      finish[n] = start + d;
    }
    return finish[n];
  };
  let end = 0;
  let last;
  for (const n of Object.keys(model))
    if (f(n) > end) {
      end = f(n);
      last = n;
    }
  const path = [];
  for (let n = last; n; n = via[n]) path.unshift(n);
  return { critical: end, sequential: Object.values(model).reduce((s, [d]) => s + d, 0), path };
}

const ec2Error = (code, message) => ({
  status: 400,
  body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>bench-sim</RequestID></Response>`,
});

/** The ALB's interfaces as EC2 describes them (one per subnet), for a DescribeNetworkInterfaces answer. */
function albInterfaces(lb, groups) {
  const group = groups.map((g) => `<item><groupId>${g}</groupId><groupName>${g}</groupName></item>`).join('');
  return lb.subnets
    .map(
      (subnet, i) =>
        `<item><networkInterfaceId>eni-0bench${String(i).padStart(12, '0')}</networkInterfaceId><subnetId>${subnet}</subnetId><description>ELB app/${lb.name}/${lb.id}</description><ownerId>123456789012</ownerId><requesterId>amazon-elb</requesterId><requesterManaged>true</requesterManaged><status>in-use</status><interfaceType>interface</interfaceType><groupSet>${group}</groupSet></item>`,
    )
    .join('');
}

/** EC2 query filters of a request: {name: [values]}. */
function filtersOf(body) {
  const p = new URLSearchParams(body);
  const out = {};
  for (const [k, v] of p) {
    const m = /^Filter\.(\d+)\.Name$/.exec(k);
    if (!m) continue;
    out[v] = [...p].filter(([kk]) => kk.startsWith(`Filter.${m[1]}.Value.`)).map(([, vv]) => vv);
  }
  return out;
}
const wildcard = (pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** The proxy's clock and rewrites. Times in ms since the epoch; `s(x)` = x model seconds in ms. */
function simulator({ refuseRunInstancesAt } = {}) {
  const s = (x) => (x * 1000) / SCALE;
  const t = {};
  const lbSgs = new Set();
  let lb; // {name, id, subnets} of the ALB, from CreateLoadBalancer
  let deregDelay = 300;
  const now = () => Date.now();
  const param = (body, name) => new URLSearchParams(body).get(name);
  const enisLinger = () => lb !== undefined && (t.deleteLb === undefined || now() < t.deleteLb + s(D.eni));
  return {
    get deregDelay() {
      return deregDelay;
    },
    /** When the refused RunInstances was answered (the failure row). */
    get refusedAt() {
      return t.refused;
    },
    /** When the ALB turns active in the model. */
    get albActiveAt() {
      return t.lb === undefined ? undefined : t.lb + s(D.alb);
    },
    async before(call, body) {
      if (call.agent !== 'client') return undefined;
      const op = call.operation;
      t.first ??= now();
      if (op === 'AddRoleToInstanceProfile') t.profile = now();
      if (op === 'RunInstances' && refuseRunInstancesAt !== undefined) {
        await sleep(Math.max(0, t.first + s(refuseRunInstancesAt) - now()));
        t.refused = now();
        return ec2Error(
          'VcpuLimitExceeded',
          'You have requested more vCPU capacity than your current vCPU limit of 0 allows for the instance bucket that the specified instance type belongs to.',
        );
      }
      if (op === 'RunInstances') {
        if (t.profile === undefined || now() < t.profile + s(D.iam)) {
          return ec2Error(
            'InvalidParameterValue',
            `Value (${param(body, 'IamInstanceProfile.Name') ?? ''}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
          );
        }
        await sleep(s(D.runCall));
        t.run = now();
      }
      if (op === 'CreateLoadBalancer') {
        for (const [k, v] of new URLSearchParams(body)) if (k.startsWith('SecurityGroups.member.')) lbSgs.add(v);
        const subnets = [...new URLSearchParams(body)]
          .filter(([k]) => k.startsWith('Subnets.member.'))
          .map(([, v]) => v);
        lb = { name: param(body, 'Name'), id: '', subnets };
        await sleep(s(D.lbCall));
        t.lb = now();
      }
      if (op === 'ModifyTargetGroupAttributes') {
        const p = new URLSearchParams(body);
        for (const [k, v] of p)
          if (v === 'deregistration_delay.timeout_seconds') deregDelay = Number(p.get(k.replace(/Key$/, 'Value')));
      }
      if (op === 'CreateService') t.service = now();
      if (op === 'DeleteService') t.deleteService = now();
      if (op === 'DeleteLoadBalancer') t.deleteLb = now();
      if (op === 'TerminateInstances') t.terminate = now();
      if (op === 'DeleteSecurityGroup' && lbSgs.has(param(body, 'GroupId') ?? '') && enisLinger()) {
        return ec2Error('DependencyViolation', `resource ${param(body, 'GroupId')} has a dependent object`);
      }
      return undefined;
    },
    after(call, req, status, body) {
      if (status !== 200) return undefined;
      const op = call.operation;
      const n = now();
      if (op === 'CreateLoadBalancer' && lb) lb.id = /loadbalancer\/app\/[^/]+\/([^<]+)</.exec(body)?.[1] ?? '';
      if (op === 'DescribeNetworkInterfaces' && call.agent === 'client' && enisLinger()) {
        const f = filtersOf(req);
        const description = `ELB app/${lb.name}/${lb.id}`;
        const groups = [...lbSgs];
        const matches =
          (f.description ?? ['*']).some((p) => wildcard(p).test(description)) &&
          (f['group-id'] ?? groups).some((g) => lbSgs.has(g));
        if (matches)
          return body.replace(
            /<networkInterfaceSet\/>|<networkInterfaceSet>\s*<\/networkInterfaceSet>/,
            `<networkInterfaceSet>${albInterfaces(lb, groups)}</networkInterfaceSet>`,
          );
      }
      const albActive = t.lb === undefined ? Infinity : t.lb + s(D.alb);
      const running = t.run === undefined ? Infinity : t.run + s(D.pending);
      const registered = running + s(D.agent);
      const tasks = t.service === undefined ? Infinity : t.service + s(D.tasks);
      if (op === 'DescribeLoadBalancers' && n < albActive)
        return body.replace(/<Code>active<\/Code>/g, '<Code>provisioning</Code>');
      if (op === 'DescribeInstances' || op === 'DescribeInstanceStatus') {
        let out = body;
        if (n < running)
          out = out.replace(/<code>16<\/code>(\s*)<name>running<\/name>/g, '<code>0</code>$1<name>pending</name>');
        if (t.terminate !== undefined && n < t.terminate + s(D.terminate))
          out = out.replace(
            /<code>48<\/code>(\s*)<name>terminated<\/name>/g,
            '<code>32</code>$1<name>shutting-down</name>',
          );
        return out;
      }
      if (n < registered && op === 'ListContainerInstances') {
        const j = JSON.parse(body);
        j.containerInstanceArns = [];
        return JSON.stringify(j);
      }
      if (n < registered && op === 'DescribeClusters') {
        const j = JSON.parse(body);
        for (const c of j.clusters ?? []) c.registeredContainerInstancesCount = 0;
        return JSON.stringify(j);
      }
      if (op === 'DescribeServices') {
        const j = JSON.parse(body);
        for (const svc of j.services ?? []) {
          if (n < tasks && svc.status === 'ACTIVE') {
            svc.runningCount = 0;
            svc.pendingCount = svc.desiredCount;
            for (const d of svc.deployments ?? []) {
              d.runningCount = 0;
              d.rolloutState = 'IN_PROGRESS';
            }
          }
          if (t.deleteService !== undefined && n < t.deleteService + s(deregDelay + D.stop + D.ecs)) {
            svc.status = 'DRAINING';
            svc.runningCount = svc.runningCount || 1;
          }
        }
        return JSON.stringify(j);
      }
      if (op === 'DescribeTargetHealth' && n < Math.max(tasks, albActive) + s(D.healthy))
        return body.replace(/<State>healthy<\/State>/g, '<State>initial</State>');
      return undefined;
    },
  };
}

export async function critical({ row, log }) {
  const moto = await startMoto();
  const sim = simulator();
  const proxy = await startProxy(moto.endpoint, sim);
  const standins = await startStandins(moto.endpoint); // straight to moto: the agent is not an API client
  const stateDir = mkdtempSync(join(tmpdir(), 'ecsctl-bench-'));
  const env = { ECSCTL_POLL_SCALE: String(1 / SCALE) };
  try {
    // A fresh moto builds each service's backend on its first call (seconds for EC2 and IAM):
    // warm it with one up/down of another stack straight against moto, so that what is timed
    // below is ecsctl and the model, not moto's start-up.
    log('critical path: warming moto…');
    const warm = mkdtempSync(join(tmpdir(), 'ecsctl-bench-'));
    await ecsctl(moto.endpoint, UP_ARGS('warm'), { stateDir: warm, env });
    await ecsctl(moto.endpoint, ['down', '--yes'], { stateDir: warm, env });
    rmSync(warm, { recursive: true, force: true });
    log(`critical path: up through the time-simulating proxy (1:${SCALE})…`);
    const upStart = Date.now();
    const up = await ecsctl(proxy.endpoint, UP_ARGS('crit'), { stateDir, env });
    if (up.code !== 0) throw new Error(`up exited ${up.code}: ${up.stderr.slice(-800)}`);
    log('critical path: down…');
    const upEnd = Date.now();
    const downStart = Date.now();
    const down = await ecsctl(proxy.endpoint, ['down', '--yes'], { stateDir, env });
    if (down.code !== 0) throw new Error(`down exited ${down.code}: ${down.stderr.slice(-800)}`);
    const u = solve(upModel());
    const d = solve(downModel(sim.deregDelay));
    const ms = (x) => (x * 1000) / SCALE;
    const upRatio = up.ms / ms(u.critical);
    const downRatio = down.ms / ms(d.critical);
    row(
      `\`up\` wall / critical path (1:${SCALE}; path ${u.path.join(' → ')})`,
      `${(up.ms / 1000).toFixed(2)} / ${(ms(u.critical) / 1000).toFixed(2)} s = ${upRatio.toFixed(2)}×`,
      '≤ 1.10×',
      upRatio <= 1.1,
    );
    // The same figure without the process's own start-up and exit (node + SDK load, ~1-2 s on
    // this shared machine), which do not scale with the model: first AWS call to last.
    const span = (from, to) => {
      const cs = proxy.calls.filter((c) => c.agent === 'client' && c.t >= from && c.t <= to);
      return cs.length ? cs[cs.length - 1].t - cs[0].t : NaN;
    };
    const upSpan = span(upStart, upEnd);
    const downEnd = Date.now();
    const downSpan = span(downStart, downEnd);
    // Where the rest of the wall time goes: before the first call (node, modules, state, lock) and
    // after the last (state write, lock release, exit).
    const edges = (from, to) => {
      const cs = proxy.calls.filter((c) => c.agent === 'client' && c.t >= from && c.t <= to);
      return `${cs[0].t - from} ms before the first call, ${to - cs[cs.length - 1].t} ms after the last`;
    };
    log(`up: ${edges(upStart, upEnd)}; down: ${edges(downStart, downEnd)}`);
    row(
      '`up` first to last AWS call / critical path',
      `${(upSpan / 1000).toFixed(2)} / ${(ms(u.critical) / 1000).toFixed(2)} s = ${(upSpan / ms(u.critical)).toFixed(2)}×`,
      '≤ 1.05×',
      upSpan / ms(u.critical) <= 1.05,
    );
    row(
      `\`up\` steps one after another (model) / critical path`,
      `${(ms(u.sequential) / 1000).toFixed(2)} / ${(ms(u.critical) / 1000).toFixed(2)} s = ${(u.sequential / u.critical).toFixed(2)}× slower`,
      '',
      undefined,
    );
    row(
      `\`down\` wall / critical path (dereg delay ${sim.deregDelay} s; path ${d.path.join(' → ')})`,
      `${(down.ms / 1000).toFixed(2)} / ${(ms(d.critical) / 1000).toFixed(2)} s = ${downRatio.toFixed(2)}×`,
      '≤ 1.10×',
      downRatio <= 1.1,
    );
    row(
      '`down` first to last AWS call / critical path',
      `${(downSpan / 1000).toFixed(2)} / ${(ms(d.critical) / 1000).toFixed(2)} s = ${(downSpan / ms(d.critical)).toFixed(2)}×`,
      '',
      undefined,
    );
    row(
      `\`down\` steps one after another (model) / critical path`,
      `${(ms(d.sequential) / 1000).toFixed(2)} / ${(ms(d.critical) / 1000).toFixed(2)} s = ${(d.sequential / d.critical).toFixed(2)}× slower`,
      '',
      undefined,
    );
    const t0 = proxy.calls[0]?.t ?? 0;
    const timeline = proxy.calls
      .filter((c) => c.agent === 'client')
      .map((c) => `${((c.t - t0) / 1000).toFixed(2)} ${c.operation}`);
    if (process.env.BENCH_TIMELINE) log(`timeline:\n${timeline.join('\n')}`);
    if (process.env.BENCH_TIMELINE)
      log(`up stderr:\n${up.stderr.slice(-4000)}\ndown stderr:\n${down.stderr.slice(-4000)}`);
    const describes = (op, from, to) =>
      proxy.calls.filter((c) => c.agent === 'client' && c.operation === op && c.t >= from && c.t <= to).length;
    row(
      'describe calls: `DescribeLoadBalancers` in `up` / `DescribeNetworkInterfaces` in `down`',
      `${describes('DescribeLoadBalancers', upStart, upEnd)} / ${describes('DescribeNetworkInterfaces', downStart, Date.now())}`,
      '',
      undefined,
    );
    await failureRow({ row, log, moto, env });
    return { up: up.ms, down: down.ms, u, d, upErr: up.stderr, downErr: down.stderr };
  } finally {
    await standins.stop();
    await proxy.close();
    await moto.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * The failure row: `up` through a proxy that refuses RunInstances at model second 10, while the
 * ALB provisions for 150 s. Measured from the refusal leaving the proxy to ecsctl's exit.
 */
const REFUSE_AT = 10;
async function failureRow({ row, log, moto, env }) {
  const sim = simulator({ refuseRunInstancesAt: REFUSE_AT });
  const proxy = await startProxy(moto.endpoint, sim);
  const stateDir = mkdtempSync(join(tmpdir(), 'ecsctl-bench-'));
  try {
    log(`critical path: up with RunInstances refused at model second ${REFUSE_AT}…`);
    const start = Date.now();
    const up = await ecsctl(proxy.endpoint, UP_ARGS('fail'), { stateDir, env });
    const exitAt = start + up.ms;
    if (up.code !== 1 || sim.refusedAt === undefined || sim.albActiveAt === undefined)
      throw new Error(`the failing up exited ${up.code}: ${up.stderr.slice(-800)}`);
    const modelS = ((exitAt - sim.refusedAt) / 1000) * SCALE;
    const albLeft = ((sim.albActiveAt - exitAt) / 1000) * SCALE;
    row(
      `RunInstances refused at model second ${REFUSE_AT} → ecsctl exits 1 (ALB still provisioning, ~${Math.round(albLeft)} s to go)`,
      `${((exitAt - sim.refusedAt) / 1000).toFixed(2)} s = ${modelS.toFixed(1)} s model time`,
      '≤ 2 s model',
      modelS <= 2,
    );
    if (!/VcpuLimitExceeded|vCPU/.test(up.stderr)) log(`failing up said: ${up.stderr.slice(-400)}`);
  } finally {
    await proxy.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
