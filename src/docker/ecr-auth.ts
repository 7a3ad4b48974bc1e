/**
 * Registry credentials from ECR (what `aws ecr get-login-password` does): GetAuthorizationToken
 * returns base64("AWS:<password>"), valid for 12 hours, and the registry's https endpoint.
 *
 * The password and the token are secrets: they go into dockerode's `authconfig` (the
 * X-Registry-Auth header) and nowhere else. `scrub` removes them, and the encodings that carry
 * them, from any text before it is shown.
 */
import { GetAuthorizationTokenCommand, type AuthorizationData, type ECRClient } from '@aws-sdk/client-ecr';
import { asOperationError } from '../aws/errors.js';
import { OperationError } from '../errors.js';

export interface RegistryAuth {
  /** Exactly what dockerode's push wants as `authconfig`. */
  readonly authconfig: { readonly username: string; readonly password: string; readonly serveraddress: string };
  /** Every form in which the credentials could show up in a message; see `scrub`. */
  readonly secrets: readonly string[];
  /** When the token stops working (moto always says 2015-01-01: not checked). */
  readonly expiresAt?: Date;
}

/**
 * Credentials for `registry` (HOST:PORT, when the push goes elsewhere than ECR: an emulator's
 * registry takes the same ECR-issued credentials) or for the ECR host of the token.
 */
export function authFromToken(data: AuthorizationData, registry?: string): RegistryAuth {
  const token = data.authorizationToken ?? '';
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!token || colon <= 0) {
    // Never quote the token: it may be a real one, merely mangled.
    throw new OperationError('ECR returned an authorization token that is not base64 "user:password"');
  }
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const serveraddress = registry ?? hostOf(data.proxyEndpoint ?? '');
  if (!serveraddress) throw new OperationError('ECR returned an authorization token without a registry endpoint');
  const authconfig = { username, password, serveraddress };
  const json = JSON.stringify(authconfig);
  const b64 = Buffer.from(json).toString('base64');
  const secrets = [
    password,
    token,
    decoded,
    b64,
    b64.replace(/\+/g, '-').replace(/\//g, '_'),
    Buffer.from(json).toString('base64url'),
    Buffer.from(decoded).toString('base64url'),
    encodeURIComponent(password),
  ].filter((s) => s.length >= 4);
  return { authconfig, secrets: [...new Set(secrets)].sort((a, b) => b.length - a.length), expiresAt: data.expiresAt };
}

/** GetAuthorizationToken → credentials; see authFromToken. */
export async function getRegistryAuth(ecr: ECRClient, registry?: string): Promise<RegistryAuth> {
  let data: AuthorizationData | undefined;
  try {
    data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
  } catch (e) {
    throw asOperationError('get an ECR authorization token', e);
  }
  if (!data) throw new OperationError('ECR returned no authorization data');
  return authFromToken(data, registry);
}

/** The text with every secret (longest first) replaced by "***". */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** "https://1234.dkr.ecr.us-east-1.amazonaws.com" → "1234.dkr.ecr.us-east-1.amazonaws.com". */
export function hostOf(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}
