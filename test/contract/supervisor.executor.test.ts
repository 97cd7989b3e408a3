import { useChromiumFile } from '../support/chromium-root.js';
import { supervisorHarness } from '../support/executor-harnesses.js';
import { defineExecutorContract } from './executor-contract.js';

const file = useChromiumFile('exec-supervisor-');
defineExecutorContract('SessionSupervisor (real Chromium)', supervisorHarness(file));
