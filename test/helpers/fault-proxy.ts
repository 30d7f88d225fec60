/**
 * An HTTP proxy in front of the moto server that answers chosen calls with a fault: an AWS error in
 * the service's own wire format (JSON protocols: `__type`; query protocols: `<ErrorResponse>`), so
 * the real SDK parses a real AccessDenied, throttle, 5xx or disabled-Region error; or a network
 * failure (a reset connection, a body cut short, a request that never answers). The collector's
 * handling of each is what is tested.
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does instead of forwarding:
 * - `error` (default): an AWS error with `code` and `status` in the wire format;
 * - `reset`: destroys the connection without a response (ECONNRESET on the client);
 * - `truncate`: forwards the call, then sends the status, headers and half the body and closes;
 * - `hang`: never answers (the client's request timeout is what ends it).
 */
export type FaultKind = 'error' | 'reset' | 'truncate' | 'hang';

export interface Fault {
  /** The operation, e.g. GetKeyPolicy, AssumeRole, ListClusters. */
  operation: string;
  kind?: FaultKind;
  /** Only the first N matching requests (later attempts pass through); default: all. */
  times?: number;
  /** Only requests whose (decoded) body contains this string. */
  bodyContains?: string;
  /** Only requests signed for this Region. */
  region?: string;
  /** The wire error code of an `error` fault, e.g. AccessDeniedException, ThrottlingException, AccessDenied. */
  code?: string;
  status?: number;
  message?: string;
}

export interface FaultProxy {
  url: string;
  /** How many requests each fault answered. */
  hits: Map<Fault, number>;
  close(): Promise<void>;
}

function operationOf(
  headers: Record<string, string | string[] | undefined>,
  body: string,
): string | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target.slice(target.lastIndexOf('.') + 1).replace(/^.*_/, '');
  const action = /(?:^|&)Action=([^&]+)/.exec(body);
  return action ? decodeURIComponent(action[1]!) : undefined;
}

export async function startFaultProxy(target: string, faults: Fault[]): Promise<FaultProxy> {
  const upstream = new URL(target);
  const hits = new Map<Fault, number>(faults.map((fault) => [fault, 0]));
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      let decoded = body;
      try {
        decoded = decodeURIComponent(body.replace(/\+/g, ' '));
      } catch {
        decoded = body;
      }
      const operation = operationOf(req.headers, body);
      const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      const fault = faults.find(
        (f) =>
          f.operation === operation &&
          (f.bodyContains === undefined || decoded.includes(f.bodyContains)) &&
          (f.region === undefined || f.region === region) &&
          (f.times === undefined || (hits.get(f) ?? 0) < f.times),
      );
      const kind = fault?.kind ?? 'error';
      if (fault) hits.set(fault, (hits.get(fault) ?? 0) + 1);
      if (fault && kind === 'hang') {
        hanging.add(req);
        req.socket.once('close', () => hanging.delete(req));
        return;
      }
      if (fault && kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault && kind === 'error') {
        const code = fault.code ?? 'InternalFailure';
        const message = fault.message ?? `injected ${code} for ${operation}`;
        const json = typeof req.headers['x-amz-target'] === 'string';
        const status =
          fault.status ??
          (code.startsWith('Throttl')
            ? 400
            : /Internal|Unavailable|ServiceFailure/.test(code)
              ? 500
              : json
                ? 400
                : 403);
        if (json) {
          res.writeHead(status, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': code,
          });
          res.end(JSON.stringify({ __type: code, message }));
        } else {
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(
            `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
          );
        }
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (response) => {
          if (fault && kind === 'truncate') {
            const parts: Buffer[] = [];
            response.on('data', (chunk: Buffer) => parts.push(chunk));
            response.on('end', () => {
              const whole = Buffer.concat(parts);
              // The declared length stays that of the whole body: the client sees it cut short.
              const { 'transfer-encoding': _chunked, ...headers } = response.headers;
              res.writeHead(response.statusCode ?? 200, {
                ...headers,
                'content-length': String(whole.length),
              });
              res.write(whole.subarray(0, Math.floor(whole.length / 2)));
              res.socket?.destroy();
            });
            return;
          }
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        for (const req of hanging) req.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
