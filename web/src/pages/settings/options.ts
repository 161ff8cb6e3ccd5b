// Choices and labels the settings tabs share: time zones, roles, permissions, audit actions,
// and the SDK snippets shown with a new write key.
import type { Permission, Role } from '@/api/types';

/** Common IANA zones, the merchant's most likely first. */
export const timeZones = [
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Taipei',
  'Asia/Macau',
  'Asia/Singapore',
  'Asia/Kuala_Lumpur',
  'Asia/Bangkok',
  'Asia/Ho_Chi_Minh',
  'Asia/Jakarta',
  'Asia/Manila',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Asia/Kolkata',
  'Asia/Dubai',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Moscow',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Toronto',
  'America/Sao_Paulo',
  'UTC',
] as const;

/** "GMT+8" for a zone now (offsets change with daylight saving, so it is computed). */
export function zoneOffset(zone: string, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

export const roles: Role[] = ['owner', 'admin', 'operator', 'guide', 'analyst', 'auditor'];

/** Permissions an admin key may carry (events.write belongs to write keys only). */
export const adminScopes: Permission[] = [
  'customers.read',
  'customers.write',
  'customers.read_pii',
  'customers.export',
  'customers.delete',
  'tags.write',
  'segments.write',
  'imports.write',
  'insight.read',
  'staff.read',
  'staff.write',
  'stores.read',
  'stores.write',
  'apikeys.read',
  'apikeys.write',
  'audit.read',
  'settings.write',
];

/** Locale key of a permission or audit action ("staff.read" → "staff_read"). */
export function dotKey(name: string): string {
  return name.replace(/\./g, '_');
}

export const auditPrefixes = ['auth.', 'staff.', 'apikey.', 'store.', 'merchant.', 'import.', 'data.', 'pii.', 'customer.', 'consent.'] as const;

export interface Snippets {
  node: string;
  browser: string;
  curl: string;
}

/** How to send events to this server with a write key: Segment's SDKs and plain curl. */
export function sdkSnippets(writeKey: string, origin: string): Snippets {
  const url = new URL(origin);
  const node = `import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({ writeKey: '${writeKey}', host: '${origin}' });

analytics.identify({ userId: 'user-1001', traits: { phone: buyer.phone, email: buyer.email } });
analytics.track({
  userId: 'user-1001',
  event: 'Order Completed',
  properties: { order_id: 'A1001', revenue: 99.9, currency: 'CNY' },
});`;
  const browser = `import { AnalyticsBrowser } from '@segment/analytics-next';

export const analytics = AnalyticsBrowser.load(
  { writeKey: '${writeKey}', cdnSettings: { integrations: { 'Segment.io': { apiHost: '${url.host}/v1', protocol: '${url.protocol.replace(':', '')}' } } } },
);

analytics.track('Product Viewed', { product_id: 'P100' });`;
  const curl = `curl -u '${writeKey}:' ${origin}/v1/track \\
  -H 'Content-Type: application/json' \\
  -d '{"userId":"user-1001","event":"Order Completed","properties":{"order_id":"A1001","revenue":99.9}}'`;
  return { node, browser, curl };
}
