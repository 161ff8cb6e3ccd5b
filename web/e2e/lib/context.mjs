// What every e2e step gets: the page, the server, helpers for screenshots and waiting.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} StepContext
 * @property {import('playwright-core').Page} page
 * @property {string} baseUrl           the server, e.g. http://127.0.0.1:41234
 * @property {string} fixtures          absolute path of web/e2e/fixtures
 * @property {(name: string) => Promise<void>} screenshot  saves <artifacts>/<name>.png (1366×768)
 * @property {Record<string, unknown>} state  passed from step to step (e.g. the imported phone)
 */

/**
 * @typedef {object} Step
 * @property {string} name
 * @property {(ctx: StepContext) => Promise<void>} run
 */

/** @param {string} dir */
export function screenshotter(dir) {
  mkdirSync(dir, { recursive: true });
  /** @param {import('playwright-core').Page} page @param {string} name */
  return async (page, name) => {
    // Move the pointer off the page (no hover tooltips) and let charts and transitions settle
    // so the picture shows the finished page.
    await page.mouse.move(0, 767);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, `${name}.png`) });
  };
}
