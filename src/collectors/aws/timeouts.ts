/**
 * The HTTP handler options every AWS SDK client of the project is made with (the CLI's session,
 * Cost Explorer, the detection Lambda). `throwOnRequestTimeout` turns an attempt that outlasts
 * `requestTimeout` into a `TimeoutError`, which the SDK's retry strategy treats as transient: it
 * is retried within the client's `maxAttempts` and then fails the call, which the collectors turn
 * into a gap. Without it, @smithy/node-http-handler only logs a warning and waits forever.
 */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface RequestHandlerTimeouts {
  connectionTimeout: number;
  requestTimeout: number;
  throwOnRequestTimeout: true;
}

export function requestHandlerOptions(
  requestTimeout: number = DEFAULT_REQUEST_TIMEOUT_MS,
  connectionTimeout: number = DEFAULT_CONNECTION_TIMEOUT_MS,
): RequestHandlerTimeouts {
  return { connectionTimeout, requestTimeout, throwOnRequestTimeout: true };
}
