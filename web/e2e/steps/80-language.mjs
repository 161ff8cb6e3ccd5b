// Switching the console to English: menus, pages and Element Plus follow, and it is remembered.
import { byTest, expect, settled } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'switch to English',
    async run({ page, baseUrl, screenshot }) {
      await page.goto(`${baseUrl}/customers`);
      await byTest(page, 'customer-table').waitFor();
      await byTest(page, 'language-switch').click();
      await byTest(page, 'language-en').click();
      await byTest(page, 'menu-customers').getByText('Customers').waitFor();
      await page.getByText('Search', { exact: true }).first().waitFor();
      await page.reload();
      await byTest(page, 'menu-imports').getByText('Import').waitFor();
      const lang = await page.evaluate(() => document.documentElement.lang);
      expect(lang === 'en', `<html lang> should be en, is ${lang}`);
      await settled(page);
      await screenshot('80-customers-en');
      await byTest(page, 'menu-imports').click();
      await byTest(page, 'import-history').waitFor();
      await settled(page);
      await screenshot('81-import-en');
    },
  },
];
