// The private redis-server the tests start (one per test file), from the package's own helper.
export { type RedisServer, freePort, startRedisServer } from '../../src/internal/redis-server.js';
