import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Connections open at once, from all clients. */
  readonly maxConnections: number;
  /** Connections open at once from one client address. */
  readonly perClient: number;
}

/**
 * Bounds the connections a server holds so that one client cannot crowd out the others: each
 * client address may hold `perClient` connections, all clients together `maxConnections`. At
 * either bound, the oldest idle connection (no request under way: still sending its headers, or
 * kept alive between requests) of that client, or of anyone at the global bound, is closed to make
 * room; when none is idle, the new connection is closed. A client that opens connections and
 * sends nothing so only ever pushes out its own.
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  const { maxConnections, perClient } = options;
  // Insertion order is age: the first idle socket in a set is the oldest.
  const all = new Set<Socket>();
  const idle = new Set<Socket>();
  const byClient = new Map<string, Set<Socket>>();
  const oldestIdle = (among: Iterable<Socket>): Socket | undefined => {
    for (const s of among) if (idle.has(s)) return s;
    return undefined;
  };
  const drop = (socket: Socket): void => {
    all.delete(socket);
    idle.delete(socket);
    socket.destroy();
  };
  server.maxConnections = Number.POSITIVE_INFINITY; // the guard decides, with eviction
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    let mine = byClient.get(client);
    if (!mine) byClient.set(client, (mine = new Set()));
    if (mine.size >= perClient) {
      const victim = oldestIdle(mine);
      if (!victim) return void socket.destroy();
      drop(victim);
      mine.delete(victim);
    }
    if (all.size >= maxConnections) {
      const victim = oldestIdle(idle);
      if (!victim) return void socket.destroy();
      drop(victim);
    }
    all.add(socket);
    idle.add(socket);
    mine.add(socket);
    const own = mine;
    socket.once('close', () => {
      all.delete(socket);
      idle.delete(socket);
      own.delete(socket);
      if (own.size === 0 && byClient.get(client) === own) byClient.delete(client);
    });
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    idle.delete(socket);
    res.once('finish', () => {
      // Kept alive for the next request: idle again, and now the newest.
      if (!socket.destroyed && all.has(socket)) idle.add(socket);
    });
  });
}
