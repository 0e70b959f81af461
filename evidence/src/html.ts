/**
 * The printable report for the auditor's file: the lot, its history as a
 * table (each record's block, creator and endorsing organisations), what was
 * verified, what failed, what the bundle cannot establish, and the bundle's
 * SHA-256 so that the paper copy names the file. Self-contained HTML (inline
 * CSS, no scripts), to print or save as PDF from a browser.
 */
import type { EvidenceManifest } from './bundle';
import { CHECKS, type CheckName, type VerificationReport } from './verify';

function escape(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A table row; the cells at `mono` are set in monospace and may break anywhere (hashes, ids). */
function row(cells: unknown[], tag = 'td', mono: readonly number[] = []): string {
  return `<tr>${cells.map((c, i) => `<${tag}${mono.includes(i) ? ' class="mono"' : ''}>${escape(c)}</${tag}>`).join('')}</tr>`;
}

const STYLE = `body{font:11pt/1.4 system-ui,sans-serif;margin:2em;color:#111}h1{font-size:16pt}h2{font-size:13pt;margin-top:1.5em}
table{border-collapse:collapse;width:100%;font-size:9pt}td,th{border:1px solid #999;padding:3px 5px;text-align:left;vertical-align:top;overflow-wrap:break-word}
.mono{font-family:ui-monospace,monospace;word-break:break-all;font-size:8pt}
th{background:#eee}
.ok{color:#060}.fail{color:#a00;font-weight:bold}
@media print{body{margin:0}}`;

/** The HTML report of a verified bundle. */
export function renderHtmlReport(
  report: VerificationReport,
  records: EvidenceManifest['records'],
  file: { name: string; sha256: string },
): string {
  const m = report.manifest;
  const byTx = new Map(report.transactions.map((t) => [t.txId, t]));
  const history = [...records]
    .sort((a, b) => a.blockNumber - b.blockNumber)
    .map((r) => {
      const tx = byTx.get(r.txId);
      const failed = report.failures.some((f) => f.txId === r.txId || (f.block === r.blockNumber && f.txId === undefined));
      return row(
        [
          r.lotId,
          r.timestamp,
          r.blockNumber,
          r.txId,
          tx?.creator ?? '',
          tx?.endorsingOrganizations.join(', ') ?? '',
          tx?.validationCode ?? '',
          failed ? 'FAILED' : 'verified',
        ],
        'td',
        [3],
      );
    });
  const names = Object.keys(CHECKS) as CheckName[];
  const checks = names
    .map((name) => ({ name, all: report.findings.filter((f) => f.check === name) }))
    .filter(({ all }) => all.length > 0)
    .map(({ name, all }) => {
      const bad = all.filter((f) => !f.ok).length;
      return `<tr><td class="mono">${escape(name)}</td><td>${escape(CHECKS[name])}</td><td class="${bad === 0 ? 'ok' : 'fail'}">${escape(bad === 0 ? `${all.length} passed` : `${bad} of ${all.length} failed`)}</td></tr>`;
    });
  const failures = report.failures.map((f) => row([f.check, f.block ?? '', f.txId ?? '', f.detail]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evidence report ${escape(m?.lotId ?? file.name)}</title><style>${STYLE}</style></head>
<body>
<h1>Lotline evidence report${m?.lotId !== null && m?.lotId !== undefined ? `: lot ${escape(m.lotId)}` : ''}</h1>
<p class="${report.ok ? 'ok' : 'fail'}">${report.ok ? 'VERIFIED: every check passed.' : `NOT VERIFIED: ${report.failures.length} check(s) failed.`}</p>
<table>
${row(['bundle file', file.name])}
<tr><td>SHA-256 of the file</td><td class="mono">${escape(file.sha256)}</td></tr>
${m !== null ? [row(['channel', m.channel]), row(['served by', `${m.servedBy.peer} (${m.servedBy.mspId})`]), row(['made at', m.createdAt]), row(['lots', m.lots.join(', ')]), row(['depth of the backward trace', m.depth]), row(['blocks', m.blocks.join(', ')])].join('\n') : ''}
<tr><td>trust anchor: genesis block header hash</td><td class="mono">${escape(report.trustAnchor.genesisHeaderHash ?? '(no genesis block)')}</td></tr>
</table>
<h2>History</h2>
<table>${row(['lot', 'time', 'block', 'transaction', 'creator', 'endorsing organisations', 'validity flag (unsigned)', 'verdict'], 'th')}
${history.join('\n')}</table>
<h2>What was verified</h2>
<table>${row(['check', 'what it establishes', 'result'], 'th')}
${checks.join('\n')}</table>
${failures.length > 0 ? `<h2>Failures</h2><table>${row(['check', 'block', 'transaction', 'detail'], 'th')}\n${failures.join('\n')}</table>` : ''}
<h2>Not established by the bundle alone</h2>
<ul>${report.notes.map((n) => `<li>${escape(n)}</li>`).join('')}</ul>
</body></html>
`;
}
