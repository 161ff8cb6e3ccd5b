import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { useRuleEditor, type RuleEditor } from './useRuleEditor';
import { newCondition, newGroup, toRule, type GroupNode, type Json } from './model';

function json(status: number, body: unknown): Response {
  const response = new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  Object.defineProperty(response, 'url', { value: 'http://localhost/api/v1/audience/preview' });
  return response;
}

function previewAnswer(rule: Json, text: string, count = 2) {
  return {
    count,
    sample: [1, 2].slice(0, count),
    took_ms: 0.12,
    as_of: 1_767_225_600_000_000,
    index_built_at: 1_767_222_000_000_000,
    rule,
    text,
    sample_members: [{ customer_id: 1, identities: [{ kind: 'phone', hint: '139****5678' }] }],
  };
}

const nested: Json = {
  all: [
    { trait: 'orders_on.jd', op: '>=', value: 1 },
    { any: [{ trait: 'total_spend', op: '>', value: 200 }, { tag: '母婴', op: 'has' }] },
  ],
};
const nestedText = 'orders_on.jd >= 1 and (total_spend > 200 or tag = "母婴")';

describe('rule editor: text and builder in step', () => {
  const fetchMock = vi.fn<(input: Request) => Promise<Response>>();
  let editor: RuleEditor;

  async function bodyOf(call: number): Promise<unknown> {
    const request = fetchMock.mock.calls[call]![0];
    return JSON.parse(await request.clone().text());
  }

  async function settle(): Promise<void> {
    await nextTick();
    await vi.advanceTimersByTimeAsync(300);
    await editor.whenIdle();
  }

  beforeEach(() => {
    vi.useFakeTimers();
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    editor = useRuleEditor();
  });
  afterEach(() => {
    editor.dispose();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('turns typed text into the builder tree through the server, keeping what was typed', async () => {
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer(nested, nestedText, 1)));
    const typed = 'orders_on.jd>=1 AND (total_spend > 200 OR tag = "母婴")';
    editor.setText(typed);
    // Debounced: nothing is sent while the user is still typing.
    await vi.advanceTimersByTimeAsync(299);
    expect(fetchMock).not.toHaveBeenCalled();
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(await bodyOf(0)).toEqual({ text: typed });
    const root = editor.root.value;
    expect(root.op).toBe('all');
    expect(root.children.map((c) => c.kind)).toEqual(['condition', 'group']);
    expect((root.children[1] as GroupNode).op).toBe('any');
    expect(toRule(root)).toEqual(nested);
    expect(editor.text.value).toBe(typed);
    expect(editor.preview.value?.count).toBe(1);
    expect(editor.ruleBody()).toEqual({ text: typed });

    // The builder's own change from the text side sends nothing more.
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('sends builder edits as JSON and shows the canonical text', async () => {
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer({ trait: 'orders_on.jd', op: '>=', value: 1 }, 'orders_on.jd >= 1', 2)));
    editor.root.value.children.push(newCondition({ type: 'trait', trait: 'orders_on.jd', op: '>=', value: 1 }));
    await settle();
    expect(await bodyOf(0)).toEqual({ rule: { trait: 'orders_on.jd', op: '>=', value: 1 } });
    expect(editor.text.value).toBe('orders_on.jd >= 1');
    expect(editor.preview.value?.count).toBe(2);

    // Adding a nested OR group changes the rule: a new count, a new text.
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer(nested, nestedText, 1)));
    editor.root.value.children.push(
      newGroup('any', [
        newCondition({ type: 'trait', trait: 'total_spend', op: '>', value: 200 }),
        newCondition({ type: 'tag', op: 'has', tags: ['母婴'] }),
      ]),
    );
    await settle();
    expect(await bodyOf(1)).toEqual({ rule: nested });
    expect(editor.text.value).toBe(nestedText);
    expect(editor.preview.value?.count).toBe(1);
    expect(editor.ruleBody()).toEqual({ rule: nested });

    // An unfinished condition is not part of the rule: nothing to send.
    editor.root.value.children.push(newCondition({ type: 'tag', op: 'has', tags: [] }));
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('shows a parse error with its line and column and leaves the builder and the text alone', async () => {
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer(nested, nestedText, 1)));
    editor.setText(nestedText);
    await settle();
    const before = JSON.stringify(toRule(editor.root.value));
    const rootBefore = editor.root.value;

    fetchMock.mockResolvedValueOnce(
      json(400, {
        error: {
          code: 'invalid_argument',
          field: 'rule',
          message: "2:16: expected a whole number ≥ 0 after '>=', found the end of the rule",
          message_zh: "2:16: '>=' 后面应为不小于 0 的整数，实际为 规则结尾",
          offset: 33,
          line: 2,
          column: 16,
        },
      }),
    );
    const broken = 'orders_on.jd >= 1 and\n  order_count >= ';
    editor.setText(broken);
    await settle();
    expect(editor.textError.value?.details).toMatchObject({ line: 2, column: 16 });
    expect(editor.textError.value?.localized('zh-CN')).toContain('规则结尾');
    expect(editor.textError.value?.localized('en')).toContain('found the end of the rule');
    expect(editor.text.value).toBe(broken);
    expect(editor.root.value).toBe(rootBefore);
    expect(JSON.stringify(toRule(editor.root.value))).toBe(before);
    // The count shown is still the last good rule's.
    expect(editor.preview.value?.count).toBe(1);

    // Fixing the text clears the error.
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer({ all: [{ trait: 'orders_on.jd', op: '>=', value: 1 }, { trait: 'order_count', op: '>=', value: 2 }] }, 'orders_on.jd >= 1 and order_count >= 2', 0)));
    editor.setText(`${broken}2`);
    await settle();
    expect(editor.textError.value).toBeNull();
    expect(editor.root.value.children).toHaveLength(2);
    expect(editor.preview.value?.count).toBe(0);
  });

  it('ignores an answer that arrives after a newer edit', async () => {
    let release: (r: Response) => void = () => {};
    fetchMock.mockImplementationOnce(() => new Promise<Response>((resolve) => (release = resolve)));
    editor.setText('has phone');
    await vi.advanceTimersByTimeAsync(300);
    // The first request is in flight; the user types on.
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer({ has: 'email' }, 'has email', 5)));
    editor.setText('has email');
    release(json(200, previewAnswer({ has: 'phone' }, 'has phone', 9)));
    await settle();
    expect(editor.preview.value?.count).toBe(5);
    expect(toRule(editor.root.value)).toEqual({ has: 'email' });
  });

  it('loads a saved rule without counting it twice and keeps its text', async () => {
    editor.load(nested, nestedText);
    await settle();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(editor.text.value).toBe(nestedText);
    fetchMock.mockResolvedValueOnce(json(200, previewAnswer(nested, nestedText, 1)));
    await editor.refresh();
    expect(await bodyOf(0)).toEqual({ rule: nested });
    expect(editor.preview.value?.count).toBe(1);
  });
});
