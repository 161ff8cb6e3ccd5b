import { describe, expect, it } from 'vitest';
import { failureHint, failuresPerDayOption, readablePayload } from './failures';

describe('failed events', () => {
  it('chart one bar per day, oldest first', () => {
    const option = failuresPerDayOption(
      {
        total: 3,
        days: [
          { date: '2026-11-23', count: 0 },
          { date: '2026-11-24', count: 3 },
        ],
        reasons: [],
      },
      (key) => key,
    ) as { xAxis: { data: string[] }; series: { data: number[] }[] };
    expect(option.xAxis.data).toEqual(['11-23', '11-24']);
    expect(option.series[0]?.data).toEqual([0, 3]);
  });

  it('show a JSON message indented and anything else as it came', () => {
    expect(readablePayload('{"userId":"u-1","event":""}')).toBe('{\n  "userId": "u-1",\n  "event": ""\n}');
    expect(readablePayload('{"batch":[')).toBe('{"batch":[');
  });

  it('hint what to fix by the field a reason names', () => {
    expect(failureHint('body')).toBe('body');
    expect(failureHint('properties.order_id')).toBe('properties_order_id');
    expect(failureHint('properties.total')).toBe('amount');
    expect(failureHint('properties.products[2].quantity')).toBe('products');
    expect(failureHint('properties.products[0]')).toBe('products');
    expect(failureHint('sentAt')).toBe('time');
    expect(failureHint('anonymousId')).toBe('userId');
    expect(failureHint('traits.nickname')).toBe('traits');
    expect(failureHint('context.ip')).toBe('other');
    // A value of the wrong type says so, whichever field it is.
    expect(failureHint('properties.currency', 'must be a string')).toBe('string');
    expect(failureHint('messageId', 'must be a string')).toBe('string');
    expect(failureHint('messageId', 'messageId is longer than 200 characters')).toBe('messageId');
  });
});
