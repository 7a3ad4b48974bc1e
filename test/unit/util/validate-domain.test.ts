/** The checks --domain, --certificate-arn and --hosted-zone-id get before any AWS call (exit 2). */
import { describe, expect, it } from 'vitest';
import { certificateArn, fqdn, hostedZoneId } from '../../../src/util/validate.js';
import { UsageError } from '../../../src/errors.js';

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

describe('fqdn', () => {
  it('accepts names of two or more labels, lowercased, without the trailing dot', () => {
    expect(fqdn('App.Example.COM.')).toBe('app.example.com');
    expect(fqdn('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(fqdn(`${'a'.repeat(63)}.example.com`)).toHaveLength(75);
  });

  it.each([
    ['not a domain', /is not a domain name/],
    ['localhost', /is not a domain name/],
    ['*.example.com', /is not a domain name/],
    ['-app.example.com', /is not a domain name/],
    ['app..example.com', /is not a domain name/],
    ['192.0.2.1', /is not a domain name/],
    [`${'a'.repeat(64)}.example.com`, /is not a domain name/],
    [
      `${Array.from({ length: 51 }, () => 'abcd').join('.')}.com`,
      /is 258 characters long; a domain name has at most 253/,
    ],
  ])('refuses %j', (value, message) => {
    expect(() => fqdn(value)).toThrow(UsageError);
    expect(() => fqdn(value)).toThrow(message);
  });
});

describe('certificateArn and hostedZoneId', () => {
  it('accepts an ACM certificate ARN, in the stack region when one is given', () => {
    expect(certificateArn(ARN)).toBe(ARN);
    expect(certificateArn(ARN, '--certificate-arn', 'us-east-1')).toBe(ARN);
    expect(() => certificateArn(ARN, '--certificate-arn', 'eu-west-1')).toThrow(
      /is a certificate of us-east-1; a load balancer in eu-west-1 can only use one of its own/,
    );
  });

  it.each([
    'arn:aws:iam::123456789012:server-certificate/web',
    'arn:aws:acm:us-east-1:123456789012:certificate/not-a-uuid',
    '12345678-1234-1234-1234-123456789012',
  ])('refuses %j as a certificate ARN', (value) => {
    expect(() => certificateArn(value)).toThrow(/is not an ACM certificate ARN/);
  });

  it('takes zone IDs with or without /hostedzone/ and refuses anything else', () => {
    expect(hostedZoneId('Z0123456789ABCDEFGHIJ')).toBe('Z0123456789ABCDEFGHIJ');
    expect(hostedZoneId('/hostedzone/Z1D633PJN98FT9')).toBe('Z1D633PJN98FT9');
    for (const bad of ['z123', 'zone 1', 'Z'.repeat(33), ''])
      expect(() => hostedZoneId(bad)).toThrow(/is not a Route 53 hosted zone ID/);
  });
});
