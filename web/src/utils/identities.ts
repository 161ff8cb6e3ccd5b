// Which of a customer's identities to show first: the one a merchant recognises them by, a
// phone, then platform accounts; ids only machines know come last.
const identityOrder: readonly string[] = [
  'phone',
  'jd',
  'taobao',
  'douyin',
  'pdd',
  'youzan',
  'wecom_external_userid',
  'wechat_unionid',
  'email',
  'user_id',
  'wechat_openid',
  'anonymous_id',
];

function rank(kind: string): number {
  const index = identityOrder.indexOf(kind);
  // A kind added to the API later goes after the known ones, not before the phone.
  return index === -1 ? identityOrder.length : index;
}

export function sortedIdentities<I extends { kind: string }>(identities: readonly I[]): I[] {
  return [...identities].sort((a, b) => rank(a.kind) - rank(b.kind));
}

/** The short name of an identity kind for compact lists (手机, 京东 …); an unknown kind as it is. */
export function identityKindShort(kind: string, t: (key: string) => string): string {
  const key = `segments.identityKinds.${kind}`;
  const label = t(key);
  return label === key ? kind : label;
}
