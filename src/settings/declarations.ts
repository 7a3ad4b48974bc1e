/**
 * The settings several commands share (one declaration each) and `up`'s schema built from them.
 * A step command adds a shared declaration with its own help text where its meaning differs
 * (`service update --desired-count`: "default: unchanged"); the validator stays the same.
 */
import { platform, registryAddress } from '../docker/inputs.js';
import * as v from '../util/validate.js';
import { secretFlag } from '../steps/taskdef/secrets.js';
import type { AutoScalingSettings } from '../steps/service/autoscaling-policy.js';
import { CERTIFICATE_TIMEOUT_MS, LB_DEFAULTS, UP_DEFAULTS, WAIT_TIMEOUT_MS } from './defaults.js';
import { optional, setting, type SettingsOf } from './schema.js';

const minutes = (ms: number) => `${ms / 60_000}m`;

/** Settings that more than one command takes. */
export const SHARED = {
  desiredCount: setting({
    flag: '--desired-count <n>',
    help: `Number of tasks the service keeps running, 0-${v.MAX_DESIRED_COUNT} (default: ${UP_DEFAULTS.desiredCount}).`,
    parse: v.desiredCount,
    json: 'integer',
    default: UP_DEFAULTS.desiredCount,
  }),
  containerPort: setting({
    flag: '--container-port <port>',
    help: `Port the container listens on (default: ${UP_DEFAULTS.containerPort}).`,
    parse: v.port,
    json: 'integer',
    default: UP_DEFAULTS.containerPort,
  }),
  listenerPort: setting({
    flag: '--listener-port <port>',
    help: `Port the load balancer listens on (default: ${UP_DEFAULTS.listenerPort}).`,
    parse: v.port,
    json: 'integer',
    default: UP_DEFAULTS.listenerPort,
  }),
  healthCheckPath: setting({
    flag: '--health-check-path <path>',
    help: `Path the target group health check requests (default: ${LB_DEFAULTS.healthCheckPath}).`,
    parse: v.healthPath,
    json: 'string',
    default: LB_DEFAULTS.healthCheckPath,
  }),
  logRetentionDays: setting({
    flag: '--log-retention-days <days>',
    help: `Days CloudWatch Logs keeps events (default: ${UP_DEFAULTS.logRetentionDays}).`,
    parse: v.logRetentionDays,
    json: 'integer',
    default: UP_DEFAULTS.logRetentionDays,
  }),
  waitTimeoutMs: setting({
    flag: '--wait-timeout <duration>',
    help: `Bound on each wait, e.g. 15m or 900s; exit 4 when exceeded (default: ${minutes(WAIT_TIMEOUT_MS)}).`,
    parse: (x: string, name: string) => v.duration(x, name),
    json: 'duration',
    default: WAIT_TIMEOUT_MS,
  }),
  /** --domain and its companions (`lb create`, `up`): HTTPS at this name, see steps/lb/domain.ts. */
  domain: optional({
    flag: '--domain <fqdn>',
    help: 'Serve HTTPS at this name: an ACM certificate validated through Route 53, HTTPS:443, the HTTP listener redirecting to it, an alias record to the load balancer (default: none, plain HTTP).',
    parse: v.fqdn,
    json: 'string',
  }),
  hostedZoneId: optional({
    flag: '--hosted-zone-id <id>',
    help: 'Route 53 public hosted zone for --domain (default: the one whose name is the longest suffix of the domain).',
    parse: v.hostedZoneId,
    json: 'string',
  }),
  certificateArn: optional({
    flag: '--certificate-arn <arn>',
    help: 'Use this ISSUED ACM certificate for --domain instead of requesting one; it is never deleted (default: request one, tagged with the stack).',
    parse: v.certificateArn,
    json: 'string',
  }),
  certificateTimeoutMs: setting({
    flag: '--certificate-timeout <duration>',
    help: `How long to wait for ACM to issue the certificate before exiting with code 4, naming the DNS record to check (default: ${minutes(CERTIFICATE_TIMEOUT_MS)}).`,
    parse: (x: string, name: string) => v.duration(x, name),
    json: 'duration',
    default: CERTIFICATE_TIMEOUT_MS,
  }),
};

