/**
 * The trace explorer page: sign in at the organisation's identity provider
 * (authorization code + PKCE, ./sign-in.ts), trace a lot both ways,
 * inspect a lot (quality events, history, a proof badge per record), place a
 * hold or start a recall where the role allows, export recall reports as CSV,
 * and follow the API's event stream to keep the graph current.
 *
 * The API base is `../` (the page is served at `/explorer/` by the API), or
 * `?api=<url>` to point elsewhere.
 */
import { stringify } from 'csv-stringify/browser/esm/sync';
import { isLanguage } from '@lotline/i18n';
import { ApiClient, ApiError } from '../../src/api-client';
import type { Lot, LedgerEvent, Trace } from '../../src/api-types';
import { recallRows } from '../../src/recall-report';
import { type Collapse, filterRows, summarize, type TraceGroup } from '../../src/trace-view';
import { byId, download, h } from './dom';
import { CATEGORY_COLORS, FAILED_RING, type GraphNode, legend, LineageGraph, rowsOf } from './graph';
import {
  completeSignIn,
  forgetTokens,
  isCallback,
  pageQuery,
  savedToken,
  signInConfig,
  signInError,
  startSignIn,
  type SignInConfig,
} from './sign-in';
import { importPanel, lotExports, recallTools } from './spreadsheets';
import { categoryLabel, language, setLanguage, t, translatePage, when } from './language';
import { TraceTable } from './trace-table';

const params = pageQuery();
const api = new ApiClient({ baseUrl: params.get('api') ?? '../', timeoutMs: 60_000, language: () => language() });

/** Above this many lots, "automatic" collapses the graph by depth: a graph of a thousand nodes is unreadable. */
const AUTO_COLLAPSE_ABOVE = 150;
/** The trace bound the explorer asks for, per direction (the API allows up to 5000). */
const MAX_NODES = 5000;

interface Claims {
  sub?: string;
  org?: string;
  role?: string;
}

const state: {
  token?: string;
  claims: Claims;
  root?: string;
  selected?: string;
  events: number;
  nodes: GraphNode[];
  /** Time from asking for the trace to the graph and table drawn, and its parts, in ms (for the browser test). */
  timings?: { fetchMs: number; renderMs: number; totalMs: number; lots: number };
  status?: { key: string; params?: Record<string, string | number>; error: boolean };
} = {
  claims: {},
  events: 0,
  nodes: [],
};
let stream: AbortController | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

const statusLine = byId<HTMLDivElement>('status-line');
const panel = byId<HTMLElement>('panel');
const graph = new LineageGraph(byId('graph'), {
  onSelect: (node) => void selectLot(node.id),
  onGroup: (group) => showGroup(group),
  groupLabel: (group) =>
    t(group.depth !== undefined ? 'graph.depthGroup' : 'graph.orgGroup', {
      depth: group.depth ?? 0,
      org: group.custodian ?? '',
      count: group.lots,
      worst: categoryLabel(group.category),
    }),
});
const table = new TraceTable((id) => void selectLot(id), CATEGORY_COLORS);

/** Shows a status message from the catalogue (kept as a key, so that a language switch re-translates it). */
function say(key: string, params?: Record<string, string | number>, error = false): void {
  state.status = { key, ...(params !== undefined ? { params } : {}), error };
  statusLine.textContent = t(key, params);
  statusLine.classList.toggle('error', error);
}

/** Shows a message that is already in the user's language (from a module with its own catalogue, or the sign-in library). */
function sayText(text: string, error = false): void {
  state.status = undefined;
  statusLine.textContent = text;
  statusLine.classList.toggle('error', error);
}

/** Shows an error: the API's problem detail (in the user's language, through Accept-Language) with what to do next. */
function fail(err: unknown): void {
  say('status.error', { message: explain(err) }, true);
}

function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return t('errors.unauthorized', { message: err.message });
    if (err.status === 403) return t('errors.forbidden', { message: err.message });
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

function decodeClaims(token: string): Claims {
  try {
    const part = token.split('.')[1] ?? '';
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Claims;
  } catch {
    return {};
  }
}

