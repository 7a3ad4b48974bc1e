/**
 * `lb probe` over TLS for real: a local HTTPS server whose certificate comes from a CA made in the
 * test. Verified against that CA it passes; without it, or with another CA, every request fails
 * with Node's verification error: there is no way to skip verification.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../../../src/steps/lb/probe.js';
import { recordingReporter } from '../../../../src/ui/reporter.js';
import { startBackends, type Backends } from '../../../harness/backends.js';
import { makeTestPki } from '../../../harness/tls.js';

const deps = () => ({ report: recordingReporter(), now: Date.now });

describe('runProbe over https:// against a server with a test CA', () => {
  let server: Backends | undefined;
  afterEach(async () => server?.close());
  const pki = makeTestPki();

  it('verifies the chain against --ca-file and sees the hostnames rotate', async () => {
    server = await startBackends({ hostnames: ['task-a', 'task-b'], tls: pki });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await runProbe(deps(), { url: server.url, requests: 4, timeoutMs: 5_000, minBackends: 2, ca: pki.caPem });
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.backends).toEqual([
      { backend: 'task-a', count: 2 },
      { backend: 'task-b', count: 2 },
    ]);
  });

  it('fails every request when the CA is not trusted, and when another CA is given', async () => {
    server = await startBackends({ hostnames: ['task-a'], tls: pki });
    const untrusted = await runProbe(deps(), { url: server.url, requests: 2, timeoutMs: 5_000, minBackends: 1 });
    expect(untrusted.passed).toBe(false);
    expect(untrusted.failures).toEqual([
      { n: 1, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      { n: 2, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    ]);
    const other = await runProbe(deps(), {
      url: server.url,
      requests: 1,
      timeoutMs: 5_000,
      minBackends: 1,
      ca: makeTestPki().caPem,
    });
    // Same CA name, other key: OpenSSL finds the issuer by name and the signature does not verify.
    expect(other.failures[0]?.error).toBe('CERT_SIGNATURE_FAILURE');
    expect(server.count()).toBe(0); // the handshake failed: no request reached the server
  });

  it('rejects a certificate for another name even from the trusted CA', async () => {
    const elsewhere = makeTestPki('elsewhere.example', false);
    server = await startBackends({ hostnames: ['task-a'], tls: elsewhere });
    const r = await runProbe(deps(), {
      url: server.url,
      requests: 1,
      timeoutMs: 5_000,
      minBackends: 1,
      ca: elsewhere.caPem,
    });
    expect(r.failures).toEqual([{ n: 1, error: 'ERR_TLS_CERT_ALTNAME_INVALID' }]);
  });
});
