import { createWorkDispatcher, SessionSupervisor, ExecuteJS } from '/work/main/dist/index.js';
import { PlaywrightDriver } from '/work/main/dist/drivers/playwright/playwright-driver.js';
const N = 300; const t1 = ExecuteJS('return 1', [], { idempotent: true });
async function time(name, submit) { for (let i = 0; i < 30; i++) await submit(); const c0 = process.cpuUsage(); const t = performance.now(); for (let i = 0; i < N; i++) await submit(); const c = process.cpuUsage(c0); console.log(name, ((performance.now() - t) / N).toFixed(3), 'ms/task; parent cpu', ((c.user + c.system) / 1000 / N).toFixed(3)); }
for (let r = 0; r < 2; r++) {
  const s = new SessionSupervisor({ driver: () => new PlaywrightDriver({}) }); await s.startActor(); await time('supervisor', () => s.submit(t1)); await s.stop();
  const d = createWorkDispatcher({ workers: 1 }); await d.start(); await time('dispatcher', () => d.submit(t1)); await d.stop();
}