// --- sign in -------------------------------------------------------------------

async function signIn(token: string): Promise<void> {
  api.setToken(token);
  state.token = token;
  state.claims = decodeClaims(token);
  try {
    const me = await api.whoami();
    state.claims = {
      ...state.claims,
      ...(typeof me.role === 'string' ? { role: me.role } : {}),
      ...(typeof me.user === 'string' ? { sub: me.user } : {}),
    };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      fail(err);
      return;
    }
    // No /me endpoint: the token's own claims are shown, and the API still decides every action.
  }
  byId('signin').hidden = true;
  byId('who').hidden = false;
  byId('who-text').textContent =
    `${state.claims.sub ?? '?'} @ ${state.claims.org ?? '?'}${state.claims.role ? ` (${state.claims.role})` : ''}`;
  say('status.signedIn');
  startStream();
}

function signOut(): void {
  stream?.abort();
  api.setToken(undefined);
  state.token = undefined;
  forgetTokens();
  byId('signin').hidden = false;
  byId('who').hidden = true;
}

// --- trace ---------------------------------------------------------------------

/** The collapse the user chose, or for "automatic", by depth above {@link AUTO_COLLAPSE_ABOVE} lots. */
function collapseMode(lots: number): Collapse {
  const chosen = byId<HTMLSelectElement>('collapse').value;
  if (chosen === 'none' || chosen === 'depth' || chosen === 'org') return chosen;
  return lots > AUTO_COLLAPSE_ABOVE ? 'depth' : 'none';
}

/** The summary line: N lots, M holders, K on hold, J recalled (recalled or affected by a recall). */
function showSummary(): void {
  const s = summarize(rowsOf(state.nodes));
  const summary = byId('trace-summary');
  summary.textContent = t('tools.summary', { lots: s.lots, holders: s.holders, onHold: s.onHold, recalled: s.recalled });
  Object.assign(summary.dataset, {
    lots: String(s.lots),
    holders: String(s.holders),
    onHold: String(s.onHold),
    recalled: String(s.recalled),
  });
}

/** The search within the trace: filters the table and highlights the matching lots (or their groups) in the graph. */
function searchTrace(): void {
  const text = byId<HTMLInputElement>('trace-search').value;
  table.update({ search: text });
  const hits = text.trim() === '' ? undefined : filterRows(rowsOf(state.nodes), { search: text });
  graph.highlight(hits === undefined ? undefined : new Set(hits.map((r) => r.id)));
  const label = byId('search-hits');
  label.textContent = hits === undefined ? '' : t('tools.hits', { count: hits.length });
  label.dataset.hits = hits === undefined ? '' : String(hits.length);
}

/** A collapsed group clicked in the graph: the table shows its lots. */
function showGroup(group: TraceGroup): void {
  if (group.depth !== undefined) table.update({ depth: group.depth, custodian: undefined });
  else table.update({ custodian: group.custodian, depth: undefined });
}

async function trace(root: string, quiet = false): Promise<void> {
  const depth = Number(byId<HTMLInputElement>('depth').value) || 10;
  if (!quiet) say('status.tracing', { root });
  const started = performance.now();
  try {
    const [backward, forward] = await Promise.all([
      api.traceLot(root, { direction: 'backward', depth, maxNodes: MAX_NODES }),
      api.traceLot(root, { direction: 'forward', depth, maxNodes: MAX_NODES }),
    ]);
    const fetched = performance.now();
    state.root = root;
    state.nodes = graph.show(root, backward, forward, collapseMode(backward.nodes.length + forward.nodes.length - 1));
    byId('trace-tools').hidden = false;
    byId('table-view').hidden = false;
    table.show(rowsOf(state.nodes), root);
    showSummary();
    searchTrace();
    const truncated = (tr: Trace): boolean => tr.truncated;
    say(truncated(backward) || truncated(forward) ? 'status.tracedTruncated' : 'status.traced', {
      root,
      lots: state.nodes.length,
      upstream: backward.nodes.length - 1,
      downstream: forward.nodes.length - 1,
    });
    // Drawn when the browser has painted the frame with the graph and the table in it.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const drawn = performance.now();
    state.timings = { fetchMs: fetched - started, renderMs: drawn - fetched, totalMs: drawn - started, lots: state.nodes.length };
    document.body.dataset.traced = String(Date.now());
    if (state.selected && state.nodes.some((n) => n.id === state.selected)) await selectLot(state.selected, true);
    else await selectLot(root);
  } catch (err) {
    fail(err);
  }
}

