/**
 * Lotline's languages. Every human-readable string of the explorer, the CLI's
 * human output, the API's problem titles and details, import reports and
 * recall notices comes from one catalogue per language and namespace under
 * `i18n/locales/<language>/<namespace>.json`. Stable codes (error `code`,
 * statuses, ids) are never translated; product names and reasons are shown
 * exactly as entered.
 */
import i18next, { type TFunction } from 'i18next';
import enCommon from '../locales/en/common.json';
import enProblems from '../locales/en/problems.json';
import enCli from '../locales/en/cli.json';
import enExplorer from '../locales/en/explorer.json';
import enImport from '../locales/en/import.json';
import enNotices from '../locales/en/notices.json';
import jaCommon from '../locales/ja/common.json';
import jaProblems from '../locales/ja/problems.json';
import jaCli from '../locales/ja/cli.json';
import jaExplorer from '../locales/ja/explorer.json';
import jaImport from '../locales/ja/import.json';
import jaNotices from '../locales/ja/notices.json';

export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export const NAMESPACES = ['common', 'problems', 'cli', 'explorer', 'import', 'notices'] as const;
export type Namespace = (typeof NAMESPACES)[number];

const resources = {
  en: { common: enCommon, problems: enProblems, cli: enCli, explorer: enExplorer, import: enImport, notices: enNotices },
  ja: { common: jaCommon, problems: jaProblems, cli: jaCli, explorer: jaExplorer, import: jaImport, notices: jaNotices },
};

/** The time zone that dates are shown in, per language: Asia/Tokyo for Japanese. */
const TIME_ZONES: Record<Language, string> = { en: 'UTC', ja: 'Asia/Tokyo' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The supported language of a BCP 47 tag or POSIX locale (`ja`, `ja-JP`,
 * `ja_JP.UTF-8`, `en-GB`), or undefined when it is none of ours.
 */
export function languageOf(tag: string | undefined): Language | undefined {
  if (tag === undefined) return undefined;
  const primary = tag
    .trim()
    .toLowerCase()
    .split(/[-_.@]/)[0];
  return isLanguage(primary) ? primary : undefined;
}

/** The CLI's language: LOTLINE_LANG, then LC_ALL, LC_MESSAGES and LANG, as POSIX orders them. */
export function languageFromEnvironment(env: NodeJS.ProcessEnv = process.env): Language {
  for (const name of ['LOTLINE_LANG', 'LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name];
    if (value !== undefined && value !== '') return languageOf(value) ?? DEFAULT_LANGUAGE;
  }
  return DEFAULT_LANGUAGE;
}

const instances = new Map<Language, typeof i18next>();

function instanceFor(language: Language): typeof i18next {
  let instance = instances.get(language);
  if (instance === undefined) {
    instance = i18next.createInstance();
    void instance.init({
      lng: language,
      fallbackLng: DEFAULT_LANGUAGE,
      ns: [...NAMESPACES],
      defaultNS: 'common',
      resources,
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
      // i18next prints a sponsor notice on stdout otherwise, which corrupts `TOKEN=$(lotline token mint ...)`.
      showSupportNotice: false,
    });
    instances.set(language, instance);
  }
  return instance;
}

/** A translate function for a language and namespace: `t('key', { name })`. Missing keys fall back to English. */
export function translator(language: Language, namespace: Namespace = 'common'): TFunction {
  return instanceFor(language).getFixedT(language, namespace);
}

/** Whether a key exists in a namespace (in the language itself or in the English fallback). */
export function hasMessage(language: Language, namespace: Namespace, key: string): boolean {
  return instanceFor(language).exists(key, { ns: namespace });
}

export function timeZoneOf(language: Language): string {
  return TIME_ZONES[language];
}

/** An ISO 8601 instant as a date and time in the language's time zone, with the zone named. */
export function formatDateTime(iso: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: timeZoneOf(language),
    year: 'numeric',
    month: language === 'ja' ? '2-digit' : 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(date);
}

/** The catalogues themselves (for completeness checks in tests). */
export const catalogues = resources;
