import { describe, expect, it } from 'vitest';
import { defaultColumns, loadColumns, saveColumns, type ColumnKey } from './columns';

function memoryStorage(initial?: string) {
  let value: string | null = initial ?? null;
  return {
    getItem: () => value,
    setItem: (_key: string, v: string) => {
      value = v;
    },
  };
}

describe('customer list columns', () => {
  it('starts with the defaults', () => {
    expect(loadColumns(memoryStorage())).toEqual(defaultColumns);
  });

  it('remembers a choice, in the table order', () => {
    const storage = memoryStorage();
    saveColumns(['spend', 'id'] as ColumnKey[], storage);
    expect(loadColumns(storage)).toEqual(['id', 'spend']);
  });

  it('drops unknown names and survives damaged values', () => {
    expect(loadColumns(memoryStorage('["id","gone"]'))).toEqual(['id']);
    expect(loadColumns(memoryStorage('{not json'))).toEqual(defaultColumns);
    expect(loadColumns(memoryStorage('[]'))).toEqual(defaultColumns);
  });
});
