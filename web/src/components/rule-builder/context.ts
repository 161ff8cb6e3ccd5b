// What the builder's controls choose from, loaded once by the page that shows the builder and
// handed down the recursive group tree (provide/inject) instead of through every level's props.
import { inject, type InjectionKey, type Ref } from 'vue';

export interface Choice {
  value: string | number;
  label: string;
}

export interface BuilderCatalogue {
  /** Tags as the rule names them: "group/name" (and plain names for "any group"). */
  tags: Choice[];
  /** Saved segments by id; the segment being edited is left out (it cannot refer to itself). */
  segments: Choice[];
  /** Guides by staff id, when the user may list staff. */
  staff: Choice[];
}

export const catalogueKey: InjectionKey<Ref<BuilderCatalogue>> = Symbol('rule-builder-catalogue');

export function useCatalogue(): Ref<BuilderCatalogue> | undefined {
  return inject(catalogueKey, undefined);
}
