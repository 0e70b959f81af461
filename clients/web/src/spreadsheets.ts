/**
 * The explorer's spreadsheets and notices: an import panel (template
 * downloads, a file upload to `POST /imports/<kind>`, the report by row and
 * column), export buttons for a lot (traces and quality events, .xlsx or
 * CSV) and, in the recall view, the recall report export and the printable
 * notices (`GET /recalls/{id}/notices`). The same API endpoints as the CLI.
 * Messages come from the `import` and `notices` catalogues.
 */
import { languageOf, translator, type Language } from '@lotline/i18n';
import { ApiError, type ApiClient, type ImportKind, type ImportProblem, type ImportReport } from '../../src/api-client';
import { h } from './dom';

type Say = (text: string, error?: boolean) => void;

let chosen: Language | undefined;

/** The language switch of the page calls this; until then the browser's language rules. */
export function setPageLanguage(language: Language): void {
  chosen = language;
}

/** The page's language: the one chosen with the switch, else the browser's, else English. */
export function pageLanguage(): Language {
  return chosen ?? languageOf(navigator.language) ?? 'en';
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function fetchFile(
  api: ApiClient,
  say: Say,
  path: string,
  query: Record<string, string | undefined>,
  fallback: string,
): Promise<string | undefined> {
  try {
    const { blob, fileName } = await api.download(path, query, pageLanguage());
    const name = fileName ?? fallback;
    saveBlob(blob, name);
    return name;
  } catch (err) {
    say(err instanceof Error ? err.message : String(err), true);
    return undefined;
  }
}

function problemsTable(problems: readonly ImportProblem[]): HTMLElement {
  const t = translator(pageLanguage(), 'import');
  return h(
    'table',
    { id: 'import-problems' },
    h('tr', {}, h('th', {}, t('explorer.rowColumn')), h('th', {}, t('explorer.columnColumn')), h('th', {}, t('explorer.problemColumn'))),
    problems.map((p) => h('tr', { 'data-code': p.code }, h('td', {}, String(p.row)), h('td', {}, p.column ?? ''), h('td', {}, p.message))),
  );
}

function rowsTable(report: ImportReport): HTMLElement {
  const t = translator(pageLanguage(), 'import');
  return h(
    'table',
    { id: 'import-rows' },
    h(
      'tr',
      {},
      h('th', {}, t('explorer.rowColumn')),
      h('th', {}, t('explorer.idColumn')),
      h('th', {}, t('explorer.statusColumn')),
      h('th', {}, t('explorer.txColumn')),
    ),
    report.rows.map((r) =>
      h(
        'tr',
        { 'data-status': r.status },
        h('td', {}, String(r.row)),
        h('td', {}, r.id ?? ''),
        h('td', {}, r.status),
        h('td', { class: 'mono' }, r.txId?.slice(0, 16) ?? ''),
      ),
    ),
  );
}

/** The import panel: templates, a file, "write the valid rows", and the report. */
export function importPanel(api: ApiClient, say: Say): HTMLElement {
  const t = translator(pageLanguage(), 'import');
  const kind = h(
    'select',
    { id: 'import-kind', 'aria-label': t('explorer.kind') },
    h('option', { value: 'lots' }, t('explorer.kindLots')),
    h('option', { value: 'inspections' }, t('explorer.kindInspections')),
  );
  const file = h('input', { id: 'import-file', type: 'file', accept: '.xlsx,.csv,text/csv', 'aria-label': t('explorer.file') });
  const partial = h('input', { id: 'import-partial', type: 'checkbox' });
  const result = h('div', { id: 'import-result' });
  const submit = async (): Promise<void> => {
    const chosen = file.files?.[0];
    if (chosen === undefined) {
      say(t('explorer.chooseFile'), true);
      return;
    }
    say(t('explorer.working', { name: chosen.name }));
    result.replaceChildren();
    try {
      const report = await api.importSpreadsheet(kind.value as ImportKind, chosen, {
        format: chosen.name.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx',
        partial: partial.checked,
        language: pageLanguage(),
      });
      say(t('explorer.result', { message: report.message }));
      result.replaceChildren(rowsTable(report), ...(report.errors.length > 0 ? [problemsTable(report.errors)] : []));
    } catch (err) {
      const problems = err instanceof ApiError ? (err.problem?.errors as ImportProblem[] | undefined) : undefined;
      if (err instanceof ApiError && err.code === 'IMPORT_INVALID' && Array.isArray(problems)) {
        say(t('explorer.invalid', { count: problems.length }), true);
        result.replaceChildren(problemsTable(problems));
      } else say(err instanceof Error ? err.message : String(err), true);
    }
  };
  return h(
    'details',
    { id: 'import' },
    h('summary', {}, t('explorer.title')),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', id: 'template-lots', onclick: () => void fetchFile(api, say, 'templates/lots.xlsx', {}, 'lots-template.xlsx') },
        t('explorer.templateLots'),
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'template-inspections',
          onclick: () => void fetchFile(api, say, 'templates/inspections.xlsx', {}, 'inspections-template.xlsx'),
        },
        t('explorer.templateInspections'),
      ),
    ),
    h('div', { class: 'actions' }, kind, file),
    h('label', {}, partial, ` ${t('explorer.partial')}`),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', id: 'import-submit', onclick: () => void submit() }, t('explorer.submit')),
    ),
    result,
  );
}

