// Which columns of the customer list show, as the user chose them, remembered per browser.
export const columnKeys = [
  'id',
  'name',
  'identities',
  'tags',
  'lifecycle',
  'orders',
  'spend',
  'lastOrder',
  'lastSeen',
  'channel',
  'owner',
  'createdAt',
] as const;

export type ColumnKey = (typeof columnKeys)[number];

// Chosen to fit a 1366×768 laptop without a horizontal scroll bar.
export const defaultColumns: ColumnKey[] = ['id', 'name', 'identities', 'tags', 'lifecycle', 'orders', 'spend', 'lastOrder', 'channel'];

const storageKey = 'yutang.customers.columns';

function isColumnKey(value: unknown): value is ColumnKey {
  return typeof value === 'string' && (columnKeys as readonly string[]).includes(value);
}

/** The saved choice, without names a newer console no longer knows; the defaults when none. */
export function loadColumns(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): ColumnKey[] {
  try {
    const saved: unknown = JSON.parse(storage?.getItem(storageKey) ?? 'null');
    if (Array.isArray(saved)) {
      const columns = saved.filter(isColumnKey);
      if (columns.length) return columnKeys.filter((k) => columns.includes(k));
    }
  } catch {
    // A damaged value: fall back to the defaults.
  }
  return [...defaultColumns];
}

export function saveColumns(columns: ColumnKey[], storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(storageKey, JSON.stringify(columns));
  } catch {
    // Storage full or disabled: the choice lasts for this visit only.
  }
}
