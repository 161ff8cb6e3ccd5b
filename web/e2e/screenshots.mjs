// The README's console screenshots, taken from the demo merchant (`yutang serve --demo`: 50,000
// customers with orders, tags, consent and guides) rather than the end-to-end test's near-empty
// one, so that they show the console as a merchant with real data sees it.
//
//   node e2e/screenshots.mjs --binary ../build/ci/src/yutang/app/yutang [--static-dir dist] [--out ../docs/images]
//
// The demo is generated into a fresh data dir each time (a few minutes; a sanitizer build takes
// longer). --data DIR keeps the data dir instead and reuses it on the next run, which starts in
// seconds. Signs in through the login page at 1366×768 in Chinese and writes
// console-overview.png, console-customers.png, console-customer.png and
// console-segment-editor.png. Fails on any error in the browser console or an error toast.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { screenshotter } from './lib/context.mjs';
import { serve } from './lib/server.mjs';
import { byTest, expect, settled } from './lib/ui.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    binary: { type: 'string', default: process.env['YUTANG_BINARY'] },
    'static-dir': { type: 'string', default: process.env['YT_CONSOLE_DIST'] ?? join(here, '..', 'dist') },
    out: { type: 'string', default: join(here, '..', '..', 'docs', 'images') },
    data: { type: 'string' },
    // 近90天: long enough for the sales curve, and the period before it has data to compare with.
    range: { type: 'string', default: '90' },
    chromium: { type: 'string', default: process.env['CHROMIUM'] ?? '/usr/bin/chromium' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help || !args.binary) {
  console.error('usage: node e2e/screenshots.mjs --binary PATH_TO_YUTANG [--static-dir DIST] [--out DIR] [--data KEPT_DATA_DIR] [--range 7|30|90|365]');
  process.exit(args.help ? 0 : 2);
}

const demoEmail = 'demo@yutang.local';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

const tempDir = args.data ? undefined : mkdtempSync(join(tmpdir(), 'yutang-screenshots-'));
const dataDir = args.data ? resolve(args.data) : join(/** @type {string} */ (tempDir), 'data');
console.log(existsSync(dataDir) ? `reusing the demo data in ${dataDir}` : `generating the demo merchant in ${dataDir} (takes a few minutes)`);

const server = await serve({
  binary: resolve(args.binary),
  args: ['serve', '--demo', '--data', dataDir, '--listen', '127.0.0.1:0', '--static-dir', resolve(args['static-dir'])],
  env: { ...process.env, YUTANG_LOG_LEVEL: 'warn' },
  timeoutMs: 60 * 60_000,
  // The demo's progress ("演示数据 Demo data  40%  20000 customers"), one line per 10%.
  onOutput: (text) => {
    for (const line of text.split('\n')) if (/\d+%/.test(line)) console.log(`  ${line.trim()} (${elapsed()})`);
  },
});
const password = /log in as \S+ with password (\S+)/.exec(server.output())?.[1];

