import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDate, formatDateTime, formatFen, formatPercent } from './format';

describe('formatCount', () => {
  it.each([
    [0, 'zh-CN', '0'],
    [9999, 'zh-CN', '9,999'],
    [10000, 'zh-CN', '1万'],
    [12345, 'zh-CN', '1.23万'],
    [123456, 'zh-CN', '12.35万'],
    [99_995_000, 'zh-CN', '9,999.5万'],
    [100_000_000, 'zh-CN', '1亿'],
    [345_000_000, 'zh-CN', '3.45亿'],
    [-25000, 'zh-CN', '-2.5万'],
    [123456, 'en', '123,456'],
    [345_000_000, 'en', '345,000,000'],
  ])('%d in %s is %s', (value, locale, expected) => {
    expect(formatCount(value, locale)).toBe(expected);
  });

  it('shows a dash for what is not a number', () => {
    expect(formatCount(Number.NaN, 'zh-CN')).toBe('—');
  });
});

describe('formatFen', () => {
  it('shows fen as yuan with two decimals', () => {
    expect(formatFen(0, 'zh-CN')).toBe('¥0.00');
    expect(formatFen(199, 'zh-CN')).toBe('¥1.99');
    expect(formatFen(1234567, 'zh-CN')).toBe('¥12,345.67');
    expect(formatFen(1234567, 'en')).toBe('¥12,345.67');
    expect(formatFen(-5000, 'zh-CN')).toBe('-¥50.00');
  });

  it('compacts large sums to 万 and 亿 in Chinese and whole yuan in English', () => {
    expect(formatFen(999_900, 'zh-CN', { compact: true })).toBe('¥9,999.00');
    expect(formatFen(123_456_789, 'zh-CN', { compact: true })).toBe('¥123.46万');
    expect(formatFen(25_000_000_000, 'zh-CN', { compact: true })).toBe('¥2.5亿');
    expect(formatFen(123_456_789, 'en', { compact: true })).toBe('¥1,234,568');
    expect(formatFen(-123_456_789, 'zh-CN', { compact: true })).toBe('-¥123.46万');
  });
});

describe('formatPercent', () => {
  it('rounds to one decimal by default', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0.5, 0)).toBe('50%');
  });
});

describe('dates in the merchant time zone', () => {
  // 2026-01-01T00:00:00Z
  const newYearUtc = Date.UTC(2026, 0, 1) * 1000;

  it('uses the time zone, not the browser one', () => {
    expect(formatDateTime(newYearUtc, 'Asia/Shanghai')).toBe('2026-01-01 08:00');
    expect(formatDateTime(newYearUtc, 'America/Los_Angeles')).toBe('2025-12-31 16:00');
    expect(formatDate(newYearUtc, 'America/Los_Angeles')).toBe('2025-12-31');
  });

  it('prints midnight as 00, not 24', () => {
    expect(formatDateTime(Date.UTC(2026, 4, 31, 16, 0, 5) * 1000, 'Asia/Shanghai', { seconds: true })).toBe(
      '2026-06-01 00:00:05',
    );
  });

  it('shows a dash when there is no time', () => {
    expect(formatDateTime(null, 'Asia/Shanghai')).toBe('—');
    expect(formatDate(undefined, 'Asia/Shanghai')).toBe('—');
  });
});

describe('formatBytes', () => {
  it('picks a unit', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB');
  });
});
