import { describe, expect, it } from 'vitest';
import { fromRule, incompleteCount, newCondition, newGroup, toRule, type ConditionNode, type GroupNode, type Json } from './model';

/** Canonical JSON of every condition kind the builder shows (docs/design/rules.md). */
const supported: Record<string, Json> = {
  tagHas: { tag: '母婴', op: 'has' },
  tagHasNot: { tag: '人群/已流失', op: 'has_not' },
  tagAnyOf: { tag: ['会员等级/金卡', '会员等级/钻石卡'], op: 'any_of' },
  tagAllOf: { tag: ['VIP', '母婴'], op: 'all_of' },
  orderCountWindow: { trait: 'order_count', op: '>=', value: 2, within: '90d' },
  orderCountIn: { trait: 'order_count', op: 'in', value: [1, 2] },
  totalSpend: { trait: 'total_spend', op: '>', value: 500 },
  totalSpendYear: { trait: 'total_spend', op: '>=', value: 2000, within: '365d' },
  aovBetween: { trait: 'average_order_value', op: 'between', value: [99.9, 300] },
  lastOrderBefore: { trait: 'last_order_at', op: 'before', value: '90d' },
  firstOrderDate: { trait: 'first_order_at', op: '>=', value: '2024-03-01' },
  firstOrderSet: { trait: 'first_order_at', op: 'is_set' },
  daysSince: { trait: 'days_since_last_order', op: '<=', value: 7 },
  rfm: { trait: 'rfm_recency', op: '>=', value: 4 },
  stageIn: { trait: 'lifecycle_stage', op: 'in', value: ['at_risk', 'churned'] },
  stageEq: { trait: 'lifecycle_stage', op: '=', value: 'new' },
  ordersOnJd: { trait: 'orders_on.jd', op: '>=', value: 1, within: '30d' },
  ownerNone: { trait: 'owner', op: '=', value: 'none' },
  ownerIn: { trait: 'owner', op: 'in', value: [3, 5, 'none'] },
  channelStarts: { trait: 'source_channel', op: 'starts_with', value: 'import' },
  hasPhone: { has: 'phone' },
  hasWecom: { has: 'wecom_external_userid' },
  consent: { consent: 'marketing.sms', op: 'consented' },
  noConsent: { consent: 'marketing.wecom', op: 'not_consented' },
  attrText: { attribute: 'gender', op: '=', value: 'female' },
  attrNumber: { attribute: 'level', op: '>', value: 3 },
  attrBool: { attribute: 'vip', op: '=', value: true },
  attrDate: { attribute: 'joined', op: '<', value: '2024-01-01', type: 'date' },
  attrMoney: { attribute: 'budget', op: '>=', value: 99.5, type: 'money' },
  attrWithin: { attribute: 'joined', op: 'within', value: '30d' },
  attrSet: { attribute: 'city', op: 'is_set' },
  attrContains: { attribute: 'city', op: 'contains', value: '上海' },
  event: { event: 'Order Completed' },
  eventWindow: { event: 'Product Added', within: '24h' },
  eventWhereCount: {
    event: 'Order Completed',
    where: { property: 'category', op: '=', value: '奶粉' },
    count: { op: '>=', value: 2 },
    within: '90d',
  },
  eventCountZero: { event: 'Coupon Used', where: { property: 'coupon_id', op: 'in', value: ['A1', 'B2'] }, count: { op: '=', value: 0 }, within: '7d' },
  eventFirst: { event: 'Signed Up', first: { op: 'within', value: '30d' } },
  eventLast: { event: 'Page Viewed', last: { op: '<', value: '2024-06-18' } },
  segmentId: { segment: 12 },
  segmentName: { segment: '复购客户' },
  birthdayMonth: { birthday: 'birthday', op: 'this_month' },
  birthdayWeek: { birthday: 'birthday', op: 'this_week' },
  birthdayNext: { birthday: 'birthday', op: 'next_days', value: 7 },
  monthsSince: { months_since: 'baby_birthday', op: 'between', value: [6, 12] },
};

