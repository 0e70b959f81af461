/** The verifier's report as text, for the CLI and the standalone verifier. */
import type { VerificationReport } from './verify';

/** Plain-text report: what passed, each failure with its check, block and transaction, and the notes. */
export function formatReport(report: VerificationReport): string {
  const lines: string[] = [];
  const m = report.manifest;
  if (m !== null) {
    lines.push(
      `evidence bundle ${m.lotId !== null ? `of lot ${m.lotId}` : `of ${m.transactions.length} transaction(s)`} on channel ${m.channel}`,
    );
    lines.push(`  served by ${m.servedBy.peer} (${m.servedBy.mspId}) at ${m.createdAt}; ${m.lots.length} lot(s), depth ${m.depth}`);
    lines.push(`  ${m.blocks.length} block(s), config blocks ${m.configBlocks.join(', ')}`);
  }
  if (report.trustAnchor.genesisHeaderHash !== null) {
    lines.push(
      `  trust anchor: genesis block header hash ${report.trustAnchor.genesisHeaderHash}; configuration sequences ${report.trustAnchor.configSequences.join(', ')}`,
    );
  }
  lines.push('');
  for (const tx of report.transactions) {
    lines.push(
      `  ${tx.ok ? 'ok  ' : 'FAIL'} block ${tx.blockNumber} tx ${tx.txIndex} ${tx.txId} ${tx.timestamp} by ${tx.creator}, endorsed by ${tx.endorsingOrganizations.join(', ') || 'nobody valid'}; flag ${tx.validationCode} (unsigned)`,
    );
  }
  const passed = report.findings.length - report.failures.length;
  lines.push('', `${passed} check(s) passed, ${report.failures.length} failed`);
  for (const f of report.failures) {
    const where = [f.block !== undefined ? `block ${f.block}` : '', f.txId !== undefined ? `tx ${f.txId}` : '']
      .filter((s) => s !== '')
      .join(', ');
    lines.push(`  FAILED ${f.check}${where !== '' ? ` (${where})` : ''}: ${f.detail}`);
  }
  lines.push('', 'Not established by this bundle alone:', ...report.notes.map((n) => `  - ${n}`));
  lines.push('', report.ok ? 'VERIFIED: every check passed' : 'NOT VERIFIED: see the failed checks above');
  return `${lines.join('\n')}\n`;
}
