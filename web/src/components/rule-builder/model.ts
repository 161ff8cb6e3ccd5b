// The visual builder's model of an audience rule, and its conversion to and from the rule's
// JSON form (docs/design/rules.md, "JSON form").
//
// The builder shows a tree of AND/OR groups (each may be negated: 不满足) whose leaves are
// conditions. Whatever JSON it cannot show — an unknown subject, a field it does not know, a
// value of an unexpected shape, `not not x` — becomes a read-only `raw` node holding that JSON
// exactly, so loading a rule into the builder and saving it again never drops part of it.
//
// fromRule(toRule(m)) keeps the model's meaning, and toRule(fromRule(json)) gives back the
// canonical JSON the server sent (the round trip the unit tests check). Conditions still
// being filled in and empty groups are left out of toRule: they are not part of the rule yet.
import {
  attributeOps,
  birthdayOps,
  consentPurposes,
  identityKinds,
  monthsSinceOps,
  parseDuration,
  tagOps,
  traitOps,
  traits,
  type AttributeType,
  type BirthdayOp,
  type CompareOp,
  type TagOp,
  type ValueKind,
} from './conditions';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type GroupOp = 'all' | 'any';

/** A comparison: its value is absent for is_set, [low, high] for between, a list for in. */
export interface Comparison {
  op: CompareOp;
  value?: Json;
}

export type Condition =
  | { type: 'everyone' }
  | { type: 'tag'; op: TagOp; tags: string[] }
  | ({ type: 'trait'; trait: string; within?: string } & Comparison)
  | { type: 'identity'; identity: string }
  | { type: 'consent'; purpose: string; op: 'consented' | 'not_consented' }
  | ({ type: 'attribute'; attribute: string; valueType: AttributeType } & Comparison)
  | {
      type: 'event';
      event: string;
      where?: { property: string; valueType: AttributeType } & Comparison;
      /** count: how many times (default >= 1); first/last: when. */
      measure: 'count' | 'first' | 'last';
      comparison: Comparison;
      within?: string;
    }
  | { type: 'segment'; segment: number | string }
  | { type: 'birthday'; attribute: string; op: BirthdayOp; days?: number }
  | ({ type: 'months_since'; attribute: string } & Comparison);

export type ConditionType = Condition['type'];

interface NodeBase {
  /** Stable key for rendering lists; not part of the rule. */
  id: number;
}

export interface GroupNode extends NodeBase {
  kind: 'group';
  op: GroupOp;
  negated: boolean;
  children: RuleNode[];
}

export interface ConditionNode extends NodeBase {
  kind: 'condition';
  negated: boolean;
  condition: Condition;
}

/** JSON the builder cannot show; kept and written back exactly as it came. */
export interface RawNode extends NodeBase {
  kind: 'raw';
  json: Json;
}

export type RuleNode = GroupNode | ConditionNode | RawNode;

let nextId = 1;
export function newId(): number {
  return nextId++;
}

export function newGroup(op: GroupOp = 'all', children: RuleNode[] = []): GroupNode {
  return { kind: 'group', id: newId(), op, negated: false, children };
}

export function newCondition(condition: Condition, negated = false): ConditionNode {
  return { kind: 'condition', id: newId(), negated, condition };
}

// ---------------------------------------------------------------------------------------------
// JSON → model

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(object: JsonObject, allowed: readonly string[]): boolean {
  return Object.keys(object).every((key) => allowed.includes(key));
}

function isDuration(value: Json | undefined): value is string {
  return parseDuration(value) !== undefined;
}

function isDate(value: Json | undefined): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

