// One rule, edited two ways: the visual builder and the text form. The server is the single
// parser — the console never parses rule text itself — so the two stay in step through the
// audience preview, which answers with the count and both canonical forms:
//
//   builder edit → toRule(model) → POST /api/v1/audience/preview {rule} → text = canonical text
//   text edit    → POST /api/v1/audience/preview {text} → model = fromRule(canonical rule)
//
// Both are debounced (300 ms), so the live count follows typing without a request per key.
// A text that does not parse keeps what the user typed and leaves the builder as it was; the
// error (the API's message, line and column) is shown under the text. Answers that arrive
// after a newer edit are ignored.
import { ref, shallowRef, watch, type Ref } from 'vue';
import { ApiError, call, client } from '@/api/client';
import type { AudiencePreview, AudienceRule } from '@/api/types';
import { fromRule, newGroup, toRule, type GroupNode, type Json } from './model';

export type EditSource = 'builder' | 'text';

export interface RuleEditorOptions {
  /** Debounce in ms (300 by default). */
  delay?: number;
}

export interface RuleEditor {
  /** The builder's tree; edit it in place, the editor watches it. */
  root: Ref<GroupNode>;
  /** The text form as shown in the text editor. */
  text: Ref<string>;
  /** Which side was edited last: its form is what Save sends. */
  source: Ref<EditSource>;
  /** The text did not parse (line/column in details); the builder is unchanged. */
  textError: Ref<ApiError | null>;
  /** The server refused the builder's rule (pointer in details), e.g. an unknown segment. */
  ruleError: Ref<ApiError | null>;
  /** Anything else that stopped the preview (network, permission). */
  previewError: Ref<unknown>;
  preview: Ref<AudiencePreview | null>;
  loading: Ref<boolean>;
  /** The user typed in the text editor. */
  setText(value: string): void;
  /** Shows a saved rule: both forms as the server holds them, then counts it. */
  load(rule: Json, text: string): void;
  /** Counts the current rule now (first view, retry). */
  refresh(): Promise<void>;
  /** What Save sends: the text if it was edited last (so nothing typed is lost), else the JSON. */
  ruleBody(): { rule: AudienceRule } | { text: string };
  /** Resolves when no preview is waiting or in flight (tests, saving). */
  whenIdle(): Promise<void>;
  dispose(): void;
}

export function useRuleEditor(options: RuleEditorOptions = {}): RuleEditor {
  const delay = options.delay ?? 300;
  const root = ref<GroupNode>(newGroup('all')) as Ref<GroupNode>;
  const text = ref('everyone');
  const source = ref<EditSource>('builder');
  const textError = shallowRef<ApiError | null>(null);
  const ruleError = shallowRef<ApiError | null>(null);
  const previewError = shallowRef<unknown>(null);
  const preview = shallowRef<AudiencePreview | null>(null);
  const loading = ref(false);

  // The JSON last sent or received for the builder; a model change that does not change it
  // (a node replaced by the text side, an unfinished condition) sends nothing.
  let ruleKey = JSON.stringify(toRule(root.value));
  let sequence = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: Promise<void> = Promise.resolve();
  let waiting: (() => void) | undefined;

  function schedule(body: () => { rule: AudienceRule } | { text: string }): void {
    if (timer !== undefined) clearTimeout(timer);
    // A newer edit makes any answer in flight stale.
    sequence += 1;
    loading.value = true;
    const settled = new Promise<void>((resolve) => (waiting = resolve));
    pending = settled;
    timer = setTimeout(() => {
      timer = undefined;
      const resolve = waiting;
      waiting = undefined;
      void run(body()).finally(() => resolve?.());
    }, delay);
  }

  async function run(body: { rule: AudienceRule } | { text: string }): Promise<void> {
    const mine = ++sequence;
    loading.value = true;
    try {
      const answer = await call(client.POST('/api/v1/audience/preview', { body }));
      if (mine !== sequence) return;
      preview.value = answer;
      previewError.value = null;
      textError.value = null;
      ruleError.value = null;
      if ('text' in body) {
        const next = fromRule(answer.rule as Json);
        ruleKey = JSON.stringify(toRule(next));
        root.value = next;
      } else {
        text.value = answer.text;
      }
    } catch (error) {
      if (mine !== sequence) return;
      if (error instanceof ApiError && error.status === 400) {
        if ('text' in body) textError.value = error;
        else ruleError.value = error;
      } else {
        previewError.value = error;
      }
    } finally {
      if (mine === sequence) loading.value = false;
    }
  }

  const stop = watch(
    root,
    () => {
      const rule = toRule(root.value);
      const key = JSON.stringify(rule);
      if (key === ruleKey) return;
      ruleKey = key;
      source.value = 'builder';
      // The text error was about text the builder has now replaced.
      textError.value = null;
      schedule(() => ({ rule: rule as AudienceRule }));
    },
    { deep: true },
  );

  function setText(value: string): void {
    text.value = value;
    source.value = 'text';
    schedule(() => ({ text: value }));
  }

  function load(rule: Json, savedText: string): void {
    const next = fromRule(rule);
    ruleKey = JSON.stringify(toRule(next));
    root.value = next;
    text.value = savedText;
    source.value = 'builder';
    textError.value = null;
    ruleError.value = null;
  }

  async function refresh(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    waiting?.();
    waiting = undefined;
    const body = ruleBody();
    pending = run(body);
    await pending;
  }

  function ruleBody(): { rule: AudienceRule } | { text: string } {
    if (source.value === 'text') return { text: text.value };
    return { rule: toRule(root.value) as AudienceRule };
  }

  async function whenIdle(): Promise<void> {
    // A run may schedule nothing further, but a debounce may be replaced while we wait.
    let current: Promise<void>;
    do {
      current = pending;
      await current;
    } while (current !== pending);
  }

  function dispose(): void {
    stop();
    if (timer !== undefined) clearTimeout(timer);
    waiting?.();
  }

  return { root, text, source, textError, ruleError, previewError, preview, loading, setText, load, refresh, ruleBody, whenIdle, dispose };
}
