/**
 * The language of the CLI's human output: `--lang`, else LOTLINE_LANG,
 * LC_ALL, LC_MESSAGES and LANG (as POSIX orders them), else English. Strings
 * come from the `cli` catalogue of @lotline/i18n (display categories from
 * `common`, shared with the explorer); dates are shown in the language's time
 * zone (Asia/Tokyo for Japanese). `--json` output is never translated, and
 * ledger data (product names, reasons, ids) is printed exactly as entered.
 */
import { formatDateTime, languageFromEnvironment, translator, type Language } from '@lotline/i18n';
import type { Category } from '../status';

let current: Language | undefined;

/** The language in use (read from the environment on first use). */
export function cliLanguage(): Language {
  current ??= languageFromEnvironment();
  return current;
}

/** Sets the language (from `--lang`, or a test). */
export function setCliLanguage(language: Language): void {
  current = language;
}

/** A string of the `cli` catalogue in the current language. */
export function tr(key: string, params?: Record<string, string | number>): string {
  return translator(cliLanguage(), 'cli')(key, params);
}

/** The label of a display category. */
export function categoryName(category: Category): string {
  return translator(cliLanguage(), 'common')(`category.${category}`);
}

/** An ISO 8601 instant in the current language's time zone. */
export function dateTime(iso: string): string {
  return formatDateTime(iso, cliLanguage());
}

/** Columns a string takes in a terminal: East Asian wide and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

/** Pads a label to `width` terminal columns. */
export function padLabel(label: string, width: number): string {
  return label + ' '.repeat(Math.max(1, width - displayWidth(label)));
}
