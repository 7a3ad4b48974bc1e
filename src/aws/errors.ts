/**
 * Telling AWS errors apart by the SDK's exception name, never by message text, and turning raw
 * SDK failures into one-line messages that read "{what we did}: {why AWS said no}".
 */
import { OperationError } from '../errors.js';
import { isQuotaError, quotaHint } from './quota.js';

export function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : undefined;
}

export function isAwsError(e: unknown, ...names: string[]): boolean {
  const name = errorName(e);
  const code = (e as { Code?: string; code?: string } | undefined)?.Code;
  return (name !== undefined && names.includes(name)) || (code !== undefined && names.includes(code));
}

const AUTH = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AuthFailure',
  'SignatureDoesNotMatch',
]);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

export function asOperationError(action: string, e: unknown): OperationError {
  if (e instanceof OperationError) return e;
  const name = errorName(e) ?? 'Error';
  const code = (e as { code?: string }).code;
  const detail = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if ((code && UNREACHABLE.has(code)) || UNREACHABLE.has(name)) {
    return new OperationError(`${action}: cannot reach the AWS endpoint (${code ?? name})`, {
      cause: e,
      hint: 'Check --endpoint-url / AWS_ENDPOINT_URL and your network.',
    });
  }
  if (isQuotaError(e)) {
    return new OperationError(`${action}: account quota reached: ${name}: ${detail}`, { cause: e, hint: quotaHint(e) });
  }
  const hint = AUTH.has(name)
    ? 'Check --profile / AWS_PROFILE, or refresh your credentials (e.g. `aws sso login`).'
    : DENIED.has(name)
      ? 'The identity in use lacks a permission for this call; the message says which.'
      : undefined;
  return new OperationError(`${action}: ${name}${detail && detail !== name ? `: ${detail}` : ''}`, { cause: e, hint });
}
