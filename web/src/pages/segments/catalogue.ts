// What the rule builder chooses from, loaded for the segment editor: the tag catalogue, the
// saved segments (without the one being edited), and the guides when the user may list staff.
import { ref } from 'vue';
import { call, client } from '@/api/client';
import type { BuilderCatalogue } from '@/components/rule-builder/context';
import { useSessionStore } from '@/stores/session';

export function useBuilderCatalogue() {
  const catalogue = ref<BuilderCatalogue>({ tags: [], segments: [], staff: [] });
  const session = useSessionStore();

  async function load(exceptSegment?: number): Promise<void> {
    const [tags, segments, staff] = await Promise.all([
      call(client.GET('/api/v1/tags')),
      call(client.GET('/api/v1/segments')),
      session.can('staff.read') ? call(client.GET('/api/v1/staff')) : Promise.resolve({ items: [] }),
    ]);
    catalogue.value = {
      // The rule names a tag "group/name"; the label spaces it out for reading.
      tags: tags.items.flatMap((group) =>
        (group.tags ?? []).map((tag) => ({
          value: `${group.name ?? ''}/${tag.name ?? ''}`,
          label: `${group.name ?? ''} / ${tag.name ?? ''}`,
        })),
      ),
      segments: segments.items.filter((s) => s.id !== exceptSegment).map((s) => ({ value: s.id, label: s.name })),
      staff: staff.items.filter((s) => s.role === 'guide' || s.active).map((s) => ({ value: s.id, label: s.display_name })),
    };
  }

  return { catalogue, load };
}
