import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { choosePlatform } from '../../../../src/steps/image/platform.js';

describe('choosePlatform', () => {
  it("defaults to the instances' platform and says why", () => {
    expect(choosePlatform({ instanceType: 't4g.small' })).toEqual({
      platform: 'linux/arm64',
      architecture: 'arm64',
      instanceType: 't4g.small',
      why: 'for t4g.small',
    });
    expect(choosePlatform({ instanceType: 't3.small' })).toMatchObject({
      platform: 'linux/amd64',
      why: 'for t3.small',
    });
    // No instances decided yet: the default type's platform.
    expect(choosePlatform({})).toMatchObject({
      platform: 'linux/amd64',
      why: 'for t3.small, the default instance type',
    });
  });

  it('takes a --platform the instances run', () => {
    expect(choosePlatform({ flag: 'linux/arm64', instanceType: 'm7g.large' })).toMatchObject({
      platform: 'linux/arm64',
      why: '--platform, for m7g.large',
    });
    expect(choosePlatform({ flag: 'linux/arm64' })).toMatchObject({ platform: 'linux/arm64', why: '--platform' });
  });

  it('refuses (exit 2) a --platform the instances cannot run, naming their architecture', () => {
    const e = (() => {
      try {
        choosePlatform({ flag: 'linux/amd64', instanceType: 't4g.small' });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      '--platform linux/amd64 does not match the instances: t4g.small is arm64 (linux/arm64), so every task would fail with "exec format error"',
    );
    expect(() => choosePlatform({ flag: 'linux/arm64', instanceType: 't3.small' })).toThrow(/t3\.small is x86_64/);
    expect(() => choosePlatform({ flag: 'windows/amd64', instanceType: 't3.small' })).toThrow(UsageError);
    expect(() => choosePlatform({ flag: 'linux/arm/v7' })).toThrow(/use linux\/amd64 or linux\/arm64/);
  });
});
