/**
 * Errors as each AWS protocol puts them on the wire, so the SDK's own deserializers turn them into
 * the same exception (name, message, status) a real account gives:
 *  - EC2 (ec2 query): `<Response><Errors><Error><Code>…` with HTTP 400;
 *  - ECS, ECR, CloudWatch Logs, SSM (JSON 1.1): `{"__type": …, "message": …}` with HTTP 400;
 *  - S3 (REST-XML): `<Error><Code>…</Code><Message>…` with the error's own status (412, 409, 503, 403);
 *  - ELBv2, IAM, STS (aws query): `<ErrorResponse><Error><Type>Sender</Type><Code>…` with the
 *    status the API reference gives the error (IAM LimitExceeded is 409, most others 400).
 */
import type { Decision } from '../proxy.js';

export type Protocol = 'ec2' | 'json' | 'query' | 's3';

const JSON_SERVICES = new Set(['ECS', 'ECR', 'LOGS', 'SSM']);

export function protocolOf(service: string): Protocol {
  if (service === 'EC2') return 'ec2';
  if (service === 'S3') return 's3';
  return JSON_SERVICES.has(service) ? 'json' : 'query';
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The answer real AWS gives for `code` on `service`, as a proxy decision (never forwarded). */
export function awsError(service: string, code: string, message: string, status = 400): Decision {
  const requestId = 'strict-aws-0000';
  switch (protocolOf(service)) {
    case 'ec2':
      return {
        kind: 'respond',
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'json':
      return {
        kind: 'respond',
        status,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
        },
        body: JSON.stringify({ __type: code, message }),
      };
    case 's3':
      // REST-XML: a bare <Error> document (S3 API reference, "Error responses"); a HEAD answer has no body.
      return {
        kind: 'respond',
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId><HostId>strict-aws-host</HostId></Error>`,
      };
    case 'query': {
      const ns =
        service === 'IAM'
          ? 'https://iam.amazonaws.com/doc/2010-05-08/'
          : 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
      return {
        kind: 'respond',
        status,
        headers: { 'content-type': 'text/xml' },
        body: `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }
}

/** The request's parameters: form fields for the query protocols, the JSON body for JSON 1.1. */
export function paramsOf(service: string, body: string): Record<string, unknown> {
  if (protocolOf(service) === 's3') return {}; // S3's parameters are in the path and headers (s3.ts).
  if (protocolOf(service) === 'json') {
    try {
      return JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** Every string value in the parameters (query fields, or the JSON body walked), for "names this ID". */
export function valuesOf(params: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(params);
  return out;
}
