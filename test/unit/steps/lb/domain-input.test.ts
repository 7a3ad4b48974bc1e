import { describe, expect, it } from 'vitest';
import { domainSettings, inZone, parentDomains } from '../../../../src/steps/lb/domain-input.js';
import { covers } from '../../../../src/steps/lb/certificate.js';

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

describe('domainSettings', () => {
  it('needs --domain for the other two flags, and ACM-requestable names without --certificate-arn', () => {
    expect(domainSettings({})).toBeUndefined();
    expect(() => domainSettings({ hostedZoneId: 'Z1' })).toThrow('--hosted-zone-id needs --domain');
    expect(() => domainSettings({ certificateArn: ARN })).toThrow('--certificate-arn needs --domain');
    const long = `${'a'.repeat(60)}.example.com`;
    expect(() => domainSettings({ domain: long })).toThrow(/ACM requests certificates for names of at most 64/);
    expect(domainSettings({ domain: long, certificateArn: ARN })).toEqual({ fqdn: long, certificateArn: ARN });
  });
});

describe('names', () => {
  it('walks parent domains longest first and tells zones apart by label', () => {
    expect(parentDomains('a.b.example.com')).toEqual(['a.b.example.com', 'b.example.com', 'example.com']);
    expect(inZone('app.example.com', 'example.com.')).toBe(true);
    expect(inZone('example.com', 'example.com')).toBe(true);
    expect(inZone('app.ample.com', 'example.com')).toBe(false);
    expect(inZone('appexample.com', 'example.com')).toBe(false);
  });

  it('a certificate covers its name and, as a wildcard, one label below', () => {
    expect(covers('app.example.com', 'APP.example.com')).toBe(true);
    expect(covers('*.example.com', 'app.example.com')).toBe(true);
    expect(covers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(covers('*.example.com', 'example.com')).toBe(false);
  });
});
