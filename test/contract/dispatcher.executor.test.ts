import { useChromiumFile } from '../support/chromium-root.js';
import { dispatcherHarness } from '../support/executor-harnesses.js';
import { defineExecutorContract } from './executor-contract.js';

const file = useChromiumFile('exec-dispatcher-');
defineExecutorContract('WorkDispatcher (worker processes, real Chromium)', dispatcherHarness(file));
