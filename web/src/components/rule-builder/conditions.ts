// What the visual rule builder knows about the audience rule language (docs/design/rules.md):
// the computed traits and their value kinds, which operators each kind takes, the identity
// kinds and consent purposes. The server checks every rule again; this table only decides
// which controls the builder shows and which JSON it can show at all.

export type CompareOp =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'between'
  | 'in'
  | 'contains'
  | 'starts_with'
  | 'is_set'
  | 'within'
  | 'before';

export const compareOps: readonly CompareOp[] = ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'contains', 'starts_with', 'is_set', 'within', 'before'];

/**
 * How a value is entered and checked:
 * count/days/score whole numbers (score 1–5), money yuan, date ISO dates (or durations for
 * within/before), stage a lifecycle stage, owner a staff id or "none", text free text,
 * number any number, boolean true/false.
 */
export type ValueKind = 'count' | 'days' | 'score' | 'money' | 'date' | 'stage' | 'owner' | 'text' | 'number' | 'boolean';

const numeric: CompareOp[] = ['=', '!=', '<', '<=', '>', '>=', 'between'];

export const opsByKind: Record<ValueKind, readonly CompareOp[]> = {
  count: [...numeric, 'in'],
  days: [...numeric, 'in', 'is_set'],
  score: [...numeric, 'in', 'is_set'],
  money: numeric,
  date: [...numeric, 'within', 'before', 'is_set'],
  stage: ['=', '!=', 'in'],
  owner: ['=', '!=', 'in'],
  text: ['=', '!=', 'in', 'contains', 'starts_with', 'is_set'],
  number: [...numeric, 'in', 'is_set'],
  boolean: ['=', '!=', 'is_set'],
};

/** Attribute and event-property values: the literal's type decides the comparison. */
export type AttributeType = 'text' | 'number' | 'money' | 'boolean' | 'date';
export const attributeTypes: readonly AttributeType[] = ['text', 'number', 'money', 'boolean', 'date'];

export function attributeOps(type: AttributeType): readonly CompareOp[] {
  if (type === 'date') return ['=', '!=', '<', '<=', '>', '>=', 'between', 'in', 'within', 'before', 'is_set'];
  if (type === 'money') return [...numeric, 'in', 'is_set'];
  return opsByKind[type];
}

export const platforms = ['jd', 'taobao', 'douyin', 'pdd', 'youzan', 'segment'] as const;

export interface TraitInfo {
  kind: ValueKind;
  /** Takes "within 90d": counts only the orders placed in the window. */
  window: boolean;
}

export const traits: Record<string, TraitInfo> = {
  order_count: { kind: 'count', window: true },
  total_spend: { kind: 'money', window: true },
  average_order_value: { kind: 'money', window: true },
  first_order_at: { kind: 'date', window: false },
  last_order_at: { kind: 'date', window: false },
  days_since_last_order: { kind: 'days', window: false },
  days_since_last_seen: { kind: 'days', window: false },
  rfm_recency: { kind: 'score', window: false },
  rfm_frequency: { kind: 'score', window: false },
  rfm_monetary: { kind: 'score', window: false },
  lifecycle_stage: { kind: 'stage', window: false },
  owner: { kind: 'owner', window: false },
  source_channel: { kind: 'text', window: false },
  ...Object.fromEntries(platforms.map((p) => [`orders_on.${p}`, { kind: 'count' as const, window: true }])),
};

/** source_channel is text but takes fewer operators than an attribute. */
export function traitOps(trait: string): readonly CompareOp[] {
  if (trait === 'source_channel') return ['=', '!=', 'in', 'starts_with', 'is_set'];
  const info = traits[trait];
  return info ? opsByKind[info.kind] : [];
}

export const lifecycleStages = ['prospect', 'new', 'repeat', 'at_risk', 'churned'] as const;

export const identityKinds = [
  'phone',
  'email',
  'wecom_external_userid',
  'wechat_unionid',
  'wechat_openid',
  'jd',
  'taobao',
  'douyin',
  'pdd',
  'youzan',
  'user_id',
  'anonymous_id',
] as const;

export const consentPurposes = ['marketing.sms', 'marketing.wecom', 'marketing.email', 'marketing.phone', 'conversation_archive'] as const;

export const tagOps = ['has', 'has_not', 'any_of', 'all_of'] as const;
export type TagOp = (typeof tagOps)[number];

export const birthdayOps = ['this_month', 'this_week', 'next_days'] as const;
export type BirthdayOp = (typeof birthdayOps)[number];

export const monthsSinceOps: readonly CompareOp[] = [...numeric, 'in'];

/** "90d" / "12h" → parts, or undefined for anything else. */
export function parseDuration(value: unknown): { amount: number; unit: 'd' | 'h' } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+)([dh])$/.exec(value);
  if (!match) return undefined;
  return { amount: Number(match[1]), unit: match[2] as 'd' | 'h' };
}

/** Locale keys for the operators (vue-i18n paths cannot hold "<" or "="). */
export const opKey: Record<CompareOp, string> = {
  '=': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  between: 'between',
  in: 'in',
  contains: 'contains',
  starts_with: 'starts_with',
  is_set: 'is_set',
  within: 'within',
  before: 'before',
};
