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
import { ApiClient, ApiError } from '../../src/api-client';
import type { Lot, LedgerEvent, Trace } from '../../src/api-types';
import { recallRows } from '../../src/recall-report';
import { byId, download, h } from './dom';
import { FAILED_RING, type GraphNode, legend, LineageGraph } from './graph';
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

const params = pageQuery();
const api = new ApiClient({ baseUrl: params.get('api') ?? '../', timeoutMs: 60_000 });

interface Claims {
  sub?: string;
  org?: string;
  role?: string;
}

const state: { token?: string; claims: Claims; root?: string; selected?: string; events: number; nodes: GraphNode[] } = {
  claims: {},
  events: 0,
  nodes: [],
};
let stream: AbortController | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

const statusLine = byId<HTMLDivElement>('status-line');
const panel = byId<HTMLElement>('panel');
const graph = new LineageGraph(byId('graph'), (node) => void selectLot(node.id));

function say(text: string, error = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', error);
}

function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return `${err.message} — sign in again.`;
    if (err.status === 403) return `${err.message} — your role or organisation may not do this.`;
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
      say(explain(err), true);
      return;
    }
    // No /me endpoint: the token's own claims are shown, and the API still decides every action.
  }
  byId('signin').hidden = true;
  byId('who').hidden = false;
  byId('who-text').textContent =
    `${state.claims.sub ?? '?'} @ ${state.claims.org ?? '?'}${state.claims.role ? ` (${state.claims.role})` : ''}`;
  say('Signed in. Search for a lot to trace it.');
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

async function trace(root: string, quiet = false): Promise<void> {
  const depth = Number(byId<HTMLInputElement>('depth').value) || 10;
  if (!quiet) say(`Tracing ${root}…`);
  try {
    const [backward, forward] = await Promise.all([
      api.traceLot(root, { direction: 'backward', depth, maxNodes: 500 }),
      api.traceLot(root, { direction: 'forward', depth, maxNodes: 500 }),
    ]);
    state.root = root;
    state.nodes = graph.show(root, backward, forward);
    const truncated = (t: Trace): boolean => t.truncated;
    const summary = `${state.nodes.length} lots (${backward.nodes.length - 1} upstream, ${forward.nodes.length - 1} downstream)`;
    say(
      `${root}: ${summary}${truncated(backward) || truncated(forward) ? ' — truncated: raise the depth' : ''}${state.events ? ` · ${state.events} live updates` : ''}`,
    );
    document.body.dataset.traced = String(Date.now());
    if (state.selected && state.nodes.some((n) => n.id === state.selected)) await selectLot(state.selected, true);
    else await selectLot(root);
  } catch (err) {
    say(explain(err), true);
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
  const badge = h('span', { class: 'badge pending', 'data-proof': txId, title: `transaction ${txId}` }, 'proof…');
  api.proof(txId).then(
    (p) => {
      // `verified` is the evidence verifier's verdict (signatures, MSP chains, endorsement policy) and the record check.
      const failed = p.verification?.failures[0];
      badge.className = `badge ${p.verified ? 'ok' : 'bad'}`;
      badge.textContent = p.verified ? `✓ block ${String(p.blockNumber)}` : `✗ ${failed?.check ?? String(p.validationCode)}`;
      badge.title = `tx ${txId}\nblock ${String(p.blockNumber)}, ${String(p.validationCode)}\ncreator ${p.creator.mspId}\nendorsers ${p.endorsers.map((e) => e.mspId).join(', ')}${failed !== undefined ? `\n${failed.check}: ${failed.detail}` : ''}`;
    },
    (err: unknown) => {
      badge.className = 'badge bad';
      badge.textContent = '✗ no proof';
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
      'status',
      h(
        'span',
        { class: 'pill', style: `background:${node?.color ?? '#90a4ae'}`, 'data-category': node?.category ?? '' },
        `${lot.status}${node && node.category !== 'none' && node.category !== lot.status ? ` · ${node.category.replace('_', ' ')}` : ''}`,
      ),
    ),
    row('product', `${lot.product.name} (${lot.product.code})`),
    row('quantity', `${lot.quantity.amount} ${lot.quantity.unit}${lot.remaining ? `, ${lot.remaining.amount} left` : ''}`),
    row('producer', lot.producer),
    row('custodian', lot.custodian),
    row('process', `${lot.process.site}, ${lot.process.line}`),
    row('created', lot.createdAt),
    ...(lot.affectedBy ?? []).map((r) => row('affected by', `${r.kind} ${r.recallId ?? r.eventId} of ${r.sourceLotId}`)),
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
    say(`Exported ${report.affected.length} affected lots of ${recallId} as CSV.`);
  } catch (err) {
    say(explain(err), true);
  }
}

function actionForms(lot: Lot): HTMLElement {
  const role = state.claims.role;
  const mayManage = role === undefined || role === 'quality_manager';
  const box = h('div', { class: 'actions' });
  if (!mayManage) {
    box.append(h('p', { class: 'note' }, `Holds and recalls need a quality manager's token (you are ${role}).`));
    return box;
  }
  const reason = h('input', { type: 'text', id: 'action-reason', placeholder: 'reason (required)' });
  const descendants = h('input', { type: 'checkbox', id: 'hold-descendants', checked: true });
  const run = async (what: string, act: () => Promise<unknown>): Promise<void> => {
    if (!reason.value.trim()) {
      say('Give a reason first.', true);
      return;
    }
    say(`${what}…`);
    try {
      await act();
      say(`${what}: committed.`);
      await trace(state.root ?? lot.id, true);
    } catch (err) {
      say(explain(err), true);
    }
  };
  box.append(
    reason,
    h('label', {}, descendants, ' hold its descendants too'),
    h(
      'button',
      {
        type: 'button',
        id: 'place-hold',
        onclick: () =>
          void run(`Hold on ${lot.id}`, () =>
            api.placeHold(lot.id, { reason: reason.value.trim(), includeDescendants: descendants.checked }),
          ),
      },
      'Place hold',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'start-recall',
        disabled: lot.status === 'recalled',
        onclick: () => void run(`Recall of ${lot.id}`, () => api.startRecall({ lotId: lot.id, reason: reason.value.trim() })),
      },
      'Start recall',
    ),
    h('p', { class: 'note' }, "The ledger decides: holds need the lot's producer or custodian, recalls its producer."),
  );
  return box;
}

