// Loading what a page shows: the loading flag, the error to show instead of the page (with a
// retry that calls load again), and load itself. An answer that arrives after a newer load has
// started (a range switched twice, a retry while the first call still hangs) is dropped, so a
// slow old answer never replaces a newer one.
import { ref, shallowRef, type Ref } from 'vue';

export interface Loader {
  /** True from the start (pages load on mount) until the latest load has ended. */
  loading: Ref<boolean>;
  /** What stopped the latest load; null when it succeeded. */
  error: Ref<unknown>;
  load: () => Promise<void>;
}

/** `fetch` reads the data; `apply` puts the latest answer in place. */
export function useLoader<T>(fetch: () => Promise<T>, apply: (value: T) => void): Loader {
  const loading = ref(true);
  const error = shallowRef<unknown>(null);
  let generation = 0;

  async function load(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    error.value = null;
    try {
      const value = await fetch();
      if (mine === generation) apply(value);
    } catch (e) {
      if (mine === generation) error.value = e;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  return { loading, error, load };
}
