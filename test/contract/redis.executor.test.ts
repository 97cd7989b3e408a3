import { afterAll, beforeAll } from 'vitest';
import { useChromiumFile } from '../support/chromium-root.js';
import { redisHarness } from '../support/executor-harnesses.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { defineExecutorContract } from './executor-contract.js';

const file = useChromiumFile('exec-redis-');
let redis: RedisServer | undefined;
const harness = redisHarness(file, () => redis as RedisServer);

beforeAll(async () => {
  redis = await startRedisServer();
  await harness.start();
});

afterAll(async () => {
  await harness.stop();
  await redis?.stop();
});

defineExecutorContract('RedisWorkDispatcher (real Redis, worker hosts, real Chromium)', harness);