/** "Print label": the lot's label PDF in a new tab (fetched with the token, so it opens as a blob URL). */
function labelButtons(lotId: string): HTMLElement {
  const size = h(
    'select',
    { id: 'label-size' },
    h('option', { value: '62mm' }, '62 mm roll'),
    h('option', { value: 'a4' }, 'A4 sheet (2 × 4)'),
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
      say(explain(err), true);
    }
  };
  return h(
    'div',
    { class: 'actions' },
    size,
    h('button', { type: 'button', id: 'print-label', onclick: () => void print() }, 'Print label'),
    h('button', { type: 'button', id: 'download-evidence', onclick: () => void downloadEvidence(lotId) }, 'Download evidence'),
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
    say(`Evidence for ${lotId} downloaded (SHA-256 ${sha256 ?? 'not stated'}). Verify it offline: lotline evidence verify <file>`);
  } catch (err) {
    say(explain(err), true);
  }
}

async function selectLot(id: string, quiet = false): Promise<void> {
  state.selected = id;
  graph.select(id);
  if (!quiet) panel.replaceChildren(h('p', { class: 'hint' }, `Loading ${id}…`));
  try {
    const [lot, events, history] = await Promise.all([api.getLot(id), api.qualityEvents(id), api.lotHistory(id)]);
    const node = state.nodes.find((n) => n.id === id);
    const recalls = recallIds(lot);
    panel.replaceChildren(
      h('h2', { id: 'panel-lot' }, lot.id),
      labelButtons(lot.id),
      lotExports(api, lot.id, say),
      detailsList(lot, node),
      h('h3', {}, 'Quality events'),
      events.length === 0
        ? h('p', { class: 'note' }, 'none')
        : h(
            'table',
            { id: 'events' },
            h('tr', {}, h('th', {}, 'when'), h('th', {}, 'what'), h('th', {}, 'by'), h('th', {}, 'proof')),
            events.map((e) =>
              h(
                'tr',
                { 'data-type': e.type, 'data-verdict': e.verdict ?? '' },
                h('td', {}, e.recordedAt.replace('T', ' ').slice(0, 19)),
                h(
                  'td',
                  {},
                  e.type === 'inspection'
                    ? h('strong', { style: e.verdict === 'fail' ? `color:${FAILED_RING}` : '' }, `inspection ${e.verdict ?? ''}`)
                    : e.type,
                  ...(e.measurements ?? []).map((m) =>
                    h('div', { class: 'note' }, `${m.characteristic}: ${m.value} ${m.unit} (${m.lower}–${m.upper})`),
                  ),
                  e.reason || e.notes ? h('div', { class: 'note' }, e.reason ?? e.notes ?? '') : null,
                ),
                h('td', {}, `${e.recordedBy.msp} ${e.recordedBy.role ?? ''}`),
                h('td', {}, proofBadge(e.eventId)),
              ),
            ),
          ),
      h('h3', {}, 'History'),
      h(
        'table',
        { id: 'history' },
        h('tr', {}, h('th', {}, 'when'), h('th', {}, 'custodian'), h('th', {}, 'status'), h('th', {}, 'proof')),
        history.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, e.timestamp.replace('T', ' ').slice(0, 19)),
            h('td', {}, e.value?.custodian ?? '-'),
            h('td', {}, e.value?.status ?? '-'),
            h('td', {}, proofBadge(e.txId)),
          ),
        ),
      ),
      h('h3', {}, 'Recall reports'),
      recalls.length === 0
        ? h('p', { class: 'note' }, 'not affected by a recall')
        : h(
            'div',
            { class: 'actions' },
            recalls.map((r) =>
              h(
                'button',
                { type: 'button', class: 'export-csv', 'data-recall': r, onclick: () => void exportRecall(r) },
                `Export ${r} (CSV)`,
              ),
            ),
            recalls.map((r) => recallTools(api, r, say)),
          ),
      h('h3', {}, 'Act on this lot'),
      actionForms(lot),
    );
  } catch (err) {
    panel.replaceChildren(h('p', { class: 'hint error' }, explain(err)));
  }
}

