import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { fixtureSite } from '../support/fixture-site.js';
import { defineDriverContract } from './driver-contract.js';

const origin = 'http://127.0.0.1:18080';

defineDriverContract(
  'fake',
  async () => ({
    origin,
    refusedUrl: 'http://127.0.0.1:18081/',
    loadsSubresources: false,
    makeDriver: () => new FakeDriver({ sites: { [origin]: fixtureSite } }),
    leftovers: async (driver) => ((driver as FakeDriver).running ? ['the fake browser is still running'] : []),
  }),
  async () => undefined,
);
