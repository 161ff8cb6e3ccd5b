// The console's end-to-end test: the real server (fresh data dir, free port) and the built
// console in headless Chromium, driven by playwright-core.
//
//   node e2e/run.mjs --binary ../build/ci/src/yutang/app/yutang [--static-dir dist] [--artifacts DIR]
//   (or YUTANG_BINARY, YT_CONSOLE_DIST, YT_E2E_ARTIFACTS, CHROMIUM in the environment)
//
// Steps are the files in e2e/steps/, run in name order (10-login, 20-import, …) in one browser
// page, so a later step starts where the one before left off. Each step saves screenshots to
// the artifacts folder. The test fails on a failed step, on any error in the browser console
// (CSP violations included), and on an uncaught exception in the page.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer } from './lib/server.mjs';
import { screenshotter } from './lib/context.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    binary: { type: 'string', default: process.env['YUTANG_BINARY'] },
    'static-dir': { type: 'string', default: process.env['YT_CONSOLE_DIST'] ?? join(here, '..', 'dist') },
    artifacts: { type: 'string', default: process.env['YT_E2E_ARTIFACTS'] ?? join(here, '..', 'test-artifacts') },
    chromium: { type: 'string', default: process.env['CHROMIUM'] ?? '/usr/bin/chromium' },
    only: { type: 'string' },
    headed: { type: 'boolean', default: false },
  },
});
if (!args.binary) {
  console.error('usage: node e2e/run.mjs --binary PATH_TO_YUTANG [--static-dir DIST] [--artifacts DIR]');
  process.exit(2);
}

const started = Date.now();
const stepsDir = join(here, 'steps');
const stepFiles = readdirSync(stepsDir)
  .filter((f) => /^\d+-.*\.mjs$/.test(f))
  .sort();

const server = await startServer({ binary: resolve(args.binary), staticDir: resolve(args['static-dir']) });
const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: !args.headed,
  // The test machine may run as root in a container, where Chromium's sandbox cannot start.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--lang=zh-CN'],
});
/** @type {string[]} */
const browserErrors = [];
let passed = 0;
let failed = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', acceptDownloads: true });
  // Chromium reports CSP violations as console errors too; this also catches ones it only
  // dispatches as events.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // The console asks /api/v1/me before sign-in and after sign-out: the browser logs that 401
    // as a failed resource. It is the expected answer, not an error of the page.
    if (/Failed to load resource: the server responded with a status of 401/.test(text)) return;
    browserErrors.push(`${text} (${message.location().url})`);
  });
  page.on('pageerror', (error) => browserErrors.push(`uncaught: ${error.message}`));

  const shoot = screenshotter(args.artifacts);
  /** @type {import('./lib/context.mjs').StepContext} */
  const ctx = {
    page,
    baseUrl: server.url,
    fixtures: join(here, 'fixtures'),
    screenshot: (name) => shoot(page, name),
    state: {},
  };
  for (const file of stepFiles) {
    /** @type {{steps: import('./lib/context.mjs').Step[]}} */
    const module = await import(pathToFileURL(join(stepsDir, file)).href);
    for (const step of module.steps) {
      if (args.only && !step.name.includes(args.only) && !file.includes(args.only)) continue;
      const t0 = Date.now();
      const errorsBefore = browserErrors.length;
      try {
        await step.run(ctx);
        if (browserErrors.length > errorsBefore) {
          throw new Error(`browser console errors:\n  ${browserErrors.slice(errorsBefore).join('\n  ')}`);
        }
        passed += 1;
        console.log(`ok   ${file} › ${step.name} (${Date.now() - t0} ms)`);
      } catch (error) {
        failed += 1;
        console.log(`FAIL ${file} › ${step.name} (${Date.now() - t0} ms)`);
        console.log(`     ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        await shoot(page, `FAILED-${file.replace(/\.mjs$/, '')}`).catch(() => {});
        // Later steps build on this one; stop here.
        break;
      }
    }
    if (failed) break;
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`screenshots: ${resolve(args.artifacts)}`);
console.log(`console e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
