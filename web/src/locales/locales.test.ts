import { describe, expect, it } from 'vitest';
import { messages } from './index';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('locale modules', () => {
  it('have the same areas and keys in Chinese and English', () => {
    expect(keys(messages.en).sort()).toEqual(keys(messages['zh-CN']).sort());
  });

  it('have no empty strings', () => {
    for (const language of Object.values(messages)) {
      for (const key of keys(language)) {
        const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], language);
        expect(value, key).not.toBe('');
      }
    }
  });
});