function scheduleRefresh(): void {
  if (!state.root) return;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void trace(state.root ?? '', true), 300);
}

// --- live events -----------------------------------------------------------------

function startStream(): void {
  stream?.abort();
  const controller = new AbortController();
  stream = controller;
  let lastEventId: string | undefined;
  const connect = async (attempt: number): Promise<void> => {
    try {
      document.body.dataset.live = 'connecting';
      const onEvent = (event: LedgerEvent): void => {
        lastEventId = event.id ?? lastEventId;
        document.body.dataset.live = 'on';
        if (event.type === 'ready' || event.type === 'heartbeat') return;
        state.events += 1;
        byId('live').textContent = t('legend.liveCount', { count: state.events });
        const touched = [event.lotId, ...(Array.isArray(event.inputs) ? (event.inputs as string[]) : [])];
        if (!event.lotId || touched.some((id) => id && (state.nodes.some((n) => n.id === id) || id === state.root))) scheduleRefresh();
      };
      document.body.dataset.live = 'on';
      await api.streamEvents({ signal: controller.signal, ...(lastEventId ? { lastEventId } : {}) }, onEvent);
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        document.body.dataset.live = 'off';
        return;
      }
    }
    if (controller.signal.aborted) return;
    document.body.dataset.live = 'reconnecting';
    setTimeout(() => void connect(attempt + 1), Math.min(10_000, 500 * 2 ** attempt));
  };
  void connect(0);
}

// --- side panel --------------------------------------------------------------------

function proofBadge(txId: string): HTMLElement {
  const badge = h('span', { class: 'badge pending', 'data-proof': txId, title: t('proof.transaction', { txId }) }, t('proof.pending'));
  api.proof(txId).then(
    (p) => {
      // `verified` is the evidence verifier's verdict (signatures, MSP chains, endorsement policy) and the record check.
      const failed = p.verification?.failures[0];
      badge.className = `badge ${p.verified ? 'ok' : 'bad'}`;
      badge.textContent = p.verified
        ? t('proof.verified', { block: String(p.blockNumber) })
        : `✗ ${failed?.check ?? String(p.validationCode)}`;
      badge.title = `${t('proof.details', {
        txId,
        block: String(p.blockNumber),
        code: String(p.validationCode),
        creator: p.creator.mspId,
        endorsers: p.endorsers.map((e) => e.mspId).join(', '),
      })}${failed !== undefined ? `\n${failed.check}: ${failed.detail}` : ''}`;
    },
    (err: unknown) => {
      badge.className = 'badge bad';
      badge.textContent = t('proof.none');
      badge.title = explain(err);
    },
  );
  return badge;
}

function detailsList(lot: Lot, node: GraphNode | undefined): HTMLElement {
  const row = (k: string, v: string | Node): HTMLElement[] => [h('dt', {}, k), h('dd', {}, v)];
  return h(
    'dl',
    {},
    row(
      t('lot.status'),
      h(
        'span',
        { class: 'pill', style: `background:${node?.color ?? '#90a4ae'}`, 'data-category': node?.category ?? '' },
        `${t(`lotStatus.${lot.status}`)}${node && node.category !== 'none' && node.category !== lot.status ? ` · ${categoryLabel(node.category)}` : ''}`,
      ),
    ),
    row(t('lot.product'), h('span', { id: 'lot-product' }, `${lot.product.name} (${lot.product.code})`)),
    row(
      t('lot.quantity'),
      `${lot.quantity.amount} ${lot.quantity.unit}${lot.remaining ? t('lot.remaining', { amount: lot.remaining.amount }) : ''}`,
    ),
    row(t('lot.producer'), lot.producer),
    row(t('lot.custodian'), lot.custodian),
    row(t('lot.process'), `${lot.process.site}, ${lot.process.line}`),
    row(t('lot.created'), h('time', { id: 'lot-created', datetime: lot.createdAt }, when(lot.createdAt))),
    ...(lot.affectedBy ?? []).map((r) =>
      row(
        t('lot.affectedBy'),
        t(r.kind === 'recall' ? 'lot.affectedByRecall' : 'lot.affectedByHold', { id: r.recallId ?? r.eventId, source: r.sourceLotId }),
      ),
    ),
  ).valueOf() as HTMLElement;
}

