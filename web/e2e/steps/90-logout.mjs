// Logging out ends the session: the login page says so, and the console's pages are closed.
import { byTest, expect } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'log out',
    async run({ page, baseUrl, screenshot }) {
      await byTest(page, 'user-menu').click();
      await byTest(page, 'logout').click();
      await byTest(page, 'login-notice').waitFor();
      await screenshot('90-logged-out');
      await page.goto(`${baseUrl}/customers`);
      await byTest(page, 'login-email').waitFor();
      expect(new URL(page.url()).pathname === '/login', `after logout /customers should lead to /login, not ${page.url()}`);
    },
  },
];
