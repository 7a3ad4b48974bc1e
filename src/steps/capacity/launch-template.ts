/**
 * The launch template `<name>-ecs` the Auto Scaling group launches from: the same instance the
 * walkthrough's RunInstances made (ECS-optimized AMI, instance group, instance profile, user data
 * naming the cluster, IMDSv2 with hop limit 1, tags on instance and volume), written down once so
 * that every replacement instance is identical.
 *
 * The group is pinned to a version number, never `$Latest` (see autoscaling-group.ts): a new AMI
 * or instance type becomes a new version here, and only `instances refresh` moves the group to it.
 */
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplate,
  type RequestLaunchTemplateData,
  type ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, ec2TagSpec } from '../../aws/tags.js';
import { stackOf, type StepContext } from '../context.js';
import { userData } from '../instances/launch.js';
import type { Outcome } from '../outcome.js';

export interface TemplateSpec {
  readonly imageId: string;
  readonly instanceType: string;
  readonly securityGroupId: string;
  readonly profileName: string;
  readonly clusterName: string;
  readonly keyName?: string;
}

export interface TemplateRecord {
  readonly id: string;
  readonly name: string;
  /** The version the group launches (pinned). */
  readonly version: number;
}

export interface TemplateResult {
  readonly outcome: Outcome | 'updated';
  readonly template: TemplateRecord;
  /** Set when the live template launches something other than the spec asks for. */
  readonly differs?: string[];
}

export const templateName = (stack: string): string => `${stack}-ecs`;

/** What every instance of the group is launched with. */
export function templateData(stack: string, spec: TemplateSpec): RequestLaunchTemplateData {
  return {
    ImageId: spec.imageId,
    InstanceType: spec.instanceType as never,
    // The instance group's default egress rule lets the agent reach ECS; no other group needed.
    SecurityGroupIds: [spec.securityGroupId],
    IamInstanceProfile: { Name: spec.profileName },
    UserData: Buffer.from(userData(spec.clusterName)).toString('base64'),
    ...(spec.keyName ? { KeyName: spec.keyName } : {}),
    // IMDSv2 only, hop limit 1: a container on the bridge network is one hop further away and so
    // cannot take the instance role's credentials (the same rule RunInstances gets).
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    TagSpecifications: [ec2TagSpec('instance', stack, `${stack}-ecs`), ec2TagSpec('volume', stack, `${stack}-ecs`)],
  };
}

/**
 * Finds `<name>-ecs` (by the recorded ID, else by name) or creates it, and records it the moment
 * CreateLaunchTemplate returns. An existing template is not changed: when its recorded version
 * launches another AMI or type than asked for, `differs` says so (the caller points at
 * `instances refresh`), so a rerun of `up` never rolls instances by surprise.
 */
export async function ensureLaunchTemplate(ctx: StepContext, spec: TemplateSpec): Promise<TemplateResult> {
  const stack = stackOf(ctx);
  const name = templateName(stack);
  const recorded = ctx.state.current.capacity?.launchTemplate;
  const found = await findLaunchTemplate(ctx.aws.ec2, name);
  if (found) {
    assertOwned('launch template', `${name} (${found.LaunchTemplateId})`, found.Tags, stack);
    const version = recorded && recorded.id === found.LaunchTemplateId ? recorded.version : found.LatestVersionNumber!;
    const record = { id: found.LaunchTemplateId!, name, version };
    if (recorded?.id !== record.id || recorded?.version !== version) await recordTemplate(ctx, record);
    const live = await templateVersionData(ctx.aws.ec2, record);
    return { outcome: 'unchanged', template: record, differs: differences(live, spec) };
  }
  let created: LaunchTemplate;
  try {
    created = (
      await ctx.aws.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: name,
          LaunchTemplateData: templateData(stack, spec),
          TagSpecifications: [ec2TagSpec('launch-template', stack, name)],
        }),
      )
    ).LaunchTemplate!;
  } catch (e) {
    // The SDK retried a create whose answer was lost: take it only if it is ours, as on a rerun.
    const raced = isAwsError(e, 'InvalidLaunchTemplateName.AlreadyExistsException')
      ? await findLaunchTemplate(ctx.aws.ec2, name)
      : undefined;
    if (!raced) throw asOperationError(`create launch template ${name}`, e);
    assertOwned('launch template', `${name} (${raced.LaunchTemplateId})`, raced.Tags, stack);
    created = raced;
  }
  const record = { id: created.LaunchTemplateId!, name, version: created.LatestVersionNumber ?? 1 };
  await recordTemplate(ctx, record);
  return { outcome: recorded ? 'recreated' : 'created', template: record };
}

