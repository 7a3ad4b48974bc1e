/**
 * Input checks of the image commands (UsageError → exit 2, one line, before any call).
 * Kept beside the Docker code; `up` reuses them for its --registry and --platform.
 */
import { UsageError } from '../errors.js';
import { keyValue } from '../util/validate.js';

/** HOST:PORT of a registry, as in `--registry 127.0.0.1:5000` (no scheme, no path). */
export function registryAddress(value: string, flag = '--registry'): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(value);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a registry address: use HOST or HOST:PORT, e.g. 127.0.0.1:5000 (no http://)`,
    );
  }
  return value;
}

/** os/arch[/variant], as in `--platform linux/amd64`. */
export function platform(value: string, flag = '--platform'): string {
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(value)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a platform: use os/arch, e.g. linux/amd64 or linux/arm64`,
    );
  }
  return value;
}

/** An absolute URL path such as /info (query allowed). */
export function urlPath(value: string, flag = '--path'): string {
  if (!/^\/[\x21-\x7e]*$/.test(value))
    throw new UsageError(`${flag} ${JSON.stringify(value)} must be a path starting with /, e.g. /info`);
  return value;
}

export const NETWORKS = ['host', 'bridge'] as const;
export type NetworkMode = (typeof NETWORKS)[number];

export function network(value: string, flag = '--network'): NetworkMode {
  if (!(NETWORKS as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${NETWORKS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as NetworkMode;
}

/** Build arguments: KEY=VALUE (the value may be empty); a bare KEY is refused (Docker would read the environment). */
export function buildArg(value: string, flag = '--build-arg'): [string, string] {
  return keyValue(value, flag);
}
