import { describe, expect, it } from 'vitest';
import { channelLabel, platformLabel } from './labels';

const labels: Record<string, string> = {
  'common.channels.import': '订单导入',
  'common.channels.unknown': '未记录',
  'common.channels.segment': '自有渠道',
  'common.platforms.jd': '京东',
};
const t = (key: string) => labels[key] ?? key;

describe('labels', () => {
  it('names platforms in words, unknown ones as they are', () => {
    expect(platformLabel('jd', t)).toBe('京东');
    expect(platformLabel('xyz', t)).toBe('xyz');
    expect(platformLabel(undefined, t)).toBe('—');
  });

  it('names channels in words', () => {
    expect(channelLabel('import:jd', t)).toBe('订单导入 · 京东');
    expect(channelLabel('import:xyz', t)).toBe('订单导入 · xyz');
    expect(channelLabel('segment', t)).toBe('自有渠道');
    expect(channelLabel('unknown', t)).toBe('未记录');
    expect(channelLabel('live', t)).toBe('live');
    expect(channelLabel('', t)).toBe('—');
  });
});
