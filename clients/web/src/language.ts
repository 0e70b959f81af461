/**
 * The explorer's language: the one saved by the language switch (localStorage),
 * else the first of the browser's `navigator.languages` that Lotline has, else
 * English. Every string comes from the `explorer` (and `common`) catalogues of
 * @lotline/i18n; dates are shown in the language's time zone (Asia/Tokyo for
 * Japanese). Ledger data (product names, reasons, ids) is never translated.
 */
import { DEFAULT_LANGUAGE, formatDateTime, isLanguage, languageOf, translator, type Language } from '@lotline/i18n';
import type { Category } from '../../src/status';

const STORAGE_KEY = 'lotline-language';

/** The saved choice, then the browser's languages in order, then English. */
export function preferredLanguage(saved: string | null, browser: readonly string[]): Language {
  if (isLanguage(saved)) return saved;
  for (const tag of browser) {
    const language = languageOf(tag);
    if (language !== undefined) return language;
  }
  return DEFAULT_LANGUAGE;
}

function savedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

let current: Language = preferredLanguage(savedLanguage(), navigator.languages ?? [navigator.language]);
let explorer = translator(current, 'explorer');
let common = translator(current, 'common');

/** The explorer's current language. */
export function language(): Language {
  return current;
}

/** A string of the `explorer` catalogue, in the current language. */
export function t(key: string, params?: Record<string, string | number>): string {
  return explorer(key, params);
}

/** The label of a display category (shared with the CLI through the `common` catalogue). */
export function categoryLabel(category: Category): string {
  return common(`category.${category}`);
}

/** An ISO 8601 instant in the current language's time zone. */
export function when(iso: string): string {
  return formatDateTime(iso, current);
}

/** Fills the static page: `data-i18n` (text), `data-i18n-placeholder`, `data-i18n-aria-label`, `data-i18n-title`. */
export function translatePage(root: ParentNode = document): void {
  document.documentElement.lang = current;
  document.title = t('page.title');
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n ?? '');
  for (const [attribute, data] of [
    ['placeholder', 'i18nPlaceholder'],
    ['aria-label', 'i18nAriaLabel'],
    ['title', 'i18nTitle'],
  ] as const) {
    for (const el of root.querySelectorAll<HTMLElement>(`[data-${attribute === 'aria-label' ? 'i18n-aria-label' : `i18n-${attribute}`}]`)) {
      el.setAttribute(attribute, t(el.dataset[data] ?? ''));
    }
  }
}

/** Switches the language, saves the choice, and re-translates the static page. */
export function setLanguage(language: Language): void {
  current = language;
  explorer = translator(current, 'explorer');
  common = translator(current, 'common');
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // a browser without storage keeps the choice for this page only
  }
  translatePage();
}
