import { describe, expect, it } from 'vitest';
import * as v from '../../../src/util/validate.js';
import { UsageError } from '../../../src/errors.js';
import { resolveGlobals } from '../../../src/globals.js';

describe('stack names', () => {
  it.each(['web', 'my-app-2', 'a1', 'x'.repeat(28)])('accepts %s', (n) => expect(v.stackName(n)).toBe(n));
  it.each(['', 'w', 'Web', '1web', 'web-', 'we--b', 'web app', 'web;rm -rf', 'x'.repeat(29), 'web_app', '$(id)'])(
    'rejects %j',
    (n) => {
      expect(() => v.stackName(n)).toThrow(UsageError);
    },
  );
});

describe('numbers', () => {
  it.each(['-1', 'abc', '1e9', '1.5', '', ' ', '0x10', '21'])('rejects %j for a 1..20 count', (n) => {
    expect(() => v.integer(n, '--count', 1, 20)).toThrow(/--count must be a whole number from 1 to 20/);
  });
  it('accepts in-range whole numbers', () => expect(v.integer('20', '--count', 1, 20)).toBe(20));
  it.each(['0', '70000', 'http'])('rejects port %j', (p) =>
    expect(() => v.port(p, '--listener-port')).toThrow(UsageError),
  );
});

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['30', 30_000],
    ['500ms', 500],
  ])('parses %s', (t, ms) => {
    expect(v.duration(t, '--wait-timeout')).toBe(ms);
  });
  it.each(['bogus', '-5m', '0', 'yesterday-ish', '10 minutes', '2d'])('rejects %j', (t) => {
    expect(() => v.duration(t, '--wait-timeout')).toThrow(/--wait-timeout must be a duration/);
  });
});

describe('image references', () => {
  it.each([
    'nginx',
    'nginx:1.25',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1',
    '127.0.0.1:5000/web:git-abc',
    `web@sha256:${'a'.repeat(64)}`,
  ])('accepts %s', (r) => {
    expect(v.imageRef(r)).toBe(r);
  });
  it.each(['', 'UPPER/case', 'has space', 'web:', ':tag', 'web::x', 'a/b/:c'])('rejects %j', (r) =>
    expect(() => v.imageRef(r)).toThrow(UsageError),
  );
});

describe('global options', () => {
  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveGlobals({}, { AWS_REGION: 'eu-west-1' }).explicitRegion).toBe('eu-west-1');
    expect(resolveGlobals({}, { AWS_DEFAULT_REGION: 'ap-northeast-2' }).explicitRegion).toBe('ap-northeast-2');
    expect(resolveGlobals({ region: 'us-east-2' }, { AWS_REGION: 'eu-west-1' }).explicitRegion).toBe('us-east-2');
  });
  it('rejects a malformed region and endpoint, naming where they came from', () => {
    expect(() => resolveGlobals({ region: 'mars' }, {})).toThrow(/--region "mars"/);
    expect(() => resolveGlobals({}, { AWS_ENDPOINT_URL: 'not-a-url' })).toThrow(
      /AWS_ENDPOINT_URL "not-a-url" is not a URL/,
    );
    expect(() => resolveGlobals({ endpointUrl: 'ftp://x' }, {})).toThrow(/http:\/\/ or https:\/\//);
  });
  it('uses ECSCTL_STATE when --state is absent', () => {
    expect(resolveGlobals({}, { ECSCTL_STATE: '/tmp/x.json' }).statePath).toBe('/tmp/x.json');
    expect(resolveGlobals({}, {}).statePath).toBe('./ecsctl.state.json');
  });
});
