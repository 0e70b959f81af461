import { expect } from 'chai';
import { recallCsv, recallText } from '../src/render/text';
import { renderTree } from '../src/render/tree';
import { organisationsToNotify, recallRows } from '../src/recall-report';
import { categorize } from '../src/status';
import { diamond, node, report } from './fixtures';

describe('renderTree', () => {
  it('prints the root first, then each child indented under its parent with the edge quantity', () => {
    const lines = renderTree(diamond);
    expect(lines[0]).to.match(/^X:A {2}Part A {2}10 EA {2}held by PartsCoMSP {2}\[RECALLED\]$/);
    expect(lines[1]).to.equal('├─ X:B  Part B  10 EA  held by PartsCoMSP  (took 5 EA)');
    expect(lines[2]).to.match(/^│  └─ X:D .*\[AFFECTED BY A RECALL\]  \(took 2 EA\)$/);
    expect(lines[3]).to.equal('└─ X:C  Part C  10 EA  held by PartsCoMSP  (took 5 EA)');
  });

  it('when a lot is reached twice, prints it in full once and refers back the second time', () => {
    const lines = renderTree(diamond);
    expect(lines.filter((l) => l.includes('X:D'))).to.have.length(2);
    expect(lines[4]).to.equal('   └─ X:D  (took 3 EA)  ^ see above');
  });

  it('draws with ASCII when asked, and reads a backward trace as "consumed"', () => {
    const backward = { ...diamond, direction: 'backward' as const, root: 'X:D' };
    const lines = renderTree(backward, { ascii: true });
    expect(lines[1]).to.match(/^\|- X:B .*\(2 EA consumed\)$/);
    expect(lines.join('\n')).to.not.match(/[├└│]/);
  });

  it('says when the trace was truncated and how to see more', () => {
    const lines = renderTree({ ...diamond, truncated: true });
    expect(lines.at(-1)).to.match(/truncated at depth 10 .* raise --depth or --max-nodes/);
  });

  it('names lots that an edge points to but the trace did not return', () => {
    const lines = renderTree({ ...diamond, nodes: diamond.nodes.filter((n) => n.id !== 'X:C') });
    expect(lines.some((l) => l.includes('X:C  (not returned: beyond the trace bounds)'))).to.equal(true);
  });
});

describe('categorize', () => {
  it('ranks an own recall over an inherited recall over a hold over verdicts', () => {
    expect(categorize(node('a', 0, { status: 'recalled', latestVerdict: 'fail' }))).to.equal('recalled');
    expect(categorize(node('a', 0, { status: 'on_hold', affectedBy: [{ kind: 'recall', sourceLotId: 'b', eventId: 'e' }] }))).to.equal(
      'affected',
    );
    expect(categorize(node('a', 0, { affectedBy: [{ kind: 'hold', sourceLotId: 'b', eventId: 'e' }], latestVerdict: 'fail' }))).to.equal(
      'on_hold',
    );
    expect(categorize(node('a', 0, { latestVerdict: 'fail' }))).to.equal('failed');
    expect(categorize(node('a', 0, { latestVerdict: 'pass' }))).to.equal('passed');
    expect(categorize(node('a', 0, { latestVerdict: 'conditional' }))).to.equal('none');
  });
});

describe('recall report', () => {
  it('has a header row and one row per affected lot with its custodian', () => {
    const rows = recallRows(report);
    expect(rows[0]).to.deep.equal(['recallId', 'sourceLotId', 'lotId', 'depth', 'custodian', 'producer', 'status']);
    expect(rows[2]).to.deep.equal(['RCL-1', 'PartsCoMSP:PLATE-1', 'AssemblyCoMSP:SEAT-1', '1', 'AssemblyCoMSP', 'AssemblyCoMSP', 'active']);
  });

  it('renders CSV with one line per row', () => {
    const csv = recallCsv(report);
    expect(csv.trimEnd().split('\n')).to.deep.equal([
      'recallId,sourceLotId,lotId,depth,custodian,producer,status',
      'RCL-1,PartsCoMSP:PLATE-1,PartsCoMSP:PLATE-1,0,PartsCoMSP,PartsCoMSP,recalled',
      'RCL-1,PartsCoMSP:PLATE-1,AssemblyCoMSP:SEAT-1,1,AssemblyCoMSP,AssemblyCoMSP,active',
    ]);
  });

  it('lists each organisation to notify once', () => {
    expect(organisationsToNotify(report)).to.deep.equal(['AssemblyCoMSP', 'PartsCoMSP']);
    expect(recallText(report)[2]).to.equal('2 affected lots; notify: AssemblyCoMSP, PartsCoMSP');
  });
});
