/**
 * What an AWS error means for the scan: every failed call becomes a `Gap` with a stable code, so
 * that the rules which needed the data answer UNKNOWN and say why. Errors are told apart by their
 * `name` (the wire error code), never by `instanceof`: KMS does not model AccessDeniedException
 * (shared/aws-facts.md §6.4).
 */
import type { Gap } from '../../model/inventory.js';

export type GapCode =
  | 'aws.access_denied'
  | 'aws.throttled'
  | 'aws.region_disabled'
  | 'aws.assume_role_failed'
  | 'aws.not_found'
  | 'aws.cross_account'
  | 'aws.invalid_response'
  | 'aws.timeout'
  | 'aws.network'
  | 'aws.error'
  | 'skipped';

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedAccess',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
/** Credentials that work elsewhere are refused in a Region that is not enabled for the account. */
const REGION_DISABLED = new Set([
  'OptInRequired',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AuthFailure',
]);
const NOT_FOUND = new Set([
  'NotFoundException',
  'ResourceNotFound',
  'ResourceNotFoundException',
  'NoSuchEntity',
]);

/** A successful response that lacks the field that carries its data: as unknown as a failed call. */
export class IncompleteResponseError extends Error {
  override readonly name = 'IncompleteResponse';
}

export interface ClassifiedError {
  code: GapCode;
  /** The wire error code, e.g. AccessDeniedException. */
  name: string;
  message: string;
}

/** An attempt that took longer than the request timeout (the HTTP handler's `TimeoutError`). */
const TIMED_OUT = new Set(['TimeoutError', 'ETIMEDOUT', 'RequestTimeout', 'RequestTimeoutException']);
/** The connection broke mid-request: reset, closed, or a response cut short. */
const NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Network failures that no amount of retrying fixes: the endpoint is wrong or unreachable. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const candidate = error as { name?: unknown; code?: unknown; Code?: unknown };
  for (const value of [candidate.name, candidate.Code, candidate.code]) {
    if (typeof value === 'string' && value !== '' && value !== 'Error') return value;
  }
  return 'Error';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message.split('\n')[0]!.slice(0, 500);
  if (typeof error === 'object' && error !== null) {
    const { message, Message } = error as { message?: unknown; Message?: unknown };
    if (typeof message === 'string' && message) return message.slice(0, 500);
    if (typeof Message === 'string' && Message) return Message.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

/** Whether the error says the endpoint cannot be reached at all (DNS, refused connection). */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}

export function classifyError(error: unknown): ClassifiedError {
  const name = errorName(error);
  const message = errorMessage(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  let code: GapCode = 'aws.error';
  if (ACCESS_DENIED.has(name)) code = 'aws.access_denied';
  else if (THROTTLED.has(name) || status === 429) code = 'aws.throttled';
  else if (REGION_DISABLED.has(name)) code = 'aws.region_disabled';
  else if (NOT_FOUND.has(name)) code = 'aws.not_found';
  // The HTTP handler names a connection closed mid-request a TimeoutError too: the message tells.
  else if (NETWORK.has(name) || /socket hang up|ECONNRESET|premature close/i.test(message))
    code = 'aws.network';
  else if (TIMED_OUT.has(name)) code = 'aws.timeout';
  else if (name === 'IncompleteResponse') code = 'aws.invalid_response';
  else if (status === 403) code = 'aws.access_denied';
  return { code, name, message };
}

export const isNotFound = (error: unknown): boolean => classifyError(error).code === 'aws.not_found';

export interface GapContext {
  service: string;
  operation: string;
  account?: string;
  region?: string;
  resource?: string;
}

/** The gap a failed call leaves. The message keeps the wire code so the user can search for it. */
export function gapFromError(context: GapContext, error: unknown): Gap {
  const { code, name, message } = classifyError(error);
  return gap(context, code, name === 'Error' ? message : `${name}: ${message}`);
}

export function gap(context: GapContext, code: string, message: string): Gap {
  return {
    code,
    service: context.service,
    operation: context.operation,
    ...(context.account ? { account: context.account } : {}),
    ...(context.region ? { region: context.region } : {}),
    ...(context.resource ? { resource: context.resource } : {}),
    message,
  };
}

/** A gap as the `reason` of an inventory value that it left unknown. */
export const gapReasonText = (entry: Gap): string =>
  `${entry.operation} failed (${entry.code}): ${entry.message}`;
