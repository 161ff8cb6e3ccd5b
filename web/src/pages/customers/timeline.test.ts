import { describe, expect, it } from 'vitest';
import { mergeTimeline } from './timeline';

describe('mergeTimeline', () => {
  it('merges orders and events newest first', () => {
    const entries = mergeTimeline(
      [
        { order_id: 'A', ordered_at: 300 },
        { order_id: 'B', ordered_at: 100 },
      ],
      [
        { type: 'track', name: 'Coupon Claimed', occurred_at: 200 },
        { type: 'page', name: 'Home', occurred_at: 400 },
      ],
    );
    expect(entries.map((e) => (e.kind === 'order' ? e.order.order_id : e.event.name))).toEqual(['Home', 'A', 'Coupon Claimed', 'B']);
  });

  it('puts an order before an event at the same time and handles empty lists', () => {
    const entries = mergeTimeline([{ order_id: 'A', ordered_at: 5 }], [{ name: 'x', occurred_at: 5 }]);
    expect(entries.map((e) => e.kind)).toEqual(['order', 'event']);
    expect(mergeTimeline([], [])).toEqual([]);
  });
});
