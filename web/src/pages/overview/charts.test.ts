import { describe, expect, it } from 'vitest';
import { change, channelName, platformName } from './charts';

const labels: Record<string, string> = {
  'overview.channels.import': '订单导入',
  'overview.channels.unknown': '未记录',
  'overview.platforms.jd': '京东',
};
const t = (key: string) => labels[key] ?? key;

describe('overview figures', () => {
  it('compares with the previous period', () => {
    expect(change(150, 100)).toBeCloseTo(0.5);
    expect(change(50, 100)).toBeCloseTo(-0.5);
    expect(change(0, 0)).toBe(0);
    // Nothing before: no percentage to show, rather than an infinite one.
    expect(change(10, 0)).toBeUndefined();
  });

  it('names channels and platforms in words', () => {
    expect(channelName('import:jd', t)).toBe('订单导入 · 京东');
    expect(channelName('import:xyz', t)).toBe('订单导入 · xyz');
    expect(channelName('unknown', t)).toBe('未记录');
    expect(channelName('live', t)).toBe('live');
    expect(platformName('jd', t)).toBe('京东');
    expect(platformName('mapped', t)).toBe('mapped');
  });
});
