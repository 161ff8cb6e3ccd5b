// Segments: the overview now that orders are imported, then a nested segment built in the
// visual builder with the live count following each change, edited as text and back, saved,
// and opened. The imported buyers (20-import): 王芳 — 2 JD orders, ¥317.90; 李明 — 1 JD
// order, ¥129.00.
import { byTest, expect, settled } from '../lib/ui.mjs';
import { checkOverviewWithData } from './15-overview.mjs';

const segmentName = '京东高消费客户';

/** @param {import('playwright-core').Page} page @param {number} n */
async function countIs(page, n) {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector('[data-test="preview-count"]');
      return el?.getAttribute('data-count') === String(want) && !document.querySelector('[data-test="preview-loading"]');
    },
    n,
    { timeout: 15_000 },
  );
}

/**
 * Picks an option of the Element Plus select that was just opened.
 * @param {import('playwright-core').Page} page @param {string} text
 */
async function pick(page, text) {
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'the overview shows the imported customers and sales',
    run: checkOverviewWithData,
  },
  {
    name: 'build a nested segment with a live count, edit it as text and save it',
    async run({ page, screenshot, state }) {
      await byTest(page, 'menu-segments').click();
      await byTest(page, 'segments-empty').waitFor();
      await byTest(page, 'segment-create').click();
      await byTest(page, 'rule-builder').waitFor();
      await byTest(page, 'segment-name').fill(segmentName);
      // No condition yet: everyone.
      await countIs(page, 2);

      // A condition: total spend of at least ¥200 — one of the two buyers.
      await byTest(page, 'rule-add-condition').last().click();
      const first = byTest(page, 'rule-condition').first();
      await first.locator('[data-test="rule-field"]').click();
      await pick(page, '累计消费');
      await first.locator('.el-input-number input').fill('200');
      await first.locator('.el-input-number input').press('Tab');
      await countIs(page, 1);

      // A nested OR group inside the top AND group: bought at all, or bought on JD.
      await byTest(page, 'rule-root').locator(':scope > .actions [data-test="rule-add-group"]').click();
      const group = byTest(page, 'rule-group').first();
      await group.waitFor();
      await group.locator(':scope > .actions [data-test="rule-add-condition"]').click();
      const second = group.locator('[data-test="rule-condition"]').nth(1);
      await second.locator('[data-test="rule-field"]').click();
      await pick(page, '平台订单数');
      const canonical = 'total_spend >= 200 and (order_count >= 1 or orders_on.jd >= 1)';
      await page.waitForFunction((text) => document.querySelector('[data-test="rule-canonical"]')?.textContent === text, canonical);
      await countIs(page, 1);

      // The same rule as text; a lower threshold typed there comes back into the builder.
      await byTest(page, 'tab-text').click();
      const textarea = byTest(page, 'rule-text');
      expect((await textarea.inputValue()) === canonical, `the text editor should show the rule, has ${await textarea.inputValue()}`);
      await textarea.fill('total_spend >= 100 and (order_count >= 1 or orders_on.jd >= 1)');
      await countIs(page, 2);
      await byTest(page, 'tab-visual').click();
      const threshold = await byTest(page, 'rule-condition').first().locator('.el-input-number input').inputValue();
      expect(threshold === '100.00', `the builder should show the threshold typed as text, shows ${threshold}`);
      expect((await byTest(page, 'rule-group').count()) === 1, 'the nested group should survive the trip through the text');
      expect((await byTest(page, 'preview-sample').locator('li').count()) === 2, 'the sample should list both customers');
      expect((await byTest(page, 'preview-sample').textContent())?.includes('139****5678'), 'the sample should show masked phones');
      await settled(page);
      await screenshot('40-segments-editor');

      await byTest(page, 'segment-save').click();
      await page.waitForURL(/\/segments\/\d+$/);
      state['segmentId'] = Number(/\/segments\/(\d+)$/.exec(page.url())?.[1]);
      await byTest(page, 'segment-title').getByText(segmentName).waitFor();
      await byTest(page, 'segment-size').getByText('2 人').waitFor();
      await byTest(page, 'segment-members').locator('.el-table__row').nth(1).waitFor();
      await byTest(page, 'segment-history-chart').locator('canvas').waitFor();
      const rule = (await byTest(page, 'segment-rule').textContent())?.trim();
      expect(rule === 'total_spend >= 100 and (order_count >= 1 or orders_on.jd >= 1)', `the saved rule should be the one built, is ${rule}`);
      const exportHref = await byTest(page, 'segment-export').getAttribute('href');
      const csv = await page.evaluate(async (url) => (await fetch(url)).text(), /** @type {string} */ (exportHref));
      expect(csv.includes('139****5678'), 'the export should hold the members, masked');
      const xlsxHref = await byTest(page, 'segment-export-xlsx').getAttribute('href');
      const zipMagic = await page.evaluate(
        async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer()).slice(0, 4)).join(','),
        /** @type {string} */ (xlsxHref),
      );
      expect(zipMagic === '80,75,3,4', `the XLSX export should be a workbook (a zip), starts with ${zipMagic}`);
      await settled(page);
      await screenshot('41-segment');

      // The segment's members in the customer list, through the list's segment filter.
      await byTest(page, 'segment-customers').click();
      await page.waitForURL(/\/customers\?segment=\d+$/);
      await page.waitForFunction(() => document.querySelector('[data-test="customers-total"]')?.textContent?.includes('共 2 位客户'));
      const filter = await byTest(page, 'customer-segment-filter').textContent();
      expect(filter?.includes(segmentName), `the segment filter should name the segment, shows ${filter}`);
    },
  },
];
