import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { resolveGlobals } from '../../../src/globals.js';
import { isS3Url, parseS3Url } from '../../../src/state/location.js';

describe('parseS3Url', () => {
  it('splits bucket and key, keeping folders in the key', () => {
    expect(parseS3Url('s3://team-state/stacks/web.json', '--state')).toEqual({
      bucket: 'team-state',
      key: 'stacks/web.json',
      url: 's3://team-state/stacks/web.json',
    });
  });

  it.each([
    ['s3://team-state', /names no object key/],
    ['s3://team-state/', /names no object key/],
    ['s3://team-state/stacks/', /ends in "\/": that is a folder, not an object/],
    ['s3://', /has no valid bucket name/],
    ['s3://Team_State/web.json', /has no valid bucket name/],
    ['s3://ab/web.json', /has no valid bucket name/],
    ['s3://a..b/web.json', /has no valid bucket name/],
    ['s3://team-state/web.json.lock', /ends in "\.lock"/],
    [`s3://team-state/${'k'.repeat(1020)}`, /longer than 1,019 bytes/],
  ])('%s is refused as a usage error (exit 2)', (url, message) => {
    const e = (() => {
      try {
        parseS3Url(url, '--state');
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toContain('\n');
  });

  it('names the flag it came from', () => {
    expect(() => parseS3Url('s3://team-state', '--to')).toThrow(/^--to "s3:\/\/team-state" names no object key$/);
  });

  it('tells s3:// apart from a local path, whatever the case of the scheme', () => {
    expect(isS3Url('S3://team-state/web.json')).toBe(true);
    expect(isS3Url('./s3:/web.json')).toBe(false);
    expect(isS3Url('ecsctl.state.json')).toBe(false);
  });
});

describe('resolveGlobals with an s3:// state', () => {
  it('checks the URL before anything else, naming ECSCTL_STATE when it came from there', () => {
    expect(() => resolveGlobals({}, { ECSCTL_STATE: 's3://team-state/dir/' })).toThrow(/^ECSCTL_STATE "s3:/);
    expect(() => resolveGlobals({ state: 's3://team-state' }, {})).toThrow(/^--state "s3:/);
  });

  it('takes --state-kms-key (or ECSCTL_STATE_KMS_KEY) only with an s3:// state', () => {
    expect(resolveGlobals({ state: 's3://team-state/web.json', stateKmsKey: 'alias/state' }, {}).stateKmsKey).toBe(
      'alias/state',
    );
    expect(
      resolveGlobals({ state: 's3://team-state/web.json' }, { ECSCTL_STATE_KMS_KEY: 'alias/env' }).stateKmsKey,
    ).toBe('alias/env');
    expect(() => resolveGlobals({ stateKmsKey: 'alias/state' }, {})).toThrow(/applies only to an s3:\/\/ --state/);
    expect(() => resolveGlobals({ state: 's3://team-state/web.json', stateKmsKey: 'bad key!' }, {})).toThrow(
      /is not a KMS key ID, ARN or alias/,
    );
  });
});
