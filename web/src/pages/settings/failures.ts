// 失败事件: the chart of refused tracking messages per day and the payload as it is shown, kept
// apart from the tab so that what goes into them can be tested without a canvas.
import type { EChartsCoreOption } from 'echarts/core';
import type { FailedEventSummary } from '@/api/types';

type T = (key: string, values?: Record<string, unknown>) => string;

export function failuresPerDayOption(summary: FailedEventSummary, t: T): EChartsCoreOption {
  return {
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: summary.days.map((d) => d.date.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name: t('settings.failed.perDay'),
        type: 'bar',
        data: summary.days.map((d) => d.count),
        barMaxWidth: 20,
        itemStyle: { color: '#e6a23c' },
      },
    ],
  };
}

/**
 * What to fix, by the field a reason names (and, for a value of the wrong type, the reason): the
 * key of a hint under settings.failed.hints. The server's reasons are in English, as tracking
 * SDKs expect; the hint says it in the reader's language.
 */
export function failureHint(field: string, reason = ''): string {
  if (reason === 'must be a string') return 'string';
  const exact = ['body', 'batch', 'type', 'event', 'previousId', 'groupId', 'messageId', 'properties.order_id'];
  if (exact.includes(field)) return field.replace('.', '_');
  if (field === 'userId' || field === 'anonymousId') return 'userId';
  if (['timestamp', 'sentAt', 'originalTimestamp'].includes(field)) return 'time';
  if (field.startsWith('properties.products')) return 'products';
  if (['properties.total', 'properties.revenue'].includes(field)) return 'amount';
  if (field.startsWith('traits')) return 'traits';
  return 'other';
}

/** The message indented when it is JSON (it is sent minified); as it came otherwise. */
export function readablePayload(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}
