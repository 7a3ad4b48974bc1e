#!/usr/bin/env node
/**
 * A stand-in for the ECS service scheduler's load balancer work, for moto, which never
 * registers targets: for every ACTIVE service with load balancers, in every cluster, it registers
 * one target per ACTIVE container instance of the cluster (Id = the EC2 instance id, Port =
 * 32768 + the instance's index, like a dynamic host port) and deregisters targets whose instance
 * is no longer an ACTIVE container instance. Nothing else: it places no tasks and changes no
 * service. Never point it at a real AWS account.
 *
 *   import { startScheduler } from './scripts/standin/scheduler.mjs';
 *   const scheduler = startScheduler({ endpoint: 'http://127.0.0.1:5000' }); … scheduler.stop();
 *
 *   node scripts/standin/scheduler.mjs --endpoint http://127.0.0.1:5000 [--region us-east-1] [--interval-ms 300]
 */
import {
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { fileURLToPath } from 'node:url';

export const LABEL = '[stand-in for the ECS scheduler]';
const FIRST_PORT = 32768;

/**
 * Starts the loop; each pass runs `intervalMs` after the previous one ended.
 * @param {{ endpoint: string, region?: string, intervalMs?: number, log?: (line: string) => void }} options
 * @returns {{ stop(): Promise<void>, passes(): number }}
 */
export function startScheduler({ endpoint, region = 'us-east-1', intervalMs = 300, log = () => {} }) {
  if (!endpoint) throw new Error(`${LABEL} needs an endpoint (a moto server); it must never run against real AWS`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Fixed dummy credentials: a local moto accepts any, and nothing here may reach a real account.
  const config = {
    region,
    endpoint,
    credentials: { accessKeyId: 'AKIASTANDINSCHEDULER', secretAccessKey: 'stand-in' },
    maxAttempts: 2,
  };
  const ecs = new ECSClient(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  let stopped = false;
  let passes = 0;
  let timer;
  let current = Promise.resolve();
  let lastError = '';

  const loop = () => {
    if (stopped) return;
    current = pass(ecs, elb, log)
      .then(() => {
        lastError = '';
      })
      .catch((e) => {
        const line = `${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`;
        if (line !== lastError) log(`${LABEL} pass failed: ${line}`);
        lastError = line;
      })
      .finally(() => {
        passes++;
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  loop();
  return {
    passes: () => passes,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      ecs.destroy();
      elb.destroy();
    },
  };
}

async function pass(ecs, elb, log) {
  const clusters = await all((token) => ecs.send(new ListClustersCommand({ nextToken: token })), 'clusterArns');
  for (const cluster of clusters) {
    const serviceArns = await all(
      (token) => ecs.send(new ListServicesCommand({ cluster, nextToken: token })),
      'serviceArns',
    );
    const services = [];
    for (let i = 0; i < serviceArns.length; i += 10) {
      const out = await ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns.slice(i, i + 10) }));
      services.push(...(out.services ?? []).filter((s) => s.status === 'ACTIVE' && (s.loadBalancers ?? []).length > 0));
    }
    if (services.length === 0) continue;
    const wanted = await activeInstances(ecs, cluster);
    const groups = new Set(services.flatMap((s) => s.loadBalancers.map((lb) => lb.targetGroupArn).filter(Boolean)));
    for (const tg of groups) await reconcile(elb, tg, wanted, log);
  }
}

/** ACTIVE container instances of the cluster, in a stable order, as targets. */
async function activeInstances(ecs, cluster) {
  const arns = (
    await all(
      (token) => ecs.send(new ListContainerInstancesCommand({ cluster, nextToken: token })),
      'containerInstanceArns',
    )
  ).sort();
  if (arns.length === 0) return [];
  const out = await ecs.send(
    new DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(0, 100) }),
  );
  return (out.containerInstances ?? [])
    .filter((ci) => ci.status === 'ACTIVE' && ci.ec2InstanceId)
    .sort((a, b) => a.containerInstanceArn.localeCompare(b.containerInstanceArn))
    .map((ci, index) => ({ Id: ci.ec2InstanceId, Port: FIRST_PORT + index }));
}

async function reconcile(elb, tg, wanted, log) {
  const health =
    (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [];
  const present = health.map((h) => h.Target).filter(Boolean);
  const missing = wanted.filter((w) => !present.some((p) => p.Id === w.Id));
  const gone = present.filter((p) => !wanted.some((w) => w.Id === p.Id));
  const name = /:targetgroup\/([^/]+)\//.exec(tg)?.[1] ?? tg;
  if (missing.length > 0) {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: missing }));
    log(`${LABEL} registered ${missing.map((t) => `${t.Id}:${t.Port}`).join(', ')} in ${name}`);
  }
  if (gone.length > 0) {
    await elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: gone.map((t) => ({ Id: t.Id, Port: t.Port })) }),
    );
    log(
      `${LABEL} deregistered ${gone.map((t) => `${t.Id}:${t.Port}`).join(', ')} from ${name} (instance no longer ACTIVE)`,
    );
  }
}

async function all(call, key) {
  const items = [];
  let token;
  do {
    const out = await call(token);
    items.push(...(out[key] ?? []));
    token = out.nextToken;
  } while (token);
  return items;
}

function parseArgs(argv) {
  const args = { region: 'us-east-1', intervalMs: 300 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--endpoint') args.endpoint = value;
    else if (flag === '--region') args.region = value;
    else if (flag === '--interval-ms') args.intervalMs = Number(value);
    else
      throw new Error(
        `unknown argument ${flag}; usage: node scripts/standin/scheduler.mjs --endpoint URL [--region R] [--interval-ms N]`,
      );
    i++;
  }
  if (!args.endpoint)
    throw new Error('usage: node scripts/standin/scheduler.mjs --endpoint URL [--region R] [--interval-ms N]');
  if (!Number.isFinite(args.intervalMs) || args.intervalMs < 50)
    throw new Error('--interval-ms must be a number of milliseconds ≥ 50');
  return args;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${LABEL} ${e.message}\n`);
    process.exit(2);
  }
  const log = (line) => process.stdout.write(`${line}\n`);
  log(`${LABEL} started against ${args.endpoint} (${args.region}), every ${args.intervalMs} ms; this is not ECS`);
  const scheduler = startScheduler({ ...args, log });
  const shutdown = async (signal) => {
    await scheduler.stop();
    log(`${LABEL} stopped on ${signal}`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
