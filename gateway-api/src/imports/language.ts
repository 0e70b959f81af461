/** The caller's language for import reports, exports and templates: `?lang=`, else `Accept-Language`, else English. */
import type { Request } from 'express';
import { DEFAULT_LANGUAGE, LANGUAGES, languageOf, type Language } from '@lotline/i18n';

export function requestLanguage(req: Request, explicit?: string): Language {
  const chosen = languageOf(explicit);
  if (chosen !== undefined) return chosen;
  if (req.get('accept-language') === undefined) return DEFAULT_LANGUAGE;
  const accepted = req.acceptsLanguages([DEFAULT_LANGUAGE, ...LANGUAGES.filter((l) => l !== DEFAULT_LANGUAGE)]);
  return languageOf(accepted === false ? undefined : accepted) ?? DEFAULT_LANGUAGE;
}
