/**
 * The language of a problem document: negotiated from the request's
 * `Accept-Language` (Express's `req.acceptsLanguages`, RFC 9110 quality values,
 * `ja-JP` matching `ja`), English when the client accepts none of Lotline's
 * languages. The `code` never changes; only `title` and `detail` are
 * translated, from the `problems` catalogue of @lotline/i18n.
 */
import type { Request } from 'express';
import { DEFAULT_LANGUAGE, hasMessage, LANGUAGES, languageOf, translator, type Language } from '@lotline/i18n';
import type { ApiError } from '../errors';

/** The client's preferred language among Lotline's (English when none is acceptable). */
export function problemLanguage(req: Pick<Request, 'acceptsLanguages'>): Language {
  const best = req.acceptsLanguages(...LANGUAGES);
  return languageOf(typeof best === 'string' ? best : undefined) ?? DEFAULT_LANGUAGE;
}

/** An error's title and detail in a language; parts without a catalogue entry stay in English. */
export function localise(error: ApiError, language: Language): { title: string; detail: string } {
  const t = translator(language, 'problems');
  const title = error.titleKey !== undefined ? t(error.titleKey) : error.title;
  const message = error.detailMessage;
  const detail =
    message !== undefined && hasMessage(language, 'problems', message.key) ? t(message.key, { ...message.params }) : error.message;
  return { title, detail };
}