function onlyChild(root: GroupNode): ConditionNode {
  expect(root.children).toHaveLength(1);
  const child = root.children[0];
  if (child?.kind !== 'condition') throw new Error(`expected a condition, got ${child?.kind}`);
  return child;
}

describe('rule builder model', () => {
  it.each(Object.entries(supported))('shows %s as a condition and writes the same JSON back', (_name, json) => {
    const root = fromRule(json);
    const node = onlyChild(root);
    expect(node.negated).toBe(false);
    expect(toRule(root)).toEqual(json);
  });

  it('reads the conditions into their fields', () => {
    expect(onlyChild(fromRule(supported['orderCountWindow'] as Json)).condition).toEqual({
      type: 'trait',
      trait: 'order_count',
      op: '>=',
      value: 2,
      within: '90d',
    });
    expect(onlyChild(fromRule(supported['tagAnyOf'] as Json)).condition).toEqual({
      type: 'tag',
      op: 'any_of',
      tags: ['会员等级/金卡', '会员等级/钻石卡'],
    });
    expect(onlyChild(fromRule({ has: 'wecom' })).condition).toEqual({ type: 'identity', identity: 'wecom_external_userid' });
    expect(onlyChild(fromRule(supported['event'] as Json)).condition).toEqual({
      type: 'event',
      event: 'Order Completed',
      measure: 'count',
      comparison: { op: '>=', value: 1 },
    });
  });

  it('keeps nested groups, their operators and negations', () => {
    const json: Json = {
      all: [
        { trait: 'order_count', op: '>=', value: 2, within: '90d' },
        { any: [{ has: 'phone' }, { not: { has: 'wecom_external_userid' } }, { all: [{ tag: '母婴', op: 'has' }, { consent: 'marketing.sms', op: 'consented' }] }] },
        { not: { any: [{ segment: 3 }, { birthday: 'birthday', op: 'this_month' }] } },
        { not: { segment: 'recently messaged' } },
      ],
    };
    const root = fromRule(json);
    expect(root.op).toBe('all');
    expect(root.children.map((c) => c.kind)).toEqual(['condition', 'group', 'group', 'condition']);
    const or = root.children[1] as GroupNode;
    expect(or.op).toBe('any');
    expect(or.negated).toBe(false);
    expect((or.children[1] as ConditionNode).negated).toBe(true);
    expect((or.children[2] as GroupNode).op).toBe('all');
    const notOr = root.children[2] as GroupNode;
    expect(notOr.negated).toBe(true);
    expect((root.children[3] as ConditionNode).negated).toBe(true);
    expect(toRule(root)).toEqual(json);
  });

  it('puts a top-level OR group, a negated group and everyone at the top', () => {
    const or: Json = { any: [{ has: 'phone' }, { has: 'email' }] };
    expect(fromRule(or).op).toBe('any');
    expect(toRule(fromRule(or))).toEqual(or);

    const notGroup: Json = { not: { all: [{ has: 'phone' }, { has: 'email' }] } };
    const root = fromRule(notGroup);
    expect(root.negated).toBe(false);
    expect((root.children[0] as GroupNode).negated).toBe(true);
    expect(toRule(root)).toEqual(notGroup);

    const everyone = fromRule({ all: [] });
    expect(everyone.children).toHaveLength(0);
    expect(toRule(everyone)).toEqual({ all: [] });

    const notEveryone: Json = { not: { all: [] } };
    expect(toRule(fromRule(notEveryone))).toEqual(notEveryone);
    const nestedEveryone: Json = { any: [{ all: [] }, { has: 'phone' }] };
    expect(toRule(fromRule(nestedEveryone))).toEqual(nestedEveryone);
  });

  it('keeps what it cannot show, exactly, as read-only parts', () => {
    const unsupported: Json[] = [
      { frobnicate: 1 },
      { trait: 'order_count', op: '>=', value: 2, extra: true },
      { trait: 'rfm_recency', op: '=', value: 7 },
      { trait: 'lifecycle_stage', op: '>', value: 'new' },
      { trait: 'last_order_at', op: 'within', value: 'soon' },
      { trait: 'unknown_trait', op: '=', value: 1 },
      { tag: ['a', 'b'], op: 'has' },
      { has: 'fax' },
      { event: 'X', first: { op: 'within', value: '30d' }, within: '7d' },
      { event: 'X', count: { op: '>=', value: 1 }, last: { op: '<', value: '2024-01-01' } },
      { attribute: 'joined', op: '<', value: '2024-01-01' },
      { not: { not: { has: 'phone' } } },
      { any: [] },
    ];
    for (const json of unsupported) {
      const rule: Json = { all: [{ has: 'phone' }, json] };
      const root = fromRule(rule);
      expect(root.children[1]?.kind, JSON.stringify(json)).toBe('raw');
      expect(toRule(root), JSON.stringify(json)).toEqual(rule);
    }
    // Raw parts deep inside groups survive edits of the parts around them.
    const root = fromRule({ any: [{ all: [{ frobnicate: 1 }, { has: 'phone' }] }, { has: 'email' }] });
    root.op = 'all';
    (root.children[1] as ConditionNode).negated = true;
    expect(toRule(root)).toEqual({ all: [{ all: [{ frobnicate: 1 }, { has: 'phone' }] }, { not: { has: 'email' } }] });
  });

  it('leaves out unfinished conditions and empty groups, and collapses groups of one', () => {
    const root = newGroup('all', [
      newCondition({ type: 'identity', identity: 'phone' }),
      newCondition({ type: 'tag', op: 'has', tags: [] }),
      newGroup('any'),
      newGroup('any', [newCondition({ type: 'trait', trait: 'total_spend', op: '>', value: 200 }), newCondition({ type: 'trait', trait: 'order_count', op: 'between', value: [1, null] })]),
    ]);
    expect(incompleteCount(root)).toBe(2);
    expect(toRule(root)).toEqual({ all: [{ has: 'phone' }, { trait: 'total_spend', op: '>', value: 200 }] });
    const negated = newGroup('any', [newCondition({ type: 'identity', identity: 'email' })]);
    negated.negated = true;
    expect(toRule(newGroup('all', [negated]))).toEqual({ not: { has: 'email' } });
    expect(toRule(newGroup('all', [newCondition({ type: 'segment', segment: '' })]))).toEqual({ all: [] });
  });

  it('writes the defaults the server leaves out and drops windows that do not apply', () => {
    const event = newCondition({ type: 'event', event: 'Order Completed', measure: 'count', comparison: { op: '>=', value: 2 }, within: '30d' });
    expect(toRule(newGroup('all', [event]))).toEqual({ event: 'Order Completed', count: { op: '>=', value: 2 }, within: '30d' });
    const last = newCondition({ type: 'event', event: 'Page Viewed', measure: 'last', comparison: { op: 'before', value: '30d' }, within: '30d' });
    expect(toRule(newGroup('all', [last]))).toEqual({ event: 'Page Viewed', last: { op: 'before', value: '30d' } });
    const rfm = newCondition({ type: 'trait', trait: 'rfm_recency', op: '>=', value: 4, within: '30d' });
    expect(toRule(newGroup('all', [rfm]))).toEqual({ trait: 'rfm_recency', op: '>=', value: 4 });
    const isSet = newCondition({ type: 'attribute', attribute: 'joined', valueType: 'date', op: 'is_set', value: '2024-01-01' });
    expect(toRule(newGroup('all', [isSet]))).toEqual({ attribute: 'joined', op: 'is_set' });
  });
});