function isWhole(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** Does one value fit the kind? (Money arrives as a number of yuan in canonical JSON.) */
function scalarFits(kind: ValueKind, value: Json | undefined): boolean {
  switch (kind) {
    case 'count':
    case 'days':
      return isWhole(value) && value >= 0;
    case 'score':
      return isWhole(value) && value >= 1 && value <= 5;
    case 'money':
    case 'number':
      return typeof value === 'number';
    case 'date':
      return isDate(value);
    case 'stage':
    case 'text':
      return typeof value === 'string';
    case 'owner':
      return (isWhole(value) && value > 0) || value === 'none';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** Does {op, value} fit a comparison of this kind with these operators? */
function comparisonFits(kind: ValueKind, ops: readonly CompareOp[], op: Json | undefined, value: Json | undefined, hasValue: boolean): op is CompareOp {
  if (typeof op !== 'string' || !(ops as readonly string[]).includes(op)) return false;
  switch (op as CompareOp) {
    case 'is_set':
      return !hasValue;
    case 'within':
    case 'before':
      return isDuration(value);
    case 'between':
      return Array.isArray(value) && value.length === 2 && value.every((v) => scalarFits(kind, v));
    case 'in':
      return Array.isArray(value) && value.length > 0 && value.every((v) => scalarFits(kind, v));
    default:
      return hasValue && scalarFits(kind, value);
  }
}

function attributeKind(type: AttributeType): ValueKind {
  return type === 'money' ? 'money' : type;
}

/** The type an attribute or property comparison holds, from its value and "type". */
function inferAttributeType(object: JsonObject): AttributeType | undefined {
  const type = object['type'];
  if (type === 'date') return 'date';
  if (type === 'money') return 'money';
  if (type !== undefined) return undefined;
  const op = object['op'];
  if (op === 'within' || op === 'before') return 'date';
  let value = object['value'];
  if (Array.isArray(value)) value = value[0];
  if (value === undefined) return 'text';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'text';
  return undefined;
}

function withValue<T extends object>(target: T, object: JsonObject): T & Comparison {
  const result = { ...target, op: object['op'] as CompareOp } as T & Comparison;
  if ('value' in object) result.value = object['value'] as Json;
  return result;
}

/** A comparison of a typed attribute or property, or undefined when it does not fit. */
function typedComparison(object: JsonObject): { valueType: AttributeType; op: CompareOp; value?: Json } | undefined {
  const valueType = inferAttributeType(object);
  if (!valueType) return undefined;
  if (!comparisonFits(attributeKind(valueType), attributeOps(valueType), object['op'], object['value'], 'value' in object)) return undefined;
  // "type" is written for dates and money only, and only where a value is compared.
  const op = object['op'] as CompareOp;
  const typeExpected = (valueType === 'date' || valueType === 'money') && op !== 'within' && op !== 'before' && op !== 'is_set';
  if (typeExpected !== ('type' in object)) return undefined;
  return withValue({ valueType }, object);
}

function conditionFromJson(json: JsonObject): Condition | undefined {
  const keys = Object.keys(json);
  if ('tag' in json) {
    if (!onlyKeys(json, ['tag', 'op'])) return undefined;
    const op = json['op'] ?? 'has';
    if (typeof op !== 'string' || !(tagOps as readonly string[]).includes(op)) return undefined;
    const tag = json['tag'];
    if (op === 'has' || op === 'has_not') {
      return typeof tag === 'string' ? { type: 'tag', op, tags: [tag] } : undefined;
    }
    if (!Array.isArray(tag) || tag.length === 0 || !tag.every((t) => typeof t === 'string')) return undefined;
    return { type: 'tag', op: op as TagOp, tags: tag as string[] };
  }
  if ('trait' in json) {
    if (!onlyKeys(json, ['trait', 'op', 'value', 'within'])) return undefined;
    const trait = json['trait'];
    if (typeof trait !== 'string') return undefined;
    const info = traits[trait];
    if (!info) return undefined;
    if (!comparisonFits(info.kind, traitOps(trait), json['op'], json['value'], 'value' in json)) return undefined;
    const condition: Condition & { type: 'trait' } = withValue({ type: 'trait' as const, trait }, json);
    if ('within' in json) {
      if (!info.window || !isDuration(json['within'])) return undefined;
      condition.within = json['within'];
    }
    return condition;
  }
  if ('has' in json) {
    const kind = json['has'] === 'wecom' ? 'wecom_external_userid' : json['has'];
    if (keys.length !== 1 || typeof kind !== 'string' || !(identityKinds as readonly string[]).includes(kind)) return undefined;
    return { type: 'identity', identity: kind };
  }
  if ('consent' in json) {
    if (!onlyKeys(json, ['consent', 'op'])) return undefined;
    const purpose = json['consent'];
    const op = json['op'] ?? 'consented';
    if (typeof purpose !== 'string' || !(consentPurposes as readonly string[]).includes(purpose)) return undefined;
    if (op !== 'consented' && op !== 'not_consented') return undefined;
    return { type: 'consent', purpose, op };
  }
  if ('attribute' in json) {
    if (!onlyKeys(json, ['attribute', 'op', 'value', 'type'])) return undefined;
    const attribute = json['attribute'];
    if (typeof attribute !== 'string' || attribute === '') return undefined;
    const comparison = typedComparison(json);
    return comparison ? { type: 'attribute', attribute, ...comparison } : undefined;
  }
  if ('event' in json) return eventFromJson(json);
  if ('segment' in json) {
    const segment = json['segment'];
    if (keys.length !== 1) return undefined;
    if ((isWhole(segment) && segment > 0) || (typeof segment === 'string' && segment !== '')) return { type: 'segment', segment };
    return undefined;
  }
  if ('birthday' in json) {
    if (!onlyKeys(json, ['birthday', 'op', 'value'])) return undefined;
    const attribute = json['birthday'];
    const op = json['op'];
    if (typeof attribute !== 'string' || typeof op !== 'string' || !(birthdayOps as readonly string[]).includes(op)) return undefined;
    if (op === 'next_days') {
      const days = json['value'];
      return isWhole(days) ? { type: 'birthday', attribute, op, days } : undefined;
    }
    return 'value' in json ? undefined : { type: 'birthday', attribute, op: op as BirthdayOp };
  }
  if ('months_since' in json) {
    if (!onlyKeys(json, ['months_since', 'op', 'value'])) return undefined;
    const attribute = json['months_since'];
    if (typeof attribute !== 'string') return undefined;
    if (!comparisonFits('count', monthsSinceOps, json['op'], json['value'], 'value' in json)) return undefined;
    return withValue({ type: 'months_since' as const, attribute }, json);
  }
  return undefined;
}

function eventFromJson(json: JsonObject): Condition | undefined {
  if (!onlyKeys(json, ['event', 'where', 'count', 'first', 'last', 'within'])) return undefined;
  const event = json['event'];
  if (typeof event !== 'string' || event === '') return undefined;
  const measures = (['count', 'first', 'last'] as const).filter((m) => m in json);
  if (measures.length > 1) return undefined;
  const measure = measures[0] ?? 'count';
  let comparison: Comparison = { op: '>=', value: 1 };
  if (measures.length === 1) {
    const given = json[measure];
    if (!isObject(given) || !onlyKeys(given, ['op', 'value'])) return undefined;
    const kind: ValueKind = measure === 'count' ? 'count' : 'date';
    const ops = measure === 'count' ? (['=', '!=', '<', '<=', '>', '>=', 'between', 'in'] as const) : (['=', '!=', '<', '<=', '>', '>=', 'between', 'within', 'before'] as const);
    if (!comparisonFits(kind, ops, given['op'], given['value'], 'value' in given)) return undefined;
    comparison = withValue({}, given);
  }
  const condition: Condition = { type: 'event', event, measure, comparison };
  if ('where' in json) {
    const where = json['where'];
    if (!isObject(where) || !onlyKeys(where, ['property', 'op', 'value', 'type'])) return undefined;
    const property = where['property'];
    if (typeof property !== 'string' || property === '') return undefined;
    const typed = typedComparison(where);
    if (!typed) return undefined;
    condition.where = { property, ...typed };
  }
  if ('within' in json) {
    // A window goes with a count; first/last compare a time and take none.
    if (measure !== 'count' || !isDuration(json['within'])) return undefined;
    condition.within = json['within'];
  }
  return condition;
}

function nodeFromJson(json: Json): RuleNode {
  if (!isObject(json)) return { kind: 'raw', id: newId(), json };
  const keys = Object.keys(json);
  if (keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any')) {
    const op = keys[0];
    const list = json[op];
    if (!Array.isArray(list)) return { kind: 'raw', id: newId(), json };
    // {"all":[]} inside a rule is `everyone`; at the top the caller makes it an empty group.
    if (list.length === 0 && op === 'all') return newCondition({ type: 'everyone' });
    if (list.length === 0) return { kind: 'raw', id: newId(), json };
    return { kind: 'group', id: newId(), op, negated: false, children: list.map(nodeFromJson) };
  }
  if (keys.length === 1 && keys[0] === 'not') {
    const inner = nodeFromJson(json['not'] as Json);
    // `not not x` and a negated raw node have no place in the builder: keep them whole.
    if (inner.kind === 'raw' || inner.negated) return { kind: 'raw', id: newId(), json };
    inner.negated = true;
    return inner;
  }
  const condition = conditionFromJson(json);
  return condition ? newCondition(condition) : { kind: 'raw', id: newId(), json };
}

/**
 * The builder's tree for a rule: always a group at the top (the rule's own AND/OR group, or
 * an AND group holding the rule's single condition; `everyone` is an empty group).
 */
export function fromRule(rule: Json): GroupNode {
  const node = nodeFromJson(rule);
  if (node.kind === 'group' && !node.negated) return node;
  if (node.kind === 'condition' && node.condition.type === 'everyone' && !node.negated) return newGroup('all');
  return newGroup('all', [node]);
}

// ---------------------------------------------------------------------------------------------
// model → JSON

function comparisonComplete(c: Comparison): boolean {
  const v = c.value;
  switch (c.op) {
    case 'is_set':
      return true;
    case 'between':
      return Array.isArray(v) && v.length === 2 && v.every((x) => x !== null && x !== '');
    case 'in':
      return Array.isArray(v) && v.length > 0;
    case 'within':
    case 'before':
      return isDuration(v);
    default:
      return v !== undefined && v !== null && v !== '';
  }
}

function comparisonJson(c: Comparison): JsonObject {
  const out: JsonObject = { op: c.op };
  if (c.op !== 'is_set' && c.value !== undefined) out['value'] = c.value;
  return out;
}

function typed(out: JsonObject, valueType: AttributeType, op: CompareOp): JsonObject {
  if ((valueType === 'date' || valueType === 'money') && op !== 'within' && op !== 'before' && op !== 'is_set') out['type'] = valueType;
  return out;
}

/** Is the condition filled in enough to be part of the rule? */
export function conditionComplete(c: Condition): boolean {
  switch (c.type) {
    case 'everyone':
    case 'identity':
    case 'consent':
      return true;
    case 'tag':
      return c.tags.length > 0 && c.tags.every((t) => t.trim() !== '');
    case 'trait':
      return comparisonComplete(c);
    case 'attribute':
      return c.attribute.trim() !== '' && comparisonComplete(c);
    case 'event':
      return (
        c.event.trim() !== '' &&
        comparisonComplete(c.comparison) &&
        (!c.where || (c.where.property.trim() !== '' && comparisonComplete(c.where)))
      );
    case 'segment':
      return c.segment !== '' && c.segment !== 0;
    case 'birthday':
      return c.attribute.trim() !== '' && (c.op !== 'next_days' || (c.days !== undefined && c.days > 0));
    case 'months_since':
      return c.attribute.trim() !== '' && comparisonComplete(c);
  }
}

export function conditionToJson(c: Condition): JsonObject {
  switch (c.type) {
    case 'everyone':
      return { all: [] };
    case 'tag':
      return c.op === 'has' || c.op === 'has_not' ? { tag: c.tags[0] ?? '', op: c.op } : { tag: [...c.tags], op: c.op };
    case 'trait': {
      const out: JsonObject = { trait: c.trait, ...comparisonJson(c) };
      if (c.within && traits[c.trait]?.window) out['within'] = c.within;
      return out;
    }
    case 'identity':
      return { has: c.identity };
    case 'consent':
      return { consent: c.purpose, op: c.op };
    case 'attribute':
      return typed({ attribute: c.attribute.trim(), ...comparisonJson(c) }, c.valueType, c.op);
    case 'event': {
      const out: JsonObject = { event: c.event };
      if (c.where) out['where'] = typed({ property: c.where.property.trim(), ...comparisonJson(c.where) }, c.where.valueType, c.where.op);
      const isDefaultCount = c.measure === 'count' && c.comparison.op === '>=' && c.comparison.value === 1;
      if (!isDefaultCount) out[c.measure] = comparisonJson(c.comparison);
      if (c.within && c.measure === 'count') out['within'] = c.within;
      return out;
    }
    case 'segment':
      return { segment: c.segment };
    case 'birthday':
      return c.op === 'next_days' ? { birthday: c.attribute.trim(), op: c.op, value: c.days ?? 0 } : { birthday: c.attribute.trim(), op: c.op };
    case 'months_since':
      return { months_since: c.attribute.trim(), ...comparisonJson(c) };
  }
}

function negate(json: Json, negated: boolean): Json {
  return negated ? { not: json } : json;
}

/** The node's JSON, or undefined while it holds nothing (an empty group, an unfinished condition). */
export function nodeToJson(node: RuleNode): Json | undefined {
  switch (node.kind) {
    case 'raw':
      return node.json;
    case 'condition':
      return conditionComplete(node.condition) ? negate(conditionToJson(node.condition), node.negated) : undefined;
    case 'group': {
      const children = node.children.map(nodeToJson).filter((c): c is Json => c !== undefined);
      if (children.length === 0) return undefined;
      // A group of one is its condition (as the server's canonical JSON has it).
      if (children.length === 1) return negate(children[0] as Json, node.negated);
      return negate({ [node.op]: children }, node.negated);
    }
  }
}

/** The rule in its JSON form; an empty builder is `everyone`. */
export function toRule(root: GroupNode): Json {
  return nodeToJson(root) ?? { all: [] };
}

/** Counts of what the builder holds, for hints ("2 个条件未填写完整"). */
export function incompleteCount(node: RuleNode): number {
  if (node.kind === 'raw') return 0;
  if (node.kind === 'condition') return conditionComplete(node.condition) ? 0 : 1;
  return node.children.reduce((n, child) => n + incompleteCount(child), 0);
}
