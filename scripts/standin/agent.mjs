#!/usr/bin/env node
/**
 * STAND-IN FOR THE ECS AGENT — for moto, which runs no instances and so no agent.
 *
 * On real AWS, the ECS agent on each instance reads ECS_CLUSTER from /etc/ecs/ecs.config (written
 * by the user data) and registers the instance with that cluster. This loop does only that, from
 * the outside: every `intervalMs` it lists running instances, reads each one's user data, and
 * calls RegisterContainerInstance for those whose user data sets ECS_CLUSTER=<name> and that are
 * not registered yet. Nothing else: no tasks, no heartbeats, no deregistration.
 *
 * Plain ESM JavaScript so that it runs with plain `node` (demo, benchmarks):
 *   node scripts/standin/agent.mjs --endpoint http://127.0.0.1:5000 [--region us-east-1]
 */
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeContainerInstancesCommand,
  ECSClient,
  ListContainerInstancesCommand,
  RegisterContainerInstanceCommand,
} from '@aws-sdk/client-ecs';
import { pathToFileURL } from 'node:url';

const CLUSTER_LINE = /ECS_CLUSTER=["']?([A-Za-z0-9_-]{1,255})/;

/**
 * Starts the loop. `registered` holds the EC2 instance IDs this stand-in has registered.
 * @param {{ endpoint: string, region?: string, intervalMs?: number,
 *   credentials?: { accessKeyId: string, secretAccessKey: string },
 *   log?: (line: string) => void }} options
 */
export function startAgent({ endpoint, region = 'us-east-1', intervalMs = 300, credentials, log = () => {} }) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = {
    region,
    endpoint,
    maxAttempts: 2,
    credentials: credentials ?? { accessKeyId: 'AKIASTANDINAGENT0000', secretAccessKey: 'stand-in' },
  };
  const ec2 = new EC2Client(config);
  const ecs = new ECSClient(config);
  /** @type {Set<string>} */
  const registered = new Set();
  /** Instance ID → cluster named in its user data ('' when none). User data cannot change while running. */
  const clusterOf = new Map();
  /** Clusters whose existing registrations were read, so a restarted stand-in does not register twice. */
  const known = new Map();
  let stopped = false;
  let timer;
  let current = Promise.resolve();

  async function alreadyRegistered(cluster) {
    if (!known.has(cluster)) {
      const ids = new Set();
      const arns = (await ecs.send(new ListContainerInstancesCommand({ cluster }))).containerInstanceArns ?? [];
      if (arns.length > 0) {
        const out = await ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns }));
        for (const ci of out.containerInstances ?? []) if (ci.ec2InstanceId) ids.add(ci.ec2InstanceId);
      }
      known.set(cluster, ids);
    }
    return known.get(cluster);
  }

  async function tick() {
    const instances = [];
    let NextToken;
    do {
      const out = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }], NextToken }),
      );
      for (const r of out.Reservations ?? []) instances.push(...(r.Instances ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    for (const instance of instances) {
      if (stopped) return;
      const id = instance.InstanceId;
      if (registered.has(id)) continue;
      if (!clusterOf.has(id)) {
        const attr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }));
        const text = attr.UserData?.Value ? Buffer.from(attr.UserData.Value, 'base64').toString('utf8') : '';
        clusterOf.set(id, CLUSTER_LINE.exec(text)?.[1] ?? '');
      }
      const cluster = clusterOf.get(id);
      if (!cluster) continue;
      try {
        if ((await alreadyRegistered(cluster)).has(id)) {
          registered.add(id);
          continue;
        }
        const doc = {
          instanceId: id,
          region,
          availabilityZone: instance.Placement?.AvailabilityZone,
          instanceType: instance.InstanceType,
          imageId: instance.ImageId,
          privateIp: instance.PrivateIpAddress,
        };
        const out = await ecs.send(
          new RegisterContainerInstanceCommand({ cluster, instanceIdentityDocument: JSON.stringify(doc) }),
        );
        registered.add(id);
        known.get(cluster)?.add(id);
        log(
          `[ecs-agent stand-in] registered ${id} with cluster ${cluster} as ${out.containerInstance?.containerInstanceArn}`,
        );
      } catch (e) {
        // Unknown cluster (moto answers 500) or a transient failure: try again next round.
        known.delete(cluster);
        log(
          `[ecs-agent stand-in] could not register ${id} with cluster ${cluster}: ${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`,
        );
      }
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick()
        .catch((e) =>
          log(`[ecs-agent stand-in] poll failed: ${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`),
        )
        .finally(schedule);
    }, intervalMs);
  }
  current = tick()
    .catch((e) => log(`[ecs-agent stand-in] poll failed: ${e?.name ?? 'Error'}`))
    .finally(schedule);

  return {
    registered,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      clearTimeout(timer);
      ec2.destroy();
      ecs.destroy();
    },
  };
}

function parseArgs(argv) {
  const args = { region: process.env.AWS_REGION ?? 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--endpoint') args.endpoint = argv[++i];
    else if (flag === '--region') args.region = argv[++i];
    else if (flag === '--interval-ms') args.intervalMs = Number(argv[++i]);
    else if (flag === '-h' || flag === '--help') args.help = true;
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(
      `${e.message} (usage: node scripts/standin/agent.mjs --endpoint URL [--region R] [--interval-ms N])\n`,
    );
    process.exit(2);
  }
  if (args.help || !args.endpoint) {
    process.stdout.write(
      'Stand-in for the ECS agent (moto only): registers running instances whose user data sets ECS_CLUSTER.\n' +
        'usage: node scripts/standin/agent.mjs --endpoint URL [--region R] [--interval-ms N]\n',
    );
    process.exit(args.help ? 0 : 2);
  }
  const credentials =
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }
      : undefined;
  const agent = startAgent({
    endpoint: args.endpoint,
    region: args.region,
    intervalMs: args.intervalMs ?? 300,
    credentials,
    log: (l) => console.log(l),
  });
  console.log(
    `[ecs-agent stand-in] watching ${args.endpoint} (${args.region}); this is not the real ECS agent. Ctrl-C to stop.`,
  );
  const shutdown = () => void agent.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