function recallIds(lot: Lot): string[] {
  const ids = new Set<string>();
  if (lot.recall) ids.add(lot.recall.recallId);
  for (const r of lot.affectedBy ?? []) if (r.kind === 'recall' && r.recallId) ids.add(r.recallId);
  return [...ids];
}

async function exportRecall(recallId: string): Promise<void> {
  try {
    const report = await api.getRecall(recallId);
    download(`${recallId}-affected-lots.csv`, stringify(recallRows(report)), 'text/csv');
    say('status.recallExported', { count: report.affected.length, recallId });
  } catch (err) {
    fail(err);
  }
}

function actionForms(lot: Lot): HTMLElement {
  const role = state.claims.role;
  const mayManage = role === undefined || role === 'quality_manager';
  const box = h('div', { class: 'actions' });
  if (!mayManage) {
    box.append(h('p', { class: 'note' }, t('actions.needQualityManager', { role })));
    return box;
  }
  const reason = h('input', { type: 'text', id: 'action-reason', placeholder: t('actions.reason') });
  const descendants = h('input', { type: 'checkbox', id: 'hold-descendants', checked: true });
  const run = async (what: 'hold' | 'recall', act: () => Promise<unknown>): Promise<void> => {
    if (!reason.value.trim()) {
      say('actions.reasonFirst', undefined, true);
      return;
    }
    say(`actions.${what}Running`, { lotId: lot.id });
    try {
      await act();
      say(`actions.${what}Committed`, { lotId: lot.id });
      await trace(state.root ?? lot.id, true);
    } catch (err) {
      fail(err);
    }
  };
  box.append(
    reason,
    h('label', {}, descendants, ` ${t('actions.holdDescendants')}`),
    h(
      'button',
      {
        type: 'button',
        id: 'place-hold',
        onclick: () =>
          void run('hold', () => api.placeHold(lot.id, { reason: reason.value.trim(), includeDescendants: descendants.checked })),
      },
      t('actions.placeHold'),
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'start-recall',
        disabled: lot.status === 'recalled',
        onclick: () => void run('recall', () => api.startRecall({ lotId: lot.id, reason: reason.value.trim() })),
      },
      t('actions.startRecall'),
    ),
    h('p', { class: 'note' }, t('actions.ledgerDecides')),
  );
  return box;
}

/** "Print label": the lot's label PDF in a new tab (fetched with the token, so it opens as a blob URL). */
function labelButtons(lotId: string): HTMLElement {
  const size = h(
    'select',
    { id: 'label-size' },
    h('option', { value: '62mm' }, t('label.roll')),
    h('option', { value: 'a4' }, t('label.sheet')),
  );
  const print = async (): Promise<void> => {
    const tab = window.open('', '_blank');
    try {
      const pdf = await api.lotLabel(lotId, { format: 'pdf', size: size.value === 'a4' ? 'a4' : '62mm' });
      const url = URL.createObjectURL(pdf);
      if (tab !== null) tab.location.href = url;
      else window.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      tab?.close();
      fail(err);
    }
  };
  return h(
    'div',
    { class: 'actions' },
    size,
    h('button', { type: 'button', id: 'print-label', onclick: () => void print() }, t('label.print')),
    h('button', { type: 'button', id: 'download-evidence', onclick: () => void downloadEvidence(lotId) }, t('evidence.download')),
  );
}

/**
 * "Download evidence": the lot's evidence bundle (its history with the raw blocks and the channel
 * configuration), saved as a file for the auditor's records and checked offline with
 * `lotline evidence verify`. The SHA-256 the API states is shown, so a paper file can name the bundle.
 */
