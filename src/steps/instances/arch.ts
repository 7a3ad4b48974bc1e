/**
 * The one rule for "which CPU architecture do this stack's instances have", used by the AMI
 * choice, the image platform and the pre-deploy image check.
 *
 * When AWS can be asked, EC2's own answer wins (`DescribeInstanceTypes`
 * `ProcessorInfo.SupportedArchitectures`); before any call (input checks, `image build`, the
 * platform `up` builds for) the family name decides. The two agree on every Linux type AWS lists
 * (checked against the 1,263 types in moto's copy of the EC2 catalogue: only the mac*.metal
 * types differ, and ECS runs no Linux container instance on those).
 */
import { DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import type { StepContext } from '../context.js';

export type Architecture = 'x86_64' | 'arm64';

/** The instance type a stack gets when none is given or recorded (up, instances create). */
export const DEFAULT_INSTANCE_TYPE = 't3.small';

/**
 * The family-name rule: Graviton (arm64) families have a "g" right after their generation digit
 * (t4g, m6g, m6gd, c7gn, r8g, x2gd, im4gn, is4gen, g5g, hpc7g) plus the first-generation a1;
 * every other family is x86_64 (g5, g4ad, p4d, c7i-flex, u7i-12tb, …).
 */
export function architectureByFamily(instanceType: string): Architecture {
  const family = instanceType.split('.')[0] ?? '';
  return family === 'a1' || /^[a-z]+\d+g[a-z]*$/.test(family) ? 'arm64' : 'x86_64';
}

/** The container platform for an architecture, as Docker names it. */
export function platformFor(architecture: Architecture): 'linux/amd64' | 'linux/arm64' {
  return architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64';
}

/**
 * The instance architecture a container platform (`os/arch[/variant]`) runs on, or undefined
 * when no ECS Linux container instance runs it (windows/…, linux/386, linux/arm/v7, …).
 */
export function architectureOfPlatform(platform: string): Architecture | undefined {
  const [os, arch, variant] = platform.split('/');
  if (os !== 'linux') return undefined;
  if (arch === 'amd64' || arch === 'x86_64') return 'x86_64';
  if ((arch === 'arm64' || arch === 'aarch64') && (variant === undefined || variant === 'v8')) return 'arm64';
  return undefined;
}

export interface ArchitectureAnswer {
  readonly architecture: Architecture;
  /** Where the answer came from, for messages. */
  readonly source: 'DescribeInstanceTypes' | 'family name';
}

/**
 * EC2's answer for the type; the family rule when EC2 cannot be asked or gives no usable answer
 * (an emulator without the type, a denied call). An unknown type is not decided here: launching
 * it fails with EC2's own message.
 */
export async function instanceArchitecture(ctx: StepContext, instanceType: string): Promise<ArchitectureAnswer> {
  try {
    const out = await ctx.aws.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] }));
    const supported = out.InstanceTypes?.[0]?.ProcessorInfo?.SupportedArchitectures ?? [];
    // i386 types (t2, m1) also list x86_64; arm64_mac is not a Linux ECS host.
    if (supported.includes('x86_64')) return { architecture: 'x86_64', source: 'DescribeInstanceTypes' };
    if (supported.includes('arm64')) return { architecture: 'arm64', source: 'DescribeInstanceTypes' };
  } catch {
    // The family rule below is right for every Linux type; a denied or failed read is no reason to stop.
  }
  return { architecture: architectureByFamily(instanceType), source: 'family name' };
}
