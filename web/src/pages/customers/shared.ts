// Pieces the customer list and the customer page share: lifecycle colours, the tag catalogue,
// the staff names (for the guide column), which identity to show first.
import { ref } from 'vue';
import { call, client } from '@/api/client';
import type { CustomerIdentity, LifecycleStage, Staff, TagGroup } from '@/api/types';
import { useSessionStore } from '@/stores/session';

export const lifecycleStages: LifecycleStage[] = ['prospect', 'new', 'repeat', 'at_risk', 'churned'];

export const platforms = ['jd', 'taobao', 'douyin', 'pdd', 'youzan', 'segment', 'mapped'] as const;

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';
export const lifecycleTagType: Record<LifecycleStage, TagType> = {
  prospect: 'info',
  new: 'primary',
  repeat: 'success',
  at_risk: 'warning',
  churned: 'danger',
};

// The identity a merchant recognises a customer by: a phone first, then platform accounts.
const identityOrder: CustomerIdentity['kind'][] = [
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

export function sortedIdentities(identities: CustomerIdentity[]): CustomerIdentity[] {
  return [...identities].sort((a, b) => identityOrder.indexOf(a.kind) - identityOrder.indexOf(b.kind));
}

/** The tag groups and their tags; loaded once per page. */
export function useTagCatalogue() {
  const groups = ref<TagGroup[]>([]);
  async function load(): Promise<void> {
    groups.value = (await call(client.GET('/api/v1/tags'))).items;
  }
  return { groups, load };
}

/**
 * Staff names by id, for the guide column and filter. Needs staff.read; without it the map
 * stays empty and pages show the id.
 */
export function useStaffNames() {
  const staff = ref<Staff[]>([]);
  const session = useSessionStore();
  async function load(): Promise<void> {
    if (!session.can('staff.read')) return;
    staff.value = (await call(client.GET('/api/v1/staff'))).items;
  }
  function nameOf(id: number | null | undefined): string | undefined {
    if (id === null || id === undefined) return undefined;
    return staff.value.find((s) => s.id === id)?.display_name ?? `#${id}`;
  }
  return { staff, load, nameOf };
}

/** "import:jd" → "订单导入 · 京东"; other channels (segment, live codes …) as they are. */
export function channelLabel(channel: string | undefined, t: (key: string) => string): string {
  if (!channel) return '—';
  const match = /^import:(\w+)$/.exec(channel);
  if (match?.[1]) {
    const key = `customers.platforms.${match[1]}`;
    const platform = t(key);
    return `${t('customers.channelImport')} · ${platform === key ? match[1] : platform}`;
  }
  return channel;
}
