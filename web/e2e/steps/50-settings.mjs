// Settings: the tabs an owner sees, a write key created with its SDK snippet (and the key
// really accepted by the tracking API), a message the tracking API refused found among the
// failed events with its reason and payload, and the audit log naming what was done.
import { byTest, expect, settled } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'create a write key and see how to use it',
    async run({ page, baseUrl, screenshot }) {
      await byTest(page, 'menu-settings').click();
      await byTest(page, 'merchant-form').waitFor();
      for (const tab of ['merchant', 'staff', 'stores', 'apikeys', 'failed', 'audit']) await byTest(page, `settings-tab-${tab}`).waitFor();
      await byTest(page, 'settings-tab-staff').click();
      await byTest(page, 'roles-table').getByText('导购').first().waitFor();

      await byTest(page, 'settings-tab-apikeys').click();
      await byTest(page, 'apikey-create').click();
      await byTest(page, 'apikey-name').fill('小程序埋点');
      await byTest(page, 'apikey-submit').click();
      const token = (await byTest(page, 'apikey-token').textContent())?.trim() ?? '';
      expect(/^ytw_\d+_/.test(token), `a write key should be shown, got ${token}`);
      const node = (await byTest(page, 'snippet-node').textContent()) ?? '';
      expect(node.includes(`new Analytics({ writeKey: '${token}', host: '${baseUrl}' })`), `the Node snippet should use the key and this server:\n${node}`);
      await settled(page);
      await screenshot('50-settings');

      // The key works as the curl example sends it.
      const response = await fetch(`${baseUrl}/v1/track`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: 'e2e-user', event: 'Order Completed', properties: { order_id: 'E2E-1', revenue: 9.9 } }),
      });
      const accepted = await response.json();
      expect(response.ok && accepted.accepted === 1, `the tracking API should accept the new key and the event: ${response.status} ${JSON.stringify(accepted)}`);

      // A message without an event name is refused, and the answer says which field.
      const refused = await fetch(`${baseUrl}/v1/track`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: 'e2e-refused', properties: { step: 50 } }),
      });
      const answer = await refused.json();
      expect(refused.ok && answer.rejected?.[0]?.field === 'event', `the message should be refused for its event: ${JSON.stringify(answer)}`);

      await byTest(page, 'apikey-done').click();
      await byTest(page, 'apikey-table').getByText('小程序埋点').waitFor();

      // The keys' tab says something was refused and leads to the failed events: counted today,
      // the reason listed with what to fix, the message readable.
      await page.reload();
      await byTest(page, 'apikey-failed-notice').waitFor();
      await byTest(page, 'apikey-failed-link').click();
      await byTest(page, 'failed-chart').locator('canvas').waitFor();
      await byTest(page, 'failed-reasons').getByText('event is required for track').waitFor();
      await byTest(page, 'failed-reasons').getByText('track 调用要带 event（事件名）').waitFor();
      await settled(page);
      await screenshot('55-failed-events');
      await byTest(page, 'failed-open').first().click();
      await byTest(page, 'failed-payload').waitFor();
      const payload = (await byTest(page, 'failed-payload').textContent()) ?? '';
      expect(payload.includes('"userId": "e2e-refused"'), `the refused message should be shown as sent:\n${payload}`);
      await page.keyboard.press('Escape');
      await byTest(page, 'failed-payload').waitFor({ state: 'hidden' });

      await byTest(page, 'settings-tab-audit').click();
      await byTest(page, 'audit-table').getByText('创建密钥').first().waitFor();
      await byTest(page, 'audit-table').getByText('导出数据').first().waitFor();
      await byTest(page, 'audit-table').getByText('登录').first().waitFor();
    },
  },
];