/**
 * A new version of the recorded template for another AMI or type (`instances refresh`), unless
 * the recorded version already launches exactly that. Records the new version number at once.
 */
export async function ensureTemplateVersion(ctx: StepContext, spec: TemplateSpec): Promise<TemplateResult> {
  const current = await ensureLaunchTemplate(ctx, spec);
  if (!current.differs?.length) return current;
  let version: number;
  try {
    const out = await ctx.aws.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: current.template.id,
        SourceVersion: String(current.template.version),
        LaunchTemplateData: templateData(stackOf(ctx), spec),
        VersionDescription: `ecsctl: ${spec.imageId} ${spec.instanceType}`,
      }),
    );
    version = out.LaunchTemplateVersion!.VersionNumber!;
  } catch (e) {
    throw asOperationError(`add a version to launch template ${current.template.name}`, e);
  }
  const record = { ...current.template, version };
  await recordTemplate(ctx, record);
  return { outcome: 'updated', template: record, differs: current.differs };
}

/** The template of that name with its tags, or undefined. */
export async function findLaunchTemplate(ec2: EC2Client, name: string): Promise<LaunchTemplate | undefined> {
  try {
    const out = await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
    return out.LaunchTemplates?.[0];
  } catch (e) {
    if (isAwsError(e, 'InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateId.NotFound'))
      return undefined;
    throw asOperationError(`describe launch template ${name}`, e);
  }
}

/** The launch data of one version (what `status` and the e2e read back). */
export async function templateVersionData(
  ec2: EC2Client,
  t: { id: string; version: number },
): Promise<ResponseLaunchTemplateData | undefined> {
  try {
    const out = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.id, Versions: [String(t.version)] }),
    );
    return out.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  } catch (e) {
    throw asOperationError(`read version ${t.version} of launch template ${t.id}`, e);
  }
}

/**
 * Deletes `<name>-ecs` (all its versions) once the group is gone. Gone already counts as done;
 * a template without the stack's tag is never deleted.
 */
export async function deleteLaunchTemplate(ctx: StepContext): Promise<'deleted' | 'absent'> {
  const stack = stackOf(ctx);
  const name = ctx.state.current.capacity?.launchTemplate?.name ?? templateName(stack);
  const found = await findLaunchTemplate(ctx.aws.ec2, name);
  let outcome: 'deleted' | 'absent' = 'absent';
  if (found) {
    assertOwned('launch template', `${name} (${found.LaunchTemplateId})`, found.Tags, stack);
    try {
      await ctx.aws.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: found.LaunchTemplateId }));
      outcome = 'deleted';
    } catch (e) {
      if (!isAwsError(e, 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException'))
        throw asOperationError(`delete launch template ${name}`, e);
    }
  }
  const capacity = ctx.state.current.capacity;
  if (capacity?.launchTemplate) await ctx.state.record({ capacity: { ...capacity, launchTemplate: undefined } });
  return outcome;
}

async function recordTemplate(ctx: StepContext, launchTemplate: TemplateRecord): Promise<void> {
  const capacity = ctx.state.current.capacity ?? { mode: 'asg' as const };
  await ctx.state.record({ capacity: { ...capacity, launchTemplate } });
}

/** What the live version launches differently from the spec, in flag words. */
export function differences(live: ResponseLaunchTemplateData | undefined, spec: TemplateSpec): string[] {
  if (!live) return ['the recorded template version no longer exists'];
  const out: string[] = [];
  if (live.ImageId !== spec.imageId) out.push(`AMI ${live.ImageId} → ${spec.imageId}`);
  if (live.InstanceType !== spec.instanceType) out.push(`type ${live.InstanceType} → ${spec.instanceType}`);
  return out;
}
