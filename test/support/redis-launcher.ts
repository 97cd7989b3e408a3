import { type ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { ConfigError } from '../../src/errors.js';
import { freePort } from '../../src/internal/free-port.js';
import { pidExists, waitFor } from '../../src/internal/poll.js';

export { freePort };

/** A private redis-server (for a test file or a benchmark): 127.0.0.1, a free port, no persistence by default. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stop it by its pid (SIGTERM, then SIGKILL) and wait until it is gone. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Default: a free port. Give the port of a stopped server to start it again where its clients look. */
  readonly port?: number;
  /** With `dir`: an append-only file there (`appendfsync always`), so a restart keeps every write. */
  readonly aof?: { readonly dir: string };
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = process.env['REDIS_SERVER'] ?? 'redis-server';
  const persistence = options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.aof.dir] : ['--appendonly', 'no'];
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const child: ChildProcess = spawn(
      bin,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const ready = await new Promise<boolean>((resolve) => {
      child.once('error', (e) => {
        output += String(e);
        resolve(false);
      });
      child.once('exit', () => resolve(false));
      // Ready when it accepts a connection.
      const tryConnect = (left: number): void => {
        const socket = new Socket();
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => {
          socket.destroy();
          if (left <= 0) resolve(false);
          else setTimeout(() => tryConnect(left - 1), 50);
        });
        socket.connect(port, '127.0.0.1');
      };
      tryConnect(100);
    });
    if (!ready || child.pid === undefined) {
      if (child.pid !== undefined && pidExists(child.pid)) child.kill('SIGKILL');
      if (attempt < 2 && options.port === undefined) continue;
      throw new ConfigError(`redis-server did not start (is it installed? apt-get install redis-server): ${output.slice(0, 500)}`);
    }
    const pid = child.pid;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid,
      async stop() {
        if (!pidExists(pid)) return;
        child.kill('SIGTERM');
        if (!(await waitFor(() => !pidExists(pid), 5000, 20))) child.kill('SIGKILL');
        await waitFor(() => !pidExists(pid), 5000, 20);
      },
    };
  }
}
