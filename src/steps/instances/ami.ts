/**
 * The ECS-optimized AMI (walkthrough: looked up on a web page). AWS publishes the current
 * image of each variant as a public SSM parameter; Graviton instance types need the arm64 one.
 */
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { OperationError } from '../../errors.js';
import type { StepContext } from '../context.js';
import { architectureByFamily } from './arch.js';

const PARAMETER_X86 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const PARAMETER_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';

/** Graviton (arm64) types, by the one family-name rule (see arch.ts). */
export function isGraviton(instanceType: string): boolean {
  return architectureByFamily(instanceType) === 'arm64';
}

/** The SSM parameter naming the recommended ECS-optimized Amazon Linux 2023 AMI for this type. */
export function amiParameter(instanceType: string): string {
  return isGraviton(instanceType) ? PARAMETER_ARM : PARAMETER_X86;
}

export interface AmiChoice {
  readonly imageId: string;
  /** The SSM parameter it came from, or "--ami" when given. */
  readonly source: string;
}

/** `--ami` when given (no call), otherwise the current value of the matching SSM parameter. */
export async function resolveAmi(ctx: StepContext, o: { instanceType: string; ami?: string }): Promise<AmiChoice> {
  if (o.ami) return { imageId: o.ami, source: '--ami' };
  const name = amiParameter(o.instanceType);
  try {
    const out = await ctx.aws.ssm.send(new GetParameterCommand({ Name: name }));
    const value = out.Parameter?.Value;
    if (!value) throw new OperationError(`SSM parameter ${name} has no value`);
    return { imageId: value, source: name };
  } catch (e) {
    if (isAwsError(e, 'ParameterNotFound')) {
      throw new OperationError(
        `no ECS-optimized AMI is published in region ${ctx.state.current.region} (${name} not found)`,
        {
          cause: e,
          hint: 'Pass --ami ami-… with an ECS-optimized image of that region.',
        },
      );
    }
    throw asOperationError(`read the ECS-optimized AMI from SSM ${name}`, e);
  }
}
