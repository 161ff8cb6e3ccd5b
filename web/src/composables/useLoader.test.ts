import { describe, expect, it } from 'vitest';
import { useLoader } from './useLoader';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useLoader', () => {
  it('applies the answer and clears the loading flag', async () => {
    let shown = '';
    const loader = useLoader(async () => 'data', (value) => (shown = value));
    expect(loader.loading.value).toBe(true);
    await loader.load();
    expect(shown).toBe('data');
    expect(loader.loading.value).toBe(false);
    expect(loader.error.value).toBeNull();
  });

  it('keeps the error for the page to show, and clears it on the next load', async () => {
    let fail = true;
    const loader = useLoader(
      async () => {
        if (fail) throw new Error('down');
        return 1;
      },
      () => {},
    );
    await loader.load();
    expect((loader.error.value as Error).message).toBe('down');
    fail = false;
    await loader.load();
    expect(loader.error.value).toBeNull();
  });

  it('drops an answer that arrives after a newer load started', async () => {
    const calls = [deferred<string>(), deferred<string>()];
    let n = 0;
    let shown = '';
    const loader = useLoader(() => calls[n++]!.promise, (value) => (shown = value));
    const first = loader.load();
    const second = loader.load();
    calls[1]!.resolve('new');
    await second;
    calls[0]!.resolve('old');
    await first;
    expect(shown).toBe('new');
    expect(loader.loading.value).toBe(false);
  });
});