async function downloadEvidence(lotId: string): Promise<void> {
  try {
    const { zip, sha256 } = await api.evidence(lotId);
    const url = URL.createObjectURL(new Blob([new Uint8Array(zip)], { type: 'application/zip' }));
    const link = h('a', { href: url, download: `${lotId.replace(/[^A-Za-z0-9._-]+/g, '_')}.evidence.zip` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say('evidence.downloaded', { lotId, sha256: sha256 ?? t('evidence.noHash') });
  } catch (err) {
    fail(err);
  }
}

async function selectLot(id: string, quiet = false): Promise<void> {
  state.selected = id;
  graph.select(id);
  if (!quiet) panel.replaceChildren(h('p', { class: 'hint' }, t('panel.loading', { id })));
  try {
    const [lot, events, history] = await Promise.all([api.getLot(id), api.qualityEvents(id), api.lotHistory(id)]);
    const node = state.nodes.find((n) => n.id === id);
    const recalls = recallIds(lot);
    panel.replaceChildren(
      h('h2', { id: 'panel-lot' }, lot.id),
      labelButtons(lot.id),
      lotExports(api, lot.id, sayText),
      detailsList(lot, node),
      h('h3', {}, t('panel.qualityEvents')),
      events.length === 0
        ? h('p', { class: 'note' }, t('panel.none'))
        : h(
            'table',
            { id: 'events' },
            h(
              'tr',
              {},
              h('th', {}, t('panel.when')),
              h('th', {}, t('panel.what')),
              h('th', {}, t('panel.by')),
              h('th', {}, t('panel.proof')),
            ),
            events.map((e) =>
              h(
                'tr',
                { 'data-type': e.type, 'data-verdict': e.verdict ?? '' },
                h('td', {}, h('time', { datetime: e.recordedAt }, when(e.recordedAt))),
                h(
                  'td',
                  {},
                  e.type === 'inspection'
                    ? h(
                        'strong',
                        { style: e.verdict === 'fail' ? `color:${FAILED_RING}` : '' },
                        t(`event.inspection.${e.verdict ?? 'none'}`),
                      )
                    : t(`event.${e.type}`, { defaultValue: e.type }),
                  ...(e.measurements ?? []).map((m) =>
                    h('div', { class: 'note' }, `${m.characteristic}: ${m.value} ${m.unit} (${m.lower}–${m.upper})`),
                  ),
                  e.reason || e.notes ? h('div', { class: 'note reason' }, e.reason ?? e.notes ?? '') : null,
                ),
                h('td', {}, `${e.recordedBy.msp} ${e.recordedBy.role ?? ''}`),
                h('td', {}, proofBadge(e.eventId)),
              ),
            ),
          ),
      h('h3', {}, t('panel.history')),
      h(
        'table',
        { id: 'history' },
        h(
          'tr',
          {},
          h('th', {}, t('panel.when')),
          h('th', {}, t('lot.custodian')),
          h('th', {}, t('lot.status')),
          h('th', {}, t('panel.proof')),
        ),
        history.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, h('time', { datetime: e.timestamp }, when(e.timestamp))),
            h('td', {}, e.value?.custodian ?? '-'),
            h('td', {}, e.value?.status !== undefined ? t(`lotStatus.${e.value.status}`) : '-'),
            h('td', {}, proofBadge(e.txId)),
          ),
        ),
      ),
      h('h3', {}, t('panel.recallReports')),
      recalls.length === 0
        ? h('p', { class: 'note' }, t('panel.notRecalled'))
        : h(
            'div',
            { class: 'actions' },
            recalls.map((r) =>
              h(
                'button',
                { type: 'button', class: 'export-csv', 'data-recall': r, onclick: () => void exportRecall(r) },
                t('panel.exportRecall', { recallId: r }),
              ),
            ),
            recalls.map((r) => recallTools(api, r, sayText)),
          ),
      h('h3', {}, t('panel.act')),
      actionForms(lot),
    );
  } catch (err) {
    panel.replaceChildren(h('p', { class: 'hint error' }, explain(err)));
  }
}

