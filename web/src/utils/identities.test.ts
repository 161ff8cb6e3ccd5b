import { describe, expect, it } from 'vitest';
import { identityKindShort, sortedIdentities } from './identities';

describe('identities', () => {
  it('puts the phone first and kinds it does not know last', () => {
    const sorted = sortedIdentities([{ kind: 'new_kind' }, { kind: 'anonymous_id' }, { kind: 'jd' }, { kind: 'phone' }]);
    expect(sorted.map((i) => i.kind)).toEqual(['phone', 'jd', 'anonymous_id', 'new_kind']);
  });

  it('names kinds briefly, unknown ones as they are', () => {
    const t = (key: string) => (key === 'segments.identityKinds.phone' ? '手机' : key);
    expect(identityKindShort('phone', t)).toBe('手机');
    expect(identityKindShort('new_kind', t)).toBe('new_kind');
  });
});
