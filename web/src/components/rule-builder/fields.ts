// The condition picker: what a condition row can be, grouped as operators think of them, and
// the condition each choice starts as. Starting values are complete where one choice is the
// obvious one (has phone, bought at least once), so the live count moves as soon as a row is
// added; they are left empty where the operator has to decide (which tag, how much money).
import { platforms, type ValueKind } from './conditions';
import type { Condition, Json } from './model';

export type FieldKey =
  | 'tag'
  | 'order_count'
  | 'total_spend'
  | 'average_order_value'
  | 'orders_on'
  | 'first_order_at'
  | 'last_order_at'
  | 'days_since_last_order'
  | 'days_since_last_seen'
  | 'rfm_recency'
  | 'rfm_frequency'
  | 'rfm_monetary'
  | 'lifecycle_stage'
  | 'identity'
  | 'consent'
  | 'owner'
  | 'source_channel'
  | 'attribute'
  | 'event'
  | 'segment'
  | 'birthday'
  | 'months_since'
  | 'everyone';

export const fieldGroups: { group: string; fields: FieldKey[] }[] = [
  { group: 'tags', fields: ['tag'] },
  {
    group: 'orders',
    fields: ['order_count', 'total_spend', 'average_order_value', 'orders_on', 'first_order_at', 'last_order_at', 'days_since_last_order', 'days_since_last_seen'],
  },
  { group: 'rfm', fields: ['rfm_recency', 'rfm_frequency', 'rfm_monetary', 'lifecycle_stage'] },
  { group: 'profile', fields: ['identity', 'consent', 'owner', 'source_channel', 'attribute'] },
  { group: 'behaviour', fields: ['event', 'segment'] },
  { group: 'calendar', fields: ['birthday', 'months_since'] },
  { group: 'all', fields: ['everyone'] },
];

export function fieldOf(condition: Condition): FieldKey {
  if (condition.type === 'trait') return condition.trait.startsWith('orders_on.') ? 'orders_on' : (condition.trait as FieldKey);
  return condition.type;
}

export function defaultCondition(field: FieldKey): Condition {
  switch (field) {
    case 'tag':
      return { type: 'tag', op: 'has', tags: [] };
    case 'order_count':
      return { type: 'trait', trait: 'order_count', op: '>=', value: 1 };
    case 'total_spend':
    case 'average_order_value':
      return { type: 'trait', trait: field, op: '>=' };
    case 'orders_on':
      return { type: 'trait', trait: `orders_on.${platforms[0]}`, op: '>=', value: 1 };
    case 'first_order_at':
    case 'last_order_at':
      return { type: 'trait', trait: field, op: 'within', value: '30d' };
    case 'days_since_last_order':
    case 'days_since_last_seen':
      return { type: 'trait', trait: field, op: '<=', value: 30 };
    case 'rfm_recency':
    case 'rfm_frequency':
    case 'rfm_monetary':
      return { type: 'trait', trait: field, op: '>=', value: 4 };
    case 'lifecycle_stage':
      return { type: 'trait', trait: field, op: 'in', value: [] };
    case 'owner':
      return { type: 'trait', trait: 'owner', op: '=', value: 'none' };
    case 'source_channel':
      return { type: 'trait', trait: 'source_channel', op: 'starts_with', value: '' };
    case 'identity':
      return { type: 'identity', identity: 'phone' };
    case 'consent':
      return { type: 'consent', purpose: 'marketing.sms', op: 'consented' };
    case 'attribute':
      return { type: 'attribute', attribute: '', valueType: 'text', op: '=', value: '' };
    case 'event':
      return { type: 'event', event: '', measure: 'count', comparison: { op: '>=', value: 1 }, within: '30d' };
    case 'segment':
      return { type: 'segment', segment: '' };
    case 'birthday':
      return { type: 'birthday', attribute: 'birthday', op: 'this_month' };
    case 'months_since':
      return { type: 'months_since', attribute: 'baby_birthday', op: 'between', value: [6, 12] };
    case 'everyone':
      return { type: 'everyone' };
  }
}

/** A fresh value for a comparison whose operator changed: keep what still fits. */
export function valueForOp(op: string, previous: unknown, kind: ValueKind): Json | undefined {
  const scalar = Array.isArray(previous) ? previous[0] : previous;
  const keep = scalar === undefined || scalar === null || (typeof scalar === 'string' && /^\d+[dh]$/.test(scalar)) ? undefined : (scalar as Json);
  switch (op) {
    case 'is_set':
      return undefined;
    case 'within':
    case 'before':
      return '30d';
    case 'between':
      return [keep ?? null, null];
    case 'in':
      return keep === undefined || keep === '' ? [] : [keep];
    default:
      if (kind === 'date' && typeof keep === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(keep)) return undefined;
      return keep;
  }
}