/** Redraws what is on screen in the current language (the static page, the legend, the status, the table, the lot). */
function relabel(): void {
  translatePage();
  drawLegend();
  if (state.status !== undefined) say(state.status.key, state.status.params, state.status.error);
  if (state.root === undefined) return;
  graph.draw(graph.drawn().collapse);
  table.relabel();
  showSummary();
  searchTrace();
  if (state.selected !== undefined) void selectLot(state.selected, true);
}

// --- wiring ----------------------------------------------------------------------

function drawLegend(): void {
  byId('legend').replaceChildren(
    ...legend(categoryLabel).map((l) => h('li', { 'data-category': l.category }, h('i', { style: `background:${l.color}` }), l.label)),
    h('li', {}, h('i', { class: 'ring' }), t('legend.ring')),
    h('li', { id: 'live' }, state.events > 0 ? t('legend.liveCount', { count: state.events }) : t('legend.live')),
  );
}

translatePage();
drawLegend();
const languageSwitch = byId<HTMLSelectElement>('language');
languageSwitch.value = language();
languageSwitch.addEventListener('change', () => {
  if (isLanguage(languageSwitch.value)) setLanguage(languageSwitch.value);
  relabel();
});
byId<HTMLSelectElement>('collapse').addEventListener('change', () => {
  if (state.root === undefined) return;
  graph.draw(collapseMode(state.nodes.length));
  searchTrace();
});
byId<HTMLInputElement>('trace-search').addEventListener('input', () => searchTrace());

let signInSettings: Promise<SignInConfig> | undefined;
const settings = (): Promise<SignInConfig> => (signInSettings ??= signInConfig(params.get('api') ?? '../'));
byId('left').append(importPanel(api, sayText));

byId<HTMLFormElement>('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  say('status.openingSignIn');
  settings()
    .then(startSignIn)
    .catch((err: unknown) => {
      signInSettings = undefined;
      sayText(signInError(err), true);
    });
});
byId('signout').addEventListener('click', () => {
  signOut();
  say('status.signedOut');
});
byId<HTMLFormElement>('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = byId<HTMLInputElement>('lot-id').value.trim();
  if (!state.token) say('status.signInFirst', undefined, true);
  else if (id) {
    state.selected = undefined;
    history.replaceState(null, '', `?${new URLSearchParams({ ...Object.fromEntries(params), lot: id }).toString()}`);
    void trace(id);
  }
});

/** For tests and the curious: the graph's lots with their categories and colours. */
(window as unknown as { lotline: unknown }).lotline = {
  nodes: () => graph.snapshot(),
  drawn: () => graph.drawn(),
  rows: () => table.visible(),
  state,
  cy: graph.cy,
};

/**
 * Deep links: `?lot=<id>` traces that lot; `?dl=/01/<GTIN>/10/<lot>` (a scanned GS1 Digital Link that reached the
 * API's resolver without a token) is resolved through the resolver with the token first.
 */
async function openDeepLink(): Promise<void> {
  if (!state.token) return;
  let lot = params.get('lot');
  const link = params.get('dl');
  // `?recall=<id>` (a recall notice's QR code) opens the recall's source lot, whose panel offers the recall's tools.
  const recall = params.get('recall');
  if (!lot && !link && recall)
    lot = await api.getRecall(recall).then(
      (r) => r.sourceLotId,
      (err: unknown) => (fail(err), null),
    );
  if (!lot && link) {
    try {
      lot = await api.resolveDigitalLink(link);
    } catch (err) {
      fail(err);
      return;
    }
  }
  if (lot) {
    byId<HTMLInputElement>('lot-id').value = lot;
    void trace(lot);
  }
}

async function start(): Promise<void> {
  const config = await settings();
  byId('signin-org').textContent = config.org;
  if (isCallback()) {
    say('status.signingIn');
    await signIn(await completeSignIn(config));
  } else {
    const saved = savedToken();
    if (saved) await signIn(saved);
  }
  await openDeepLink();
}

start().catch((err: unknown) => {
  signInSettings = undefined;
  sayText(signInError(err), true);
});