// --- wiring ----------------------------------------------------------------------

byId('legend').replaceChildren(
  ...legend().map((l) => h('li', { 'data-category': l.category }, h('i', { style: `background:${l.color}` }), l.label)),
  h('li', {}, h('i', { class: 'ring' }), 'ring: latest inspection failed'),
  h('li', { id: 'live' }, 'live updates via /events'),
);

let signInSettings: Promise<SignInConfig> | undefined;
const settings = (): Promise<SignInConfig> => (signInSettings ??= signInConfig(params.get('api') ?? '../'));
byId('left').append(importPanel(api, say));

byId<HTMLFormElement>('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  say('Opening the sign-in page…');
  settings()
    .then(startSignIn)
    .catch((err: unknown) => {
      signInSettings = undefined;
      say(signInError(err), true);
    });
});
byId('signout').addEventListener('click', () => {
  signOut();
  say('Signed out: the token is gone from this tab.');
});
byId<HTMLFormElement>('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = byId<HTMLInputElement>('lot-id').value.trim();
  if (!state.token) say('Sign in first.', true);
  else if (id) {
    state.selected = undefined;
    history.replaceState(null, '', `?${new URLSearchParams({ ...Object.fromEntries(params), lot: id }).toString()}`);
    void trace(id);
  }
});

/** For tests and the curious: the graph's lots with their categories and colours. */
(window as unknown as { lotline: unknown }).lotline = { nodes: () => graph.snapshot(), state, cy: graph.cy };

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
      (err: unknown) => (say(explain(err), true), null),
    );
  if (!lot && link) {
    try {
      lot = await api.resolveDigitalLink(link);
    } catch (err) {
      say(explain(err), true);
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
    say('Signing in…');
    await signIn(await completeSignIn(config));
  } else {
    const saved = savedToken();
    if (saved) await signIn(saved);
  }
  await openDeepLink();
}

start().catch((err: unknown) => {
  signInSettings = undefined;
  say(signInError(err), true);
});
