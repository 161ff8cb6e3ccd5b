// A session that ends while a page is open (idle timeout, 12-hour cap, account disabled) sends
// the user to the login page with a message, and back to where they were after signing in.
import { ownerEmail, ownerPassword } from '../lib/server.mjs';
import { byTest, expect, settled } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'session expiry leads to the login page with a message',
    async run({ page, screenshot }) {
      // Dropping the cookie looks to the server exactly like an ended session.
      await page.context().clearCookies();
      await byTest(page, 'menu-customers').click();
      await byTest(page, 'login-notice').waitFor();
      const notice = (await byTest(page, 'login-notice').textContent()) ?? '';
      expect(/expired|过期/.test(notice), `the login page should say the session expired, says "${notice}"`);
      await screenshot('85-session-expired');
      await byTest(page, 'login-email').fill(ownerEmail);
      await byTest(page, 'login-password').fill(ownerPassword);
      await byTest(page, 'login-submit').click();
      await byTest(page, 'customer-table').waitFor();
      await settled(page);
      expect(new URL(page.url()).pathname === '/customers', `after signing in again the customers page should open, not ${page.url()}`);
    },
  },
];
