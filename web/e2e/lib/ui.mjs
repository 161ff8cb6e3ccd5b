// Small helpers over playwright-core for this console's Element Plus pages.

/** @param {import('playwright-core').Page} page @param {string} testId */
export function byTest(page, testId) {
  return page.locator(`[data-test="${testId}"]`);
}

/**
 * Waits until the network is quiet and no Element Plus loading mask is shown.
 * @param {import('playwright-core').Page} page
 */
export async function settled(page) {
  await page.waitForLoadState('networkidle');
  await page.locator('.el-loading-mask').first().waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => {});
}

/**
 * Asserts a condition with a readable message.
 * @param {unknown} condition @param {string} message
 * @returns {asserts condition}
 */
export function expect(condition, message) {
  if (!condition) throw new Error(message);
}
