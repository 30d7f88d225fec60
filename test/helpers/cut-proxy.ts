/**
 * A TCP proxy on 127.0.0.1 that forwards to a server until the client sends bytes containing a
 * chosen text (e.g. a statement of the PostgreSQL wire protocol), then cuts both connections
 * without a word: what a network failure or a killed server looks like to the client.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CutProxy {
  port: number;
  /** How many connections were cut. */
  cuts(): number;
  close(): Promise<void>;
}

export async function cutProxy(upstreamPort: number, cutWhenClientSends: string): Promise<CutProxy> {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let seen = '';
    client.on('data', (chunk: Buffer) => {
      // Keep a tail, so that a text split across two packets is still found.
      seen = (seen + chunk.toString('latin1')).slice(-(cutWhenClientSends.length + 65_536));
      if (seen.includes(cutWhenClientSends)) {
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        b.destroy();
        sockets.delete(a);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