function formatButtons(onPick: (format: 'xlsx' | 'csv') => void, id: string): HTMLElement[] {
  return (['xlsx', 'csv'] as const).map((format) =>
    h('button', { type: 'button', id: `${id}-${format}`, onclick: () => onPick(format) }, format === 'xlsx' ? '.xlsx' : 'CSV'),
  );
}

/** Export buttons of a lot: its traces both ways and its quality events, as .xlsx or CSV. */
export function lotExports(api: ApiClient, lotId: string, say: Say): HTMLElement {
  const t = translator(pageLanguage(), 'import');
  const enc = encodeURIComponent;
  const done = (name: string | undefined): void => {
    if (name !== undefined) say(t('explorer.exported', { file: name }));
  };
  const trace = (direction: 'backward' | 'forward') => (format: 'xlsx' | 'csv') =>
    void fetchFile(api, say, `exports/lots/${enc(lotId)}/trace`, { direction, format }, `trace.${format}`).then(done);
  return h(
    'div',
    { class: 'actions', id: 'lot-exports' },
    h('span', { class: 'note' }, `${t('explorer.exportHeading')}:`),
    h('span', {}, t('explorer.exportTraceBackward'), ' ', ...formatButtons(trace('backward'), 'export-backward')),
    h('span', {}, t('explorer.exportTraceForward'), ' ', ...formatButtons(trace('forward'), 'export-forward')),
    h(
      'span',
      {},
      t('explorer.exportEvents'),
      ' ',
      ...formatButtons(
        (format) =>
          void fetchFile(api, say, `exports/lots/${enc(lotId)}/quality-events`, { format }, `quality-events.${format}`).then(done),
        'export-events',
      ),
    ),
  );
}

/** The recall view's tools: the report as .xlsx or CSV, and the printable notices of every holder. */
export function recallTools(api: ApiClient, recallId: string, say: Say): HTMLElement {
  const t = translator(pageLanguage(), 'import');
  const n = translator(pageLanguage(), 'notices');
  const enc = encodeURIComponent;
  return h(
    'div',
    { class: 'actions', 'data-recall-tools': recallId },
    h(
      'span',
      {},
      t('explorer.exportRecall', { recallId }),
      ' ',
      ...formatButtons(
        (format) => void fetchFile(api, say, `exports/recalls/${enc(recallId)}`, { format }, `recall.${format}`),
        `export-recall-${recallId}`,
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'recall-notices',
        'data-recall': recallId,
        onclick: () =>
          void fetchFile(api, say, `recalls/${enc(recallId)}/notices`, {}, `notices-${recallId}.zip`).then((file) => {
            if (file !== undefined) say(n('explorer.downloaded', { recallId, file }));
          }),
      },
      n('explorer.allHolders'),
    ),
  );
}
