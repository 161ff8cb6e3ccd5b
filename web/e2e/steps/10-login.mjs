// Signing in as the merchant's owner.
import { ownerEmail, ownerPassword } from '../lib/server.mjs';
import { byTest, settled } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'log in',
    async run({ page, baseUrl, screenshot }) {
      await page.goto(`${baseUrl}/`);
      await byTest(page, 'login-email').waitFor();
      await screenshot('01-login');
      await byTest(page, 'login-email').fill(ownerEmail);
      await byTest(page, 'login-password').fill(ownerPassword);
      await byTest(page, 'login-submit').click();
      await byTest(page, 'side-menu').waitFor();
      await settled(page);
      await screenshot('02-home');
    },
  },
];
