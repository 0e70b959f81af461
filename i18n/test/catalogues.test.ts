import { expect } from 'chai';
import { catalogues, formatDateTime, languageFromEnvironment, languageOf, translator, LANGUAGES, NAMESPACES } from '../src';

/** Every key path of a nested catalogue object. */
function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix === '' ? key : `${prefix}.${key}`));
}

describe('i18n catalogues', () => {
  for (const namespace of NAMESPACES) {
    it(`${namespace}: every language has exactly the English keys`, () => {
      const english = keysOf(catalogues.en[namespace])
        .filter((key) => key !== '')
        .sort();
      for (const language of LANGUAGES) {
        const keys = keysOf(catalogues[language][namespace])
          .filter((key) => key !== '')
          .sort();
        expect(keys, `${language}/${namespace}.json`).to.deep.equal(english);
      }
    });
  }

  it('translates per language and falls back to the key set of English', () => {
    expect(translator('en')('language.ja')).to.equal('Japanese');
    expect(translator('ja')('language.ja')).to.equal('日本語');
  });

  it('reads the language of BCP 47 tags and POSIX locales', () => {
    expect(languageOf('ja-JP')).to.equal('ja');
    expect(languageOf('ja_JP.UTF-8')).to.equal('ja');
    expect(languageOf('en-GB')).to.equal('en');
    expect(languageOf('fr-FR')).to.equal(undefined);
    expect(languageFromEnvironment({ LANG: 'ja_JP.UTF-8' })).to.equal('ja');
    expect(languageFromEnvironment({ LC_ALL: 'C', LANG: 'ja_JP.UTF-8' })).to.equal('en');
    expect(languageFromEnvironment({ LOTLINE_LANG: 'ja', LANG: 'en_US.UTF-8' })).to.equal('ja');
  });

  it('shows dates in Asia/Tokyo for Japanese and UTC for English', () => {
    const instant = '2026-03-31T15:30:00Z';
    expect(formatDateTime(instant, 'ja')).to.contain('2026/04/01').and.contain('00:30:00').and.contain('JST');
    expect(formatDateTime(instant, 'en')).to.contain('31 Mar 2026').and.contain('15:30:00');
  });
});
