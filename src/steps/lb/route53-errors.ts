/**
 * How a refused Route 53 change batch reaches ecsctl through JS SDK v3. Its own module because the
 * body differs from every other AWS error (see below).
 */
import { isAwsError } from '../../aws/errors.js';

/**
 * Route 53 answers a CREATE of an existing name (or a DELETE of a missing one) with HTTP 400 and a
 * body whose root element is <InvalidChangeBatch><Messages>… rather than the usual <ErrorResponse>
 * (the Kotlin SDK parses it with a customization: awslabs/aws-sdk-kotlin, route53
 * ChangeResourceRecordSetsUnmarshalling). JS SDK v3 finds no error code in it and names the error
 * "Unknown", keeping the parsed `Messages`; both forms are recognized here.
 */
export function isInvalidChangeBatch(e: unknown): boolean {
  if (isAwsError(e, 'InvalidChangeBatch')) return true;
  const x = e as { $metadata?: { httpStatusCode?: number }; Messages?: unknown };
  return x?.$metadata?.httpStatusCode === 400 && x.Messages !== undefined;
}

/** The sentences of an InvalidChangeBatch answer, for the error line. */
export function changeBatchMessages(e: unknown): string {
  const m = (e as { Messages?: { Message?: string | string[] } }).Messages?.Message;
  return (Array.isArray(m) ? m : m ? [m] : [(e as Error).message]).join('; ');
}
