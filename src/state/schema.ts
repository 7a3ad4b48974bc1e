/**
 * The state file's shape (version 1). One stack per file. Every section is optional and is
 * written the moment the AWS call that creates its resource returns, so a crash at any point
 * leaves a file from which a rerun converges. No section may ever hold a secret.
 *
 * Objects are "loose": keys this version does not know are kept on rewrite rather than dropped,
 * so a resource recorded by a newer ecsctl of the same state version is never forgotten.
 */
import * as z from '../util/zod.js';

export const STATE_VERSION = 1;

const id = z.string().check(z.minLength(1));

export const StateSchema = z.looseObject({
  version: z.literal(STATE_VERSION),
  /** The stack name, given once with --name and kept here. */
  name: z.string().check(z.minLength(2), z.maxLength(28)),
  region: z.string().check(z.minLength(1)),
  repository: z.optional(z.looseObject({ name: id, uri: id, arn: id })),
  /** The image the task definition should run: pushed by `image push`, or given with --image. */
  image: z.optional(
    z.looseObject({
      uri: id,
      tag: z.optional(z.string()),
      digest: z.optional(z.string()),
      /** Where it was pushed when that was not the ECR hostname (`--registry`). */
      registry: z.optional(z.string()),
      /** os/arch of the pushed image as its registry reports it, once checked for this digest. */
      platform: z.optional(z.string()),
    }),
  ),
  /**
   * What `image build` (or `up`) last built: a local image, not an AWS resource. `image push`,
   * `image run` and `up` take their defaults from it. Optional: state files written before it
   * existed load unchanged.
   */
  build: z.optional(
    z.looseObject({
      /** The local reference `<repositoryUri>:<tag>`. */
      ref: id,
      tag: id,
      imageId: z.optional(z.string()),
      platform: z.optional(z.string()),
      /** Absolute path of the context directory, and the Dockerfile inside it. */
      context: z.optional(z.string()),
      dockerfile: z.optional(z.string()),
    }),
  ),
  cluster: z.optional(z.looseObject({ name: id, arn: id })),
  network: z.optional(
    z.looseObject({
      vpcId: id,
      subnets: z.array(
        z.looseObject({
          id,
          az: id,
          /** Gives instances a public IP (or routes to an internet gateway): may host an internet-facing ALB. */
          public: z.optional(z.boolean()),
          /** Instances there can reach ECS (public IP, a NAT route or ECS endpoints); false: never launched in. */
          reachesEcs: z.optional(z.boolean()),
        }),
      ),
      /** Zones CreateLoadBalancer refused ("cannot be associated with a load balancer"): left out of the ALB. */
      lbExcludedZones: z.optional(z.array(id)),
    }),
  ),
  lbSecurityGroup: z.optional(z.looseObject({ id, name: id })),
  instanceSecurityGroup: z.optional(z.looseObject({ id, name: id })),
  instanceRole: z.optional(
    z.looseObject({
      roleName: id,
      profileName: id,
      roleArn: z.optional(z.string()),
      profileArn: z.optional(z.string()),
    }),
  ),
  instances: z.optional(
    z.looseObject({
      ids: z.array(id),
      ami: z.optional(z.string()),
      type: z.optional(z.string()),
      /**
       * RunInstances ClientToken of a launch in progress: written before the call, reused if the
       * command is rerun after a crash, removed once the launched IDs are recorded.
       */
      launchToken: z.optional(z.string()),
    }),
  ),
  logGroup: z.optional(z.looseObject({ name: id, retentionDays: z.optional(z.int()) })),
  taskDefinition: z.optional(
    z.looseObject({
      family: id,
      arn: id,
      revision: z.int(),
      containerName: id,
      containerPort: z.int(),
    }),
  ),
  targetGroup: z.optional(z.looseObject({ name: id, arn: id })),
  loadBalancer: z.optional(z.looseObject({ name: id, arn: id, dnsName: z.string() })),
  listener: z.optional(z.looseObject({ arn: id, port: z.int() })),
  service: z.optional(z.looseObject({ name: id, arn: id })),
  /**
   * How the container instances are run (`--capacity`). Absent on stacks made before the flag:
   * those are `instances` (RunInstances). In `asg` mode it is written before the first create
   * call, so `down` knows to look for the group by name even after a crash; each ID is added the
   * moment its create call returns. `capacityProvider` is what a service's (or a task's)
   * capacityProviderStrategy names.
   */
  capacity: z.optional(
    z.looseObject({
      mode: z.enum(['instances', 'asg']),
      launchTemplate: z.optional(z.looseObject({ id, name: id, version: z.int() })),
      autoScalingGroup: z.optional(z.looseObject({ name: id, arn: z.optional(z.string()) })),
      capacityProvider: z.optional(z.looseObject({ name: id, arn: id })),
      /** An instance refresh started by `instances refresh` and not yet seen to finish. */
      refresh: z.optional(z.looseObject({ id })),
    }),
  ),
  /** Application Auto Scaling of the service's desired count: the scalable target and ecsctl's policies. */
  autoScaling: z.optional(
    z.looseObject({
      resourceId: id,
      arn: z.optional(z.string()),
      min: z.int(),
      max: z.int(),
      policies: z.array(z.looseObject({ name: id, arn: z.optional(z.string()) })),
    }),
  ),
  /** The task execution role that lets ECS read the container definition's secrets (only with --secret). */
  executionRole: z.optional(z.looseObject({ roleName: id, arn: id })),
  /** The latest one-off task `ecsctl run` started (its ARN, recorded the moment RunTask returns). */
  lastRun: z.optional(z.looseObject({ taskArn: id })),
  /** --domain: the name and the public hosted zone it lives in (discovered or given; never created). */
  domain: z.optional(z.looseObject({ fqdn: id, hostedZoneId: id, zoneName: id })),
  /** The HTTPS certificate: `requested` when ecsctl asked ACM for it (tagged, deleted by down); else brought. */
  certificate: z.optional(z.looseObject({ arn: id, requested: z.boolean() })),
  /** ACM's validation CNAME, recorded only when ecsctl writes it into the zone (so only then deleted). */
  validationRecord: z.optional(z.looseObject({ hostedZoneId: id, name: id, value: id })),
  /** The alias A record <fqdn> → the load balancer (its DNS name), recorded only when ecsctl writes it. */
  aliasRecord: z.optional(z.looseObject({ hostedZoneId: id, name: id, target: id })),
  httpsListener: z.optional(z.looseObject({ arn: id, port: z.int() })),
});

export type State = z.infer<typeof StateSchema>;

/** What a step records. A key set to `undefined` removes that section (the resource is gone). */
export type StatePatch = { [K in Exclude<keyof State, 'version' | 'name' | 'region'>]?: State[K] | undefined };

export function emptyState(name: string, region: string): State {
  return { version: STATE_VERSION, name, region };
}

export function applyPatch(state: State, patch: StatePatch): State {
  const next: Record<string, unknown> = { ...state, ...patch };
  for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
  return next as State;
}

/** The sections that name live resources, in the order `status` and `down` talk about them. */
export const RESOURCE_KEYS = [
  'repository',
  'image',
  'cluster',
  'network',
  'lbSecurityGroup',
  'instanceSecurityGroup',
  'instanceRole',
  'instances',
  'capacity',
  'logGroup',
  'taskDefinition',
  'targetGroup',
  'loadBalancer',
  'listener',
  'service',
  'autoScaling',
  'executionRole',
  'domain',
  'certificate',
  'validationRecord',
  'aliasRecord',
  'httpsListener',
] as const satisfies readonly (keyof State)[];
