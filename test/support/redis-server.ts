import type { Redis } from 'ioredis';
// The private redis-server the tests start (one per test file), from the package's own helper.
export { type RedisServer, type RedisServerOptions, freePort, startRedisServer } from './redis-launcher.js';

/** Every key and value in Redis as text (strings, hashes, lists, sets, sorted sets, streams), to search for secrets. */
export async function dumpRedis(admin: Redis): Promise<string> {
  const parts: string[] = [];
  for (const key of await admin.keys('*')) {
    parts.push(key);
    const type = await admin.type(key);
    if (type === 'string') parts.push((await admin.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await admin.hgetall(key)));
    else if (type === 'list') parts.push(JSON.stringify(await admin.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(JSON.stringify(await admin.smembers(key)));
    else if (type === 'zset') parts.push(JSON.stringify(await admin.zrange(key, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await admin.xrange(key, '-', '+')));
  }
  return parts.join('\n');
}

/**
 * The secrets that appear in `dump`: as they are, or inside any base64 or base64url run (decoded
 * at each of its four alignments), which is how a payload encoded but not encrypted would hold them.
 */
export function secretsFoundIn(dump: string, secrets: readonly string[]): string[] {
  const decoded: string[] = [];
  for (const [run] of dump.matchAll(/[A-Za-z0-9+/_-]{8,}={0,2}/g)) {
    for (let shift = 0; shift < 4; shift++)
      decoded.push(Buffer.from(run.slice(shift).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
  }
  const haystack = `${dump}\n${decoded.join('\n')}`;
  return secrets.filter((s) => haystack.includes(s));
}
