// One timeline from a profile's orders and events (each list comes newest first, at most 50).
import type { CustomerProfile } from '@/api/types';

type Order = CustomerProfile['orders'][number];
type Event = CustomerProfile['events'][number];

export type TimelineEntry =
  | { kind: 'order'; at: number; key: string; order: Order }
  | { kind: 'event'; at: number; key: string; event: Event };

/** Orders and events merged, newest first; an order before an event at the same instant. */
export function mergeTimeline(orders: Order[], events: Event[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...orders.map((order, i): TimelineEntry => ({
      kind: 'order',
      at: order.ordered_at ?? 0,
      key: `o-${order.source ?? ''}-${order.order_id ?? i}`,
      order,
    })),
    ...events.map((event, i): TimelineEntry => ({
      kind: 'event',
      at: event.occurred_at ?? 0,
      key: `e-${i}-${event.occurred_at ?? 0}`,
      event,
    })),
  ];
  // Array.prototype.sort is stable, so equal times keep orders (listed first) ahead of events.
  return entries.sort((a, b) => b.at - a.at);
}
