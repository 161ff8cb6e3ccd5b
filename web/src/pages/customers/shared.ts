// Pieces the customer list and the customer page share: lifecycle colours, the tag catalogue,
// the staff names (for the guide column).
import { ref } from 'vue';
import { call, client } from '@/api/client';
import type { LifecycleStage, Staff, TagGroup } from '@/api/types';
import { useSessionStore } from '@/stores/session';

export const lifecycleStages: LifecycleStage[] = ['prospect', 'new', 'repeat', 'at_risk', 'churned'];

export const platforms = ['jd', 'taobao', 'douyin', 'pdd', 'youzan', 'segment', 'mapped'] as const;

/** The platforms whose own order exports the import recognises (mapped needs a column mapping). */
export const importPlatforms = ['jd', 'taobao', 'douyin', 'pdd', 'youzan'] as const;

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';
export const lifecycleTagType: Record<LifecycleStage, TagType> = {
  prospect: 'info',
  new: 'primary',
  repeat: 'success',
  at_risk: 'warning',
  churned: 'danger',
};

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
