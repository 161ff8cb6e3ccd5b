// The dashboard right after sign-in: a fresh merchant has no customers yet, so the overview
// says so and offers the next step (importing orders). The figures and charts are checked
// once orders are imported (40-segments.mjs, first step).
import { byTest, expect, settled } from '../lib/ui.mjs';

/** @type {import('../lib/context.mjs').Step[]} */
export const steps = [
  {
    name: 'the overview of a new merchant says what to do first',
    async run({ page, baseUrl, screenshot }) {
      await page.goto(`${baseUrl}/`);
      await page.waitForURL(/\/overview$/);
      await byTest(page, 'overview-empty').waitFor();
      await page.getByRole('button', { name: '导入订单' }).waitFor();
      await settled(page);
      await screenshot('15-overview-empty');
    },
  },
];

/**
 * The overview with data: KPI cards with their figures and every chart drawn (a canvas each).
 * @param {import('../lib/context.mjs').StepContext} ctx
 */
export async function checkOverviewWithData({ page, baseUrl, screenshot }) {
  await page.goto(`${baseUrl}/overview`);
  await byTest(page, 'kpi-customers').waitFor();
  // The imported orders are from September and October: the 90-day range holds them.
  await byTest(page, 'overview-range-90').click();
  await settled(page);
  for (const kpi of ['customers', 'new', 'orders', 'gmv', 'repurchase']) {
    await byTest(page, `kpi-${kpi}`).waitFor();
  }
  const customers = (await byTest(page, 'kpi-customers').locator('.value').textContent())?.trim();
  expect(customers === '2', `the pool should hold the 2 imported buyers, shows ${customers}`);
  const gmv = (await byTest(page, 'kpi-gmv').locator('.value').textContent())?.trim() ?? '';
  expect(gmv.startsWith('¥'), `GMV should be in yuan, shows ${gmv}`);
  for (const chart of ['chart-pool', 'chart-sales', 'chart-platform', 'chart-channel', 'chart-stage']) {
    await byTest(page, chart).locator('canvas').first().waitFor();
  }
  await screenshot('15-overview');
}
