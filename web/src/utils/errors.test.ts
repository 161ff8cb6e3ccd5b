import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { ApiError } from '@/api/errors';
import { i18n, setLanguage } from '@/locales';
import ErrorState from '@/components/ErrorState.vue';
import { errorMessage } from './errors';

const ruleError = new ApiError(400, 'invalid_argument', 'unknown attribute "vip"', '未知属性 "vip"', { line: 1, column: 3 }, 'r1');
const plainError = new ApiError(404, 'not_found', 'customer not found', undefined, {}, 'r2');

describe('errors shown to the merchant', () => {
  afterEach(() => setLanguage('zh-CN'));

  it('uses the API message in the console language', () => {
    expect(errorMessage(ruleError)).toBe('未知属性 "vip"');
    expect(errorMessage(plainError)).toBe('customer not found');
    setLanguage('en');
    expect(errorMessage(ruleError)).toBe('unknown attribute "vip"');
  });

  it('says in words when the server cannot be reached or answers oddly', () => {
    expect(errorMessage(ApiError.network(new TypeError('Failed to fetch')))).toBe('无法连接服务器，请检查网络后重试');
    expect(errorMessage(new ApiError(502, 'unknown', 'Bad Gateway', undefined, {}, undefined))).toBe('出错了（502），请稍后重试');
    setLanguage('en');
    expect(errorMessage(ApiError.network('offline'))).toContain('Cannot reach the server');
  });

  it('renders a page-level error with a retry button instead of a blank page', async () => {
    const wrapper = mount(ErrorState, { props: { error: plainError }, global: { plugins: [i18n, ElementPlus] } });
    expect(wrapper.text()).toContain('customer not found');
    await wrapper.find('button').trigger('click');
    expect(wrapper.emitted('retry')).toHaveLength(1);
  });
});
