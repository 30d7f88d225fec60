/**
 * An HTTP proxy in front of the moto server that answers chosen calls with an AWS error in the
 * service's own wire format (JSON protocols: `__type`; query protocols: `<ErrorResponse>`), so the
 * real SDK parses a real AccessDenied, throttle or disabled-Region error and the collector's
 * handling of it is what is tested.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** The operation, e.g. GetKeyPolicy, AssumeRole, ListClusters. */
  operation: string;
  /** Only requests whose (decoded) body contains this string. */
  bodyContains?: string;
  /** Only requests signed for this Region. */
  region?: string;
  /** The wire error code, e.g. AccessDeniedException, ThrottlingException, AccessDenied. */
  code: string;
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
          (f.region === undefined || f.region === region),
      );
      if (fault) {
        hits.set(fault, (hits.get(fault) ?? 0) + 1);
        const message = fault.message ?? `injected ${fault.code} for ${operation}`;
        const json = typeof req.headers['x-amz-target'] === 'string';
        const status = fault.status ?? (fault.code.startsWith('Throttl') ? 400 : json ? 400 : 403);
        if (json) {
          res.writeHead(status, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': fault.code,
          });
          res.end(JSON.stringify({ __type: fault.code, message }));
        } else {
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(
            `<ErrorResponse><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
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
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
