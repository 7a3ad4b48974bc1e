/**
 * Which platform an image is built for: the one the stack's instances run, so that an image
 * built on an Apple-silicon laptop for t3.small instances (or on an x86 machine for t4g.small)
 * does not end in "exec format error" on every task. Decided before any call, by the family
 * rule; an explicit --platform that the instances cannot run is bad input (exit 2).
 */
import { UsageError } from '../../errors.js';
import {
  architectureByFamily,
  architectureOfPlatform,
  DEFAULT_INSTANCE_TYPE,
  platformFor,
  type Architecture,
} from '../instances/arch.js';

export interface PlatformChoice {
  /** os/arch as the Engine's build takes it: linux/amd64 or linux/arm64. */
  readonly platform: string;
  readonly architecture: Architecture;
  /** The instance type it is meant for. */
  readonly instanceType: string;
  /** Why this platform, for the progress line and output: "for t4g.small", "--platform, for t4g.small". */
  readonly why: string;
}

/**
 * `flag` when given and the instances run it, else the platform of the instance type. With no
 * instance type decided yet (`image build` before `instances create`), the flag is taken as given
 * and the default follows the default instance type.
 * @throws UsageError when `flag` names a platform the instances cannot run.
 */
export function choosePlatform(o: { flag?: string; instanceType?: string; flagName?: string }): PlatformChoice {
  const flagName = o.flagName ?? '--platform';
  if (o.instanceType === undefined) {
    const arch = o.flag === undefined ? undefined : architectureOfPlatform(o.flag);
    if (o.flag !== undefined && arch === undefined) {
      throw new UsageError(
        `${flagName} ${o.flag} is not a platform ECS container instances run: use linux/amd64 or linux/arm64`,
      );
    }
    if (o.flag !== undefined && arch !== undefined) {
      return { platform: o.flag, architecture: arch, instanceType: DEFAULT_INSTANCE_TYPE, why: flagName };
    }
    const type = DEFAULT_INSTANCE_TYPE;
    const def = architectureByFamily(type);
    return {
      platform: platformFor(def),
      architecture: def,
      instanceType: type,
      why: `for ${type}, the default instance type`,
    };
  }
  const instances = architectureByFamily(o.instanceType);
  const wanted = platformFor(instances);
  if (o.flag === undefined) {
    return { platform: wanted, architecture: instances, instanceType: o.instanceType, why: `for ${o.instanceType}` };
  }
  const arch = architectureOfPlatform(o.flag);
  if (arch !== instances) {
    throw new UsageError(
      `${flagName} ${o.flag} does not match the instances: ${o.instanceType} is ${instances} (${wanted}), so every task would fail with "exec format error"`,
      {
        hint: `Leave ${flagName} out (${wanted} is chosen for ${o.instanceType}), or choose an instance type that runs ${o.flag}.`,
      },
    );
  }
  return {
    platform: o.flag,
    architecture: arch,
    instanceType: o.instanceType,
    why: `${flagName}, for ${o.instanceType}`,
  };
}
