import { createWorkDispatcher, ExecuteJS } from '/work/main/dist/index.js';
const t1 = ExecuteJS('return 1', [], { idempotent: true });
const d = createWorkDispatcher({ workers: 1 }); await d.start();
for (let i = 0; i < 1000; i++) await d.submit(t1);
await d.stop();
