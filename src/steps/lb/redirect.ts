/**
 * The HTTP listener's answer once a stack has HTTPS: a permanent redirect to the same URL on
 * https://. Its own small module because both listener files use it.
 */
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';

export const HTTPS_PORT = 443;
/** HTTP → HTTPS, same host, path and query, permanently. */
export const REDIRECT_TO_HTTPS: Action = {
  Type: 'redirect',
  RedirectConfig: { Protocol: 'HTTPS', Port: String(HTTPS_PORT), StatusCode: 'HTTP_301' },
};

export function isRedirectToHttps(actions: readonly Action[] | undefined): boolean {
  const r = actions?.length === 1 && actions[0]!.Type === 'redirect' ? actions[0]!.RedirectConfig : undefined;
  return (
    r?.Protocol === 'HTTPS' &&
    r.Port === String(HTTPS_PORT) &&
    r.StatusCode === 'HTTP_301' &&
    [undefined, '#{host}'].includes(r.Host) &&
    [undefined, '/#{path}'].includes(r.Path) &&
    [undefined, '#{query}'].includes(r.Query)
  );
}
