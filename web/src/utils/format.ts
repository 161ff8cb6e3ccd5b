// Numbers, money and times as a Chinese merchant reads them — ¥, 万, 亿 — and plainly in English.
//
//   formatCount(123456, 'zh-CN')        // "12.35万"
//   formatCount(123456, 'en')           // "123,456"
//   formatFen(1234567, 'zh-CN')         // "¥12,345.67"
//   formatFen(123456789, 'zh-CN', { compact: true })  // "¥123.46万"
//   formatDateTime(1767225600000000, 'Asia/Shanghai') // "2026-01-01 08:00"
//
// Times from the API are UTC microseconds since the epoch; they are shown in the merchant's
// time zone (tenant.time_zone), not the browser's, so a guide abroad sees the shop's days.

const WAN = 10_000;
const YI = 100_000_000;

function isChinese(locale: string): boolean {
  return locale.toLowerCase().startsWith('zh');
}

function plain(value: number, maximumFractionDigits: number, minimumFractionDigits = 0): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits, minimumFractionDigits }).format(value);
}

/**
 * A count: thousands separators below 万 (and always in English); from 1万 up, 万 or 亿 with at
 * most two decimals in Chinese ("1.2万", "3.45亿"), the way Chinese dashboards print them.
 */
export function formatCount(value: number, locale: string): string {
  if (!Number.isFinite(value)) return '—';
  if (!isChinese(locale)) return plain(value, 0);
  const abs = Math.abs(value);
  if (abs >= YI) return `${plain(value / YI, 2)}亿`;
  if (abs >= WAN) return `${plain(value / WAN, 2)}万`;
  return plain(value, 0);
}

export interface MoneyOptions {
  /** Large sums as 万/亿 (Chinese) or whole yuan (English): for charts and summary figures. */
  compact?: boolean;
}

/** Money held in fen (1/100 yuan, the API's unit) as ¥ with two decimals. */
export function formatFen(fen: number, locale: string, options: MoneyOptions = {}): string {
  if (!Number.isFinite(fen)) return '—';
  const yuan = fen / 100;
  const sign = yuan < 0 ? '-' : '';
  const abs = Math.abs(yuan);
  if (options.compact) {
    if (isChinese(locale)) {
      if (abs >= YI) return `${sign}¥${plain(abs / YI, 2)}亿`;
      if (abs >= WAN) return `${sign}¥${plain(abs / WAN, 2)}万`;
    } else if (abs >= WAN) {
      return `${sign}¥${plain(abs, 0)}`;
    }
  }
  return `${sign}¥${plain(abs, 2, 2)}`;
}

/** A ratio (0.1234) as a percentage ("12.3%"). */
export function formatPercent(ratio: number, fractionDigits = 1): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${plain(ratio * 100, fractionDigits, fractionDigits)}%`;
}

type Parts = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(micros: number, timeZone: string): Parts {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, formatter);
  }
  const parts: Parts = { year: '', month: '', day: '', hour: '', minute: '', second: '' };
  for (const part of formatter.formatToParts(new Date(Math.floor(micros / 1000)))) {
    if (part.type in parts) parts[part.type as keyof Parts] = part.value;
  }
  return parts;
}

/** "2026-01-01" in `timeZone` (an IANA name, e.g. the merchant's Asia/Shanghai). */
export function formatDate(micros: number | null | undefined, timeZone: string): string {
  if (micros === null || micros === undefined) return '—';
  const p = partsIn(micros, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "2026-01-01 08:00" in `timeZone`; with seconds when asked. */
export function formatDateTime(
  micros: number | null | undefined,
  timeZone: string,
  options: { seconds?: boolean } = {},
): string {
  if (micros === null || micros === undefined) return '—';
  const p = partsIn(micros, timeZone);
  const time = options.seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time}`;
}

/** Bytes as "1.5 MB" (imports' progress). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${plain(value, unit === 0 ? 0 : 1)} ${units[unit]}`;
}