/** `ecsctl up`, in the order `--help` lists them. `name` comes from the global --name or the file. */
export const UP_SCHEMA = {
  context: setting({
    flag: '--context <dir>',
    help: `Build context for the image, remembered in the state (default: the last build's, else ${UP_DEFAULTS.context}).`,
    parse: (x: string) => x,
    json: 'string',
    default: UP_DEFAULTS.context,
  }),
  dockerfile: setting({
    flag: '--dockerfile <path>',
    help: `Dockerfile inside the context, remembered in the state (default: the last build's, else ${UP_DEFAULTS.dockerfile}).`,
    parse: (x: string) => x,
    json: 'string',
    default: UP_DEFAULTS.dockerfile,
  }),
  tag: optional({
    flag: '--tag <tag>',
    help: 'Image tag (default: git-<commit> or ctx-<content hash>, as `image build`).',
    parse: v.imageTag,
    json: 'string',
  }),
  image: optional({
    flag: '--image <uri>',
    help: 'Run this image instead of building and pushing one (the repository is still created).',
    parse: v.imageRef,
    json: 'string',
  }),
  registry: optional({
    flag: '--registry <HOST:PORT>',
    help: "Push to this registry instead of the ECR hostname, e.g. an emulator's (default: env ECSCTL_REGISTRY).",
    parse: registryAddress,
    json: 'string',
  }),
  platform: optional({
    flag: '--platform <os/arch>',
    help: "Platform to build the image for; one the instances cannot run is refused (default: the instances' platform: linux/arm64 for Graviton types such as t4g.small, linux/amd64 otherwise).",
    parse: platform,
    json: 'string',
  }),
  instanceCount: setting({
    flag: '--instance-count <n>',
    help: `Number of EC2 container instances, 1-20 (default: ${UP_DEFAULTS.instanceCount}).`,
    parse: (x: string, name: string) => v.integer(x, name, 1, 20),
    json: 'integer',
    default: UP_DEFAULTS.instanceCount,
  }),
  instanceType: setting({
    flag: '--instance-type <type>',
    help: `EC2 instance type; Graviton types get the arm64 AMI and an arm64 image (default: the recorded instances' type, else ${UP_DEFAULTS.instanceType}).`,
    parse: v.instanceType,
    json: 'string',
    default: UP_DEFAULTS.instanceType,
  }),
  capacity: optional({
    flag: '--capacity <mode>',
    help: 'How container instances run: instances (RunInstances, a fixed set, as the walkthrough) or asg (an Auto Scaling group that replaces lost instances, scaled by an ECS capacity provider) (default: the mode the stack already has, else instances).',
    parse: v.capacityMode,
    json: 'string',
  }),
  maxInstances: optional({
    flag: '--max-instances <n>',
    help: 'With --capacity asg: the most instances the capacity provider may scale the group to, 1-40, not below --instance-count (default: twice --instance-count).',
    parse: (x: string, name: string) => v.integer(x, name, 1, 40),
    json: 'integer',
  }),
  targetCapacity: setting({
    flag: '--target-capacity <percent>',
    help: `With --capacity asg: how full managed scaling keeps the instances, 1-100; below 100 keeps spare room for new tasks (default: ${UP_DEFAULTS.targetCapacity}).`,
    parse: (x: string, name: string) => v.integer(x, name, 1, 100),
    json: 'integer',
    default: UP_DEFAULTS.targetCapacity,
  }),
  desiredCount: SHARED.desiredCount,
  containerPort: SHARED.containerPort,
  listenerPort: SHARED.listenerPort,
  healthCheckPath: SHARED.healthCheckPath,
  memory: setting({
    flag: '--memory <MiB>',
    help: `Hard memory limit of the container in MiB (default: ${UP_DEFAULTS.memory}).`,
    parse: (x: string, name: string) => v.integer(x, name, 4, 120_000),
    json: 'integer',
    default: UP_DEFAULTS.memory,
  }),
  cpu: setting({
    flag: '--cpu <units>',
    help: `CPU units reserved for the container, 1024 = one vCPU (default: ${UP_DEFAULTS.cpu}).`,
    parse: (x: string, name: string) => v.integer(x, name, 0, 10_240),
    json: 'integer',
    default: UP_DEFAULTS.cpu,
  }),
  logs: setting({
    flag: '--no-logs',
    help: 'Do not send container output to CloudWatch Logs (default: awslogs to /ecs/<name>, created first).',
    parse: v.boolean,
    json: 'boolean',
    default: UP_DEFAULTS.logs,
  }),
  logRetentionDays: SHARED.logRetentionDays,
  env: setting({
    flag: '--env <KEY=VALUE>',
    help: 'Environment variable for the container; repeat for more (default: none; a change is a new revision and a rolling update).',
    parse: (x: string, name: string) => [v.keyValue(x, name)],
    json: 'list',
    default: [] as [string, string][],
  }),
  secret: setting({
    flag: '--secret <KEY=REF>',
    help: 'Environment variable ECS fills at task start from REF: a Secrets Manager secret ARN, an SSM parameter ARN or name; repeat for more. Adds the execution role <name>-task-execution, allowed to read exactly these (default: none).',
    parse: (x: string, name: string) => [secretFlag(x, name)],
    json: 'list',
    default: [] as [string, string][],
  }),
  minCount: optional({
    flag: '--min-count <n>',
    help: 'Fewest tasks auto scaling may scale in to (default: no auto scaling; needs --max-count and a target).',
    parse: v.desiredCount,
    json: 'integer',
  }),
  maxCount: optional({
    flag: '--max-count <n>',
    help: 'Most tasks auto scaling may scale out to; while it is on, up never sends a desired count (default: no auto scaling).',
    parse: v.desiredCount,
    json: 'integer',
  }),
  cpuTarget: optional({
    flag: '--cpu-target <percent>',
    help: "Average CPU utilization of the service's tasks that auto scaling holds, above 0 and at most 100 (default: no CPU policy).",
    parse: v.percent,
    json: 'number',
  }),
  requestsPerTarget: optional({
    flag: '--requests-per-target <n>',
    help: 'Load balancer requests per task and minute that auto scaling holds (default: no request policy).',
    parse: (x: string, name: string) => v.integer(x, name, 1, 1_000_000),
    json: 'integer',
  }),
  wait: setting({
    flag: '--no-wait',
    help: 'Return once the service is created instead of waiting until it is steady and every target is healthy.',
    parse: v.boolean,
    json: 'boolean',
    default: UP_DEFAULTS.wait,
  }),
  waitTimeoutMs: SHARED.waitTimeoutMs,
  domain: { ...SHARED.domain, help: `${SHARED.domain.help.slice(0, -2)}; once given, kept in the state).` },
  hostedZoneId: SHARED.hostedZoneId,
  certificateArn: SHARED.certificateArn,
  certificateTimeoutMs: SHARED.certificateTimeoutMs,
};

/** How `up --dry-run` reports, not what the stack is: flags only, not `--config` keys. */
export const PLAN_FLAGS = {
  detailedExitcode: setting({
    flag: '--detailed-exitcode',
    help: 'With --dry-run: exit 0 when nothing would change and 5 when something would (1, 2, 3 and 4 as usual), so CI can gate a deploy on the plan (default: off, a plan exits 0 either way).',
    parse: v.boolean,
    json: 'boolean',
    default: false,
  }),
};

/** `up`'s settings as the orchestration sees them: inferred from the schema, plus the stack name. */
export type UpSettings = SettingsOf<typeof UP_SCHEMA> & {
  readonly name?: string;
  /** From --min-count/--max-count and a target, checked together: the autoscaler owns the desired count. */
  readonly autoScaling?: AutoScalingSettings;
};

/** `name` is only read from `--config` (the flag is the global --name). */
export const UP_CONFIG_SCHEMA = {
  name: optional({ flag: '--name <stack>', help: 'Name of the stack.', parse: v.stackName, json: 'string' }),
  ...UP_SCHEMA,
};
