import { EVENTS } from '@lotline/domain';
import { expect } from 'chai';
import { expectCode, lotJson, transfer, world, type World } from './support/fixtures';

const P1 = 'PartsCoMSP:P1';
const SHA = 'a'.repeat(64);

function inspection(verdict: string, measurements: unknown[] = [], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ verdict, measurements, certificate: { sha256: SHA, uri: 'https://lab.example/cert/1.pdf' }, ...extra });
}

const inLimits = { characteristic: 'hardness', value: 52, unit: 'HRC', lower: 50, upper: 55 };
const outOfLimits = { characteristic: 'hardness', value: 57, unit: 'HRC', lower: 50, upper: 55 };

describe('Quality:RecordInspection', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
  });

  it('records the verdict with recorder MSP, certificate id, role and tx time', async () => {
    const event = await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass', [inLimits]));
    expect(event).to.include({ type: 'inspection', verdict: 'pass', lotId: P1, eventId: w.net.last?.txId });
    expect(event.recordedBy).to.deep.equal({
      msp: 'PartsCoMSP',
      role: 'inspector',
      certId: 'x509::/C=US/O=PartsCoMSP/OU=client/CN=inspector::/C=US/O=PartsCoMSP/CN=ca.PartsCoMSP',
    });
    expect(event.recordedAt).to.equal('2026-01-01T00:00:02.500Z');
    expect(w.net.events.at(-1)).to.deep.include({ name: EVENTS.InspectionRecorded });
  });

  it('shows the latest verdict on ReadLot', async () => {
    await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass', [inLimits]));
    const latest = await w.cityInspector.submit('Quality:RecordInspection', P1, inspection('fail', [outOfLimits]));
    const lot = await w.bankAuditor.evaluate('Lot:ReadLot', P1);
    expect(lot.latestInspection).to.include({ verdict: 'fail', eventId: latest.eventId });
  });

  it('refuses a pass verdict with a measurement outside its limits', async () => {
    const message = await expectCode(
      w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass', [inLimits, outOfLimits])),
      'INVALID_ARGUMENT',
    );
    expect(message).to.contain('hardness');
  });

  it('accepts fail and conditional verdicts with out-of-limit measurements', async () => {
    await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('fail', [outOfLimits]));
    await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('conditional', [outOfLimits]));
  });

  it('accepts a measurement exactly on a limit as within it', async () => {
    await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass', [{ ...inLimits, value: 55 }]));
  });

  it('refuses measurements whose lower limit exceeds the upper, unknown verdicts and bad hashes', async () => {
    await expectCode(
      w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass', [{ ...inLimits, lower: 60 }])),
      'INVALID_ARGUMENT',
    );
    await expectCode(w.partsInspector.submit('Quality:RecordInspection', P1, inspection('ok')), 'INVALID_ARGUMENT');
    await expectCode(
      w.partsInspector.submit(
        'Quality:RecordInspection',
        P1,
        JSON.stringify({ verdict: 'pass', certificate: { sha256: 'xyz', uri: 'https://x.example' } }),
      ),
      'INVALID_ARGUMENT',
    );
  });

  it('lets City’s inspector inspect any lot, but not another firm’s inspector', async () => {
    await w.cityInspector.submit('Quality:RecordInspection', P1, inspection('pass'));
    await expectCode(w.assemblyInspector.submit('Quality:RecordInspection', P1, inspection('pass')), 'FORBIDDEN');
  });

  it('refuses the custodian’s quality manager and auditor (inspectors only)', async () => {
    await expectCode(w.partsQm.submit('Quality:RecordInspection', P1, inspection('pass')), 'FORBIDDEN');
    await expectCode(w.partsAuditor.submit('Quality:RecordInspection', P1, inspection('pass')), 'FORBIDDEN');
  });

  it('follows custody: after a transfer the new custodian’s inspector may inspect', async () => {
    await transfer(w.partsQm, w.assemblyQm, P1);
    await w.assemblyInspector.submit('Quality:RecordInspection', P1, inspection('pass'));
    await expectCode(w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass')), 'FORBIDDEN');
  });

  it('answers LOT_NOT_FOUND for an unknown lot', async () => {
    await expectCode(w.cityInspector.submit('Quality:RecordInspection', 'PartsCoMSP:none', inspection('pass')), 'LOT_NOT_FOUND');
  });
});

