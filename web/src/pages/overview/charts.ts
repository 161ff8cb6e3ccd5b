// The overview's chart options, built from the API's figures (kept apart from the page so the
// numbers that go into each series can be tested without a canvas).
import type { EChartsCoreOption } from 'echarts/core';
import type { Overview, OverviewShare } from '@/api/types';
import { formatCount, formatFen } from '@/utils/format';
import { platformLabel } from '@/utils/labels';

type T = (key: string, values?: Record<string, unknown>) => string;

/** Change against the previous period as a ratio; undefined when there was nothing before. */
export function change(current: number, previous: number): number | undefined {
  if (previous === 0) return current === 0 ? 0 : undefined;
  return (current - previous) / previous;
}

const dayLabel = (date: string) => date.slice(5);

export function poolOption(o: Overview, t: T, locale: string): EChartsCoreOption {
  return {
    grid: { left: 56, right: 56, top: 40, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: o.daily.map((d) => dayLabel(d.date)) },
    yAxis: [
      { type: 'value', name: t('overview.charts.poolSize'), minInterval: 1, axisLabel: { formatter: (v: number) => formatCount(v, locale) } },
      { type: 'value', name: t('overview.charts.newCustomers'), minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { name: t('overview.charts.poolSize'), type: 'line', data: o.daily.map((d) => d.pool_size), showSymbol: false, step: 'end' },
      { name: t('overview.charts.newCustomers'), type: 'bar', yAxisIndex: 1, data: o.daily.map((d) => d.new_customers), barMaxWidth: 16 },
    ],
  };
}

export function salesOption(o: Overview, t: T, locale: string): EChartsCoreOption {
  return {
    grid: { left: 48, right: 72, top: 40, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: o.daily.map((d) => dayLabel(d.date)) },
    yAxis: [
      { type: 'value', name: t('overview.charts.orders'), minInterval: 1 },
      { type: 'value', name: t('overview.charts.gmv'), splitLine: { show: false }, axisLabel: { formatter: (v: number) => formatFen(v * 100, locale, { compact: true }) } },
    ],
    series: [
      { name: t('overview.charts.orders'), type: 'bar', data: o.daily.map((d) => d.orders), barMaxWidth: 16, tooltip: { valueFormatter: (v: number) => formatCount(v, locale) } },
      // GMV in yuan on the axis; fen would print four extra digits.
      { name: t('overview.charts.gmv'), type: 'line', yAxisIndex: 1, data: o.daily.map((d) => d.gmv_fen / 100), showSymbol: false, smooth: true, tooltip: { valueFormatter: (v: number) => formatFen(Math.round(v * 100), locale) } },
    ],
  };
}

export function platformOption(shares: OverviewShare[], t: T, locale: string): EChartsCoreOption {
  return {
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; percent: number }) => `${p.name}: ${formatFen(p.value * 100, locale)} (${p.percent}%)` },
    legend: { orient: 'vertical', right: 0, top: 'middle' },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        center: ['38%', '50%'],
        label: { show: false },
        data: shares.map((s) => ({ name: platformLabel(s.key, t), value: (s.gmv_fen ?? 0) / 100 })),
      },
    ],
  };
}

export function barsOption(rows: { name: string; value: number }[], locale: string): EChartsCoreOption {
  return {
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => formatCount(v, locale) } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), inverse: true },
    series: [{ type: 'bar', data: rows.map((r) => r.value), barMaxWidth: 18, label: { show: true, position: 'right', formatter: (p: { value: number }) => formatCount(p.value, locale) } }],
  };
}
