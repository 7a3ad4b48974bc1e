/**
 * Asking a registry (Distribution API v2) what a tag points at, so an image already there is
 * not pushed again. Only HEAD of the manifest, with basic auth and the manifest media types
 * Docker pushes; whatever else happens (401, a token-auth registry, no answer) means "unknown",
 * and the push itself then reports the registry's own words.
 */
import type { RegistryAuth } from './ecr-auth.js';

export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** Plain HTTP only for loopback registries: Docker itself treats 127.0.0.0/8 as insecure, nothing else. */
export function registryBaseUrl(address: string): string {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return `${loopback ? 'http' : 'https'}://${address}`;
}

/**
 * The digest the registry holds for `name:tag`, or undefined when it has none or did not say.
 * Never throws, never logs: the credentials travel only in the Authorization header.
 */
export async function remoteDigest(
  address: string,
  name: string,
  tag: string,
  auth: RegistryAuth,
  timeoutMs = 5_000,
): Promise<string | undefined> {
  const { username, password } = auth.authconfig;
  try {
    const res = await fetch(`${registryBaseUrl(address)}/v2/${name}/manifests/${encodeURIComponent(tag)}`, {
      method: 'HEAD',
      headers: {
        Accept: MANIFEST_TYPES,
        Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const digest = res.headers.get('docker-content-digest');
    return res.ok && digest && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  } catch {
    return undefined;
  }
}
