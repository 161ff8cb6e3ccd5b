// vue-i18n with per-area message modules: src/locales/<language>/<area>.ts default-exports an
// object, which becomes messages[<language>][<area>] — so `t('customers.title')` reads
// customers.ts. Adding an area is adding two files; nobody edits a shared list.
import { createI18n } from 'vue-i18n';

export const languages = ['zh-CN', 'en'] as const;
export type Language = (typeof languages)[number];

const storageKey = 'yutang.language';

type Messages = Record<string, unknown>;

function collect(modules: Record<string, { default: Messages }>): Record<string, Messages> {
  const out: Record<string, Messages> = {};
  for (const [path, module] of Object.entries(modules)) {
    const area = path.slice(path.lastIndexOf('/') + 1).replace(/\.ts$/, '');
    out[area] = module.default;
  }
  return out;
}

export const messages: Record<Language, Record<string, Messages>> = {
  'zh-CN': collect(import.meta.glob<{ default: Messages }>('./zh-CN/*.ts', { eager: true })),
  en: collect(import.meta.glob<{ default: Messages }>('./en/*.ts', { eager: true })),
};

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The remembered language, else zh-CN: the console is Chinese first. */
export function initialLanguage(): Language {
  try {
    const saved = globalThis.localStorage?.getItem(storageKey);
    if (isLanguage(saved)) return saved;
  } catch {
    // Storage can be disabled (private mode); Chinese it is.
  }
  return 'zh-CN';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLanguage(),
  fallbackLocale: 'zh-CN',
  messages,
  // Merchant-facing text comes from these files; a missing key is a bug the tests catch, not a
  // warning to print in the browser console (the end-to-end test fails on console errors).
  missingWarn: false,
  fallbackWarn: false,
});

export function currentLanguage(): Language {
  const locale = i18n.global.locale.value;
  return isLanguage(locale) ? locale : 'zh-CN';
}

export function setLanguage(language: Language): void {
  i18n.global.locale.value = language;
  document.documentElement.lang = language;
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // Not remembered; still switched for this visit.
  }
}
