import { randomBytes } from 'node:crypto';
import { chromium } from '/work/main/node_modules/playwright-core/index.mjs';
import { generateTree } from '/work/main/dist/genealogy/synthetic.js';
import { startTreeSite } from '/work/main/dist/site/server.js';
import { SessionSupervisor, ImportCookies, Navigate, ExecuteJS } from '/work/main/dist/index.js';
import { PlaywrightDriver, REQUIRED_CHROMIUM_FLAGS } from '/work/main/dist/drivers/playwright/playwright-driver.js';
import { findChromium } from '/work/main/dist/drivers/playwright/find-chromium.js';
import { signInOverHttp } from '/work/main/dist/bench/report.js';
import { personPages, READ_PERSON } from '/work/main/dist/bench/person-pages.js';
const { tree, referencePerson } = generateTree({ people: 10000, seed: 1 });
const password = randomBytes(9).toString('base64url');
const site = await startTreeSite({ tree, referencePerson, users: [{ username: 'b', password }], rateLimit: false });
site.setKnobs({ latencyMs: { 'GET /person/:id': 20 } });
const sid = await signInOverHttp(site.origin, 'b', password);
const pages = personPages(tree, 120);
const cookie = { name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' };
async function measure(visit) { for (const p of pages.slice(0, 10)) await visit(p); const t = performance.now(); for (const p of pages) await visit(p); return (performance.now() - t) / pages.length; }
const ratios = [];
for (let round = 0; round < 4; round++) {
  const browser = await chromium.launch({ executablePath: findChromium(), args: [...REQUIRED_CHROMIUM_FLAGS] });
  const ctx = await browser.newContext(); await ctx.addCookies([cookie]); const tab = await ctx.newPage();
  const pw = await measure(async (p) => { await tab.goto(site.origin + p.path); return tab.evaluate(`(() => { ${READ_PERSON} })()`); });
  await browser.close();
  const s = new SessionSupervisor({ driver: () => new PlaywrightDriver({}) }); await s.startActor(); await s.submit(ImportCookies([cookie]));
  const read = ExecuteJS(READ_PERSON, [], { idempotent: true });
  const sup = await measure(async (p) => { await s.submit(Navigate(site.origin + p.path)); return s.submit(read); });
  await s.stop();
  ratios.push(pw / sup); console.log('pw', pw.toFixed(1), 'sup', sup.toFixed(1), 'ratio', (pw / sup).toFixed(3));
}
ratios.sort(); console.log('median supervisor/pw speed', ((ratios[1] + ratios[2]) / 2).toFixed(3));
await site.close();
