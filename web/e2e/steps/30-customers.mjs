// Finding the imported customer by phone, opening the customer page and editing a tag.
import { byTest, expect, settled } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'find the imported customer by phone',
    async run({ page, screenshot, state }) {
      const phone = /** @type {string} */ (state['phone']);
      await byTest(page, 'menu-customers').click();
      await byTest(page, 'customer-table').waitFor();
      await settled(page);
      await screenshot('30-customers');
      // Formats a merchant might paste: the server normalises the phone.
      await byTest(page, 'customer-search').fill(`${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`);
      await byTest(page, 'customer-search-button').click();
      await page.waitForFunction(() => document.querySelector('[data-test="customers-total"]')?.textContent?.includes('共 1 位客户'));
      const masked = `${phone.slice(0, 3)}****${phone.slice(7)}`;
      const row = page.locator('[data-test="customer-table"] .el-table__row', { hasText: masked });
      await row.waitFor();
      await settled(page);
      await screenshot('31-customers-search');
      await row.click();
      await byTest(page, 'customer-summary').waitFor();
      const match = /\/customers\/(\d+)$/.exec(page.url());
      expect(match, `the customer page should open, at ${page.url()}`);
      state['customerId'] = Number(match?.[1]);
      await byTest(page, 'customer-timeline').getByText('231190000002').waitFor();
      await settled(page);
      await screenshot('32-customer');
    },
  },
  {
    name: 'add and remove a tag on the customer page',
    async run({ page, screenshot }) {
      const tags = byTest(page, 'customer-tags');
      // A new tag, typed: created in the catalogue and added to the customer.
      await byTest(page, 'tag-select').click();
      await page.keyboard.type('高价值');
      await page.locator('.el-select-dropdown__item', { hasText: '高价值' }).first().waitFor();
      await page.keyboard.press('Enter');
      await tags.locator('[data-test="customer-tag"]', { hasText: '高价值' }).waitFor();
      await page.keyboard.press('Escape');
      // A second one, then remove the first: the list follows the server's answer.
      await byTest(page, 'tag-select').click();
      await page.keyboard.type('母婴');
      await page.locator('.el-select-dropdown__item', { hasText: '母婴' }).first().waitFor();
      await page.keyboard.press('Enter');
      await tags.locator('[data-test="customer-tag"]', { hasText: '母婴' }).waitFor();
      await page.keyboard.press('Escape');
      await tags.locator('[data-test="customer-tag"]', { hasText: '高价值' }).locator('.el-tag__close').click();
      await tags.locator('[data-test="customer-tag"]', { hasText: '高价值' }).waitFor({ state: 'detached' });
      const count = await tags.locator('[data-test="customer-tag"]').count();
      expect(count === 1, `one tag should remain, found ${count}`);
      // Reloading shows what the server kept.
      await page.reload();
      await tags.locator('[data-test="customer-tag"]', { hasText: '母婴' }).waitFor();
      await settled(page);
      await screenshot('33-customer-tags');
    },
  },
];