const browser = await chromium.launch({
  executablePath: args.chromium,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
});
/** @type {string[]} */
const browserErrors = [];
let exitCode = 0;
try {
  expect(password, `the server did not print the demo login:\n${server.output()}`);
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  // The language is remembered per browser; a fresh context starts in Chinese, say so anyway.
  await context.addInitScript(() => localStorage.setItem('yutang.language', 'zh-CN'));
  const page = await context.newPage();
  // A sanitizer build on a busy machine answers a preview of 50,000 customers in seconds.
  page.setDefaultTimeout(180_000);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // /api/v1/me before sign-in answers 401: expected, not an error of the page.
    if (/status of 401/.test(message.text())) return;
    browserErrors.push(message.text());
  });
  page.on('pageerror', (error) => browserErrors.push(`uncaught: ${error.message}`));

  mkdirSync(args.out, { recursive: true });
  const shoot = screenshotter(resolve(args.out));
  /** A picture of the page as it is now, never one with an error on it. */
  const screenshot = async (/** @type {string} */ name) => {
    await settled(page);
    // Success toasts fade by themselves; wait them out so the picture shows only the page.
    await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
    expect(browserErrors.length === 0, `browser console errors before ${name}:\n  ${browserErrors.join('\n  ')}`);
    expect((await page.locator('.el-message--error, [data-test="error-state"]').count()) === 0, `an error is shown on ${name}`);
    await shoot(page, name);
    console.log(`wrote ${join(resolve(args.out), `${name}.png`)} (${elapsed()})`);
  };

  // Sign in.
  await page.goto(`${server.url}/`);
  await byTest(page, 'login-email').fill(demoEmail);
  await byTest(page, 'login-password').fill(/** @type {string} */ (password));
  await byTest(page, 'login-submit').click();
  await byTest(page, 'side-menu').waitFor();

  // 数据看板: every KPI and chart drawn; ECharts animates for about a second.
  await page.goto(`${server.url}/overview`);
  await byTest(page, `overview-range-${args.range}`).click();
  await settled(page);
  for (const chart of ['chart-pool', 'chart-sales', 'chart-platform', 'chart-channel', 'chart-stage']) {
    await byTest(page, chart).locator('canvas').first().waitFor();
  }
  await page.waitForTimeout(1500);
  await screenshot('console-overview');

  // The customer list, filtered to repeat buyers: the newest customers are visitors the demo's
  // tracked events brought in, who have no orders or tags yet.
  await page.goto(`${server.url}/customers?lifecycle=repeat`);
  await byTest(page, 'customer-table').locator('.el-table__row').nth(10).waitFor();
  await screenshot('console-customers');

  // A customer with a full profile: a name, several orders on more than one platform, tags,
  // consent and a guide. Found through the API the page itself uses.
  const customerId = await page.evaluate(async () => {
    const get = async (/** @type {string} */ path) => {
      const response = await fetch(path, { headers: { 'X-Requested-With': 'XMLHttpRequest' } });
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      return response.json();
    };
    const tags = await get('/api/v1/tags');
    const gold = tags.items.flatMap((/** @type {{tags?: {id: number, name: string}[]}} */ g) => g.tags ?? []).find((/** @type {{name: string}} */ t) => t.name === '金卡');
    const list = await get(`/api/v1/customers?limit=50&lifecycle_stage=repeat${gold ? `&tag_id=${gold.id}` : ''}`);
    let best = { id: 0, score: -1 };
    for (const summary of list.items) {
      const p = await get(`/api/v1/customers/${summary.id}`);
      const platforms = Object.keys(p.traits?.platform_counts ?? {}).length;
      const score =
        (p.attributes?.name?.value ? 10 : 0) +
        (p.owner_staff_id ? 5 : 0) +
        Math.min(p.orders.length, 8) +
        3 * platforms +
        2 * (p.tags?.length ?? 0) +
        2 * (p.consent?.length ?? 0) +
        (p.events?.length ? 3 : 0);
      if (score > best.score) best = { id: p.id, score };
    }
    return best.id;
  });
  expect(customerId > 0, 'no customer with orders was found');
  await page.goto(`${server.url}/customers/${customerId}`);
  await byTest(page, 'customer-summary').waitFor();
  await byTest(page, 'customer-timeline').locator('.el-timeline-item').first().waitFor();
  // The demo keeps no notes; a guide's note, as a merchant's would read.
  if ((await byTest(page, 'customer-notes').locator('.note').count()) === 0) {
    await byTest(page, 'note-input').fill('宝宝 8 个月，正在换二段奶粉；偏好晚上直播间下单，618 前提醒囤纸尿裤。');
    await byTest(page, 'note-add').click();
    await byTest(page, 'customer-notes').locator('.note').first().waitFor();
  }
  await screenshot('console-customer');

  // 客户分层: 人群/母婴 and (bought at least twice or spent at least ¥500), built in the builder.
  await page.goto(`${server.url}/segments/new`);
  await byTest(page, 'rule-builder').waitFor();
  await byTest(page, 'segment-name').fill('母婴高价值复购客户');
  const pick = async (/** @type {string} */ text) => {
    await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
  };
  await byTest(page, 'rule-root').locator(':scope > .actions [data-test="rule-add-condition"]').click();
  const first = byTest(page, 'rule-condition').first();
  await first.locator('[data-test="rule-field"]').click();
  await pick('标签');
  await first.locator('[data-test="rule-tags"]').click();
  await pick('人群 / 母婴');
  await byTest(page, 'rule-root').locator(':scope > .actions [data-test="rule-add-group"]').click();
  const group = byTest(page, 'rule-group').first();
  const repeat = group.locator('[data-test="rule-condition"]').first();
  await repeat.locator('.el-input-number input').fill('2');
  // Blur rather than Tab: the value is taken either way, and no focus ring is left behind.
  await repeat.locator('.el-input-number input').blur();
  await group.locator(':scope > .actions [data-test="rule-add-condition"]').click();
  const spend = group.locator('[data-test="rule-condition"]').nth(1);
  await spend.locator('[data-test="rule-field"]').click();
  await pick('累计消费');
  await spend.locator('.el-input-number input').fill('500');
  await spend.locator('.el-input-number input').blur();
  const rule = 'tag = "人群/母婴" and (order_count >= 2 or total_spend >= 500)';
  await page.waitForFunction((text) => document.querySelector('[data-test="rule-canonical"]')?.textContent === text, rule);
  await page.waitForFunction(() => !document.querySelector('[data-test="preview-loading"]') && document.querySelectorAll('[data-test="preview-sample"] li').length > 0);
  await screenshot('console-segment-editor');
} catch (error) {
  exitCode = 1;
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  const failed = join(tmpdir(), 'yutang-screenshots-FAILED.png');
  const [page] = browser.contexts()[0]?.pages() ?? [];
  await page?.screenshot({ path: failed }).then(() => console.error(`the page as it was: ${failed}`)).catch(() => {});
} finally {
  await browser.close();
  await server.stop();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
console.log(`screenshots: ${exitCode === 0 ? 'done' : 'FAILED'} in ${elapsed()}`);
process.exit(exitCode);
