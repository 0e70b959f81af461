import { expect } from 'chai';
import { deliveredEvents } from '../src/routes/events';

describe('GET /events delivery', () => {
  const base = { id: '7:ab', blockNumber: 7, txId: 'ab' };

  it('delivers each domain event an EPCIS capture lists under its own name, then the capture summary without the list', () => {
    const delivered = deliveredEvents({
      ...base,
      type: 'EpcisCaptured',
      payload: {
        type: 'EpcisCaptured',
        lotIds: ['L1'],
        events: [
          { type: 'HoldPlaced', lotId: 'L1', holdId: 'h1', includeDescendants: true },
          { type: 'RecallStarted', lotId: 'L1', recallId: 'r1' },
        ],
      },
    });
    expect(delivered.map((e) => [e.type, e.payload.lotId ?? null])).to.deep.equal([
      ['HoldPlaced', 'L1'],
      ['RecallStarted', 'L1'],
      ['EpcisCaptured', null],
    ]);
    expect(delivered[0]?.payload).to.deep.equal({
      type: 'HoldPlaced',
      lotId: 'L1',
      holdId: 'h1',
      includeDescendants: true,
      via: 'EpcisCaptured',
    });
    expect(delivered[2]?.payload).to.not.have.property('events');
    expect(delivered.every((e) => e.id === '7:ab')).to.equal(true);
  });

  it('delivers any other event as it came', () => {
    const event = { ...base, type: 'HoldPlaced', payload: { lotId: 'L1', events: 'not a list' } };
    expect(deliveredEvents(event)).to.deep.equal([event]);
  });
});