describe('Quality:RecordQualityEvent and ListQualityEvents', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
  });

  it('records a nonconformance and a corrective action that corrects it, each under its own key', async () => {
    const nc = await w.partsQm.submit(
      'Quality:RecordQualityEvent',
      P1,
      JSON.stringify({ type: 'nonconformance', description: 'burrs on edge' }),
    );
    const ca = await w.partsInspector.submit(
      'Quality:RecordQualityEvent',
      P1,
      JSON.stringify({ type: 'corrective_action', description: 'deburring added', reference: 'CAPA-7', correctsEventId: nc.eventId }),
    );
    expect(ca).to.include({ correctsEventId: nc.eventId, reference: 'CAPA-7' });
    expect(w.net.events.at(-1)?.payload).to.include({ type: EVENTS.QualityEventRecorded, lotId: P1, eventType: 'corrective_action' });
    expect(w.net.readQualityEvent(P1, nc.eventId).type).to.equal('nonconformance');
    const list = await w.bankAuditor.evaluate('Quality:ListQualityEvents', P1, '100', '');
    expect(list.events.map((e: { type: string }) => e.type)).to.deep.equal(['nonconformance', 'corrective_action']);
    expect(list.bookmark).to.equal('');
  });

  it('refuses correctsEventId that is unknown or not a nonconformance', async () => {
    await expectCode(
      w.partsQm.submit(
        'Quality:RecordQualityEvent',
        P1,
        JSON.stringify({ type: 'corrective_action', description: 'x', correctsEventId: 'abc' }),
      ),
      'NOT_FOUND',
    );
    const insp = await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('fail'));
    await expectCode(
      w.partsQm.submit(
        'Quality:RecordQualityEvent',
        P1,
        JSON.stringify({ type: 'corrective_action', description: 'x', correctsEventId: insp.eventId }),
      ),
      'INVALID_ARGUMENT',
    );
  });

  it('refuses event types other than nonconformance and corrective_action', async () => {
    await expectCode(
      w.partsQm.submit('Quality:RecordQualityEvent', P1, JSON.stringify({ type: 'recall', description: 'x' })),
      'INVALID_ARGUMENT',
    );
  });

  it('refuses an auditor and an unrelated firm', async () => {
    const json = JSON.stringify({ type: 'nonconformance', description: 'x' });
    await expectCode(w.partsAuditor.submit('Quality:RecordQualityEvent', P1, json), 'FORBIDDEN');
    await expectCode(w.assemblyQm.submit('Quality:RecordQualityEvent', P1, json), 'FORBIDDEN');
  });

  it('lists every kind of event of the lot, oldest first', async () => {
    await w.partsInspector.submit('Quality:RecordInspection', P1, inspection('pass'));
    const hold = await w.partsQm.submit('Quality:PlaceHold', P1, JSON.stringify({ reason: 'r', includeDescendants: false }));
    await w.partsQm.submit('Quality:ReleaseHold', P1, hold.holdId, 'ok');
    await w.partsQm.submit('Quality:StartRecall', P1, JSON.stringify({ reason: 'r' }));
    const list = await w.partsAuditor.evaluate('Quality:ListQualityEvents', P1, '100', '');
    expect(list.events.map((e: { type: string }) => e.type)).to.deep.equal(['inspection', 'hold', 'release', 'recall']);
  });

  it('lists more than 1000 events in time order, page by page with bookmarks, without repeats or gaps', async function () {
    this.timeout(60_000);
    const recorded: string[] = [];
    for (let i = 0; i < 1003; i++) {
      const event = await w.partsQm.submit(
        'Quality:RecordQualityEvent',
        P1,
        JSON.stringify({ type: 'nonconformance', description: `n${i}` }),
      );
      recorded.push(event.eventId);
    }
    // Event ids are transaction ids, in no particular order: only a time-ordered key lists them as recorded.
    expect([...recorded].sort()).not.to.deep.equal(recorded);
    const first = await w.bankAuditor.evaluate('Quality:ListQualityEvents', P1, '1000', '');
    expect(first.events).to.have.length(1000);
    expect(first.bookmark).to.be.a('string').and.not.equal('');
    const second = await w.bankAuditor.evaluate('Quality:ListQualityEvents', P1, '1000', first.bookmark);
    expect(second.bookmark).to.equal('');
    expect([...first.events, ...second.events].map((e: { eventId: string }) => e.eventId)).to.deep.equal(recorded);
  });

  it('refuses a bookmark of another lot with INVALID_ARGUMENT', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:OTHER'));
    for (const lotId of [P1, 'PartsCoMSP:OTHER'])
      for (let i = 0; i < 2; i++)
        await w.partsQm.submit('Quality:RecordQualityEvent', lotId, JSON.stringify({ type: 'nonconformance', description: 'x' }));
    const page = await w.bankAuditor.evaluate('Quality:ListQualityEvents', 'PartsCoMSP:OTHER', '1', '');
    await expectCode(w.bankAuditor.evaluate('Quality:ListQualityEvents', P1, '1', page.bookmark), 'INVALID_ARGUMENT');
  });
});
