import { expect } from 'chai';
import { matchesSchedule, nextRun, parseSchedule, ScheduleError } from '../src/epcis/schedule';

const at = (iso: string): Date => new Date(iso);
const next = (raw: Record<string, string>, after: string): string | undefined => nextRun(parseSchedule(raw), at(after))?.toISOString();

describe('EPCIS query schedules', function () {
  describe('the grammar (numbers, [low-high] ranges, comma lists)', function () {
    it('parses numbers, ranges and lists into the values they match', function () {
      const s = parseSchedule({ second: '0,[10-12], 30', dayOfWeek: '[1-5]' });
      expect([...(s.second ?? [])]).to.deep.equal([0, 10, 11, 12, 30]);
      expect([...(s.dayOfWeek ?? [])]).to.deep.equal([1, 2, 3, 4, 5]);
      expect(s.minute).to.equal(undefined);
    });

    it('refuses values outside each field range, naming the field and its range', function () {
      for (const [field, value] of [
        ['second', '60'],
        ['minute', '[0-60]'],
        ['hour', '24'],
        ['dayOfMonth', '0'],
        ['month', '13'],
        ['dayOfWeek', '0'],
      ] as const) {
        expect(() => parseSchedule({ [field]: value }), `${field}=${value}`)
          .to.throw(ScheduleError, /outside/)
          .with.property('field', field);
      }
    });

    it('refuses what the grammar does not have: cron stars and steps, bare ranges, backwards ranges, empty elements', function () {
      for (const value of ['*', '0/30', '1-5', '[5-1]', '1,,2', '', 'one', '[1-]']) {
        expect(() => parseSchedule({ second: value }), JSON.stringify(value)).to.throw(ScheduleError);
      }
      expect(() => parseSchedule({ second: '[5-1]' })).to.throw(/backwards/);
    });

    it('refuses a schedule without fields, and one that can never fire', function () {
      expect(() => parseSchedule({})).to.throw(ScheduleError, /no field/);
      expect(() => parseSchedule({ month: '2', dayOfMonth: '30' })).to.throw(ScheduleError, /never fires/);
      expect(() => parseSchedule({ month: '2', dayOfMonth: '29' })).not.to.throw();
    });
  });

  describe('matching (UTC; omitted fields match anything; dayOfWeek 1 = Monday)', function () {
    it('matches a time only when every given field matches', function () {
      const s = parseSchedule({ second: '0', minute: '5', hour: '1' });
      expect(matchesSchedule(s, at('2026-12-07T01:05:00Z'))).to.equal(true);
      expect(matchesSchedule(s, at('2026-12-07T01:05:01Z'))).to.equal(false);
      expect(matchesSchedule(s, at('2026-12-07T02:05:00Z'))).to.equal(false);
    });

    it('numbers the days of the week from Monday (1) to Sunday (7)', function () {
      // 2026-12-07 is a Monday, 2026-12-13 a Sunday.
      expect(matchesSchedule(parseSchedule({ dayOfWeek: '1' }), at('2026-12-07T12:00:00Z'))).to.equal(true);
      expect(matchesSchedule(parseSchedule({ dayOfWeek: '7' }), at('2026-12-13T12:00:00Z'))).to.equal(true);
      expect(matchesSchedule(parseSchedule({ dayOfWeek: '[1-5]' }), at('2026-12-12T12:00:00Z'))).to.equal(false);
    });
  });

  describe('the next run', function () {
    it('is the next second for second [0-59]', function () {
      expect(next({ second: '[0-59]' }, '2026-12-07T10:00:00.400Z')).to.equal('2026-12-07T10:00:01.000Z');
    });

    it('is every second of the matching hour when only the hour is given (the standard\u2019s example 4)', function () {
      expect(next({ hour: '2' }, '2026-12-07T02:00:00Z')).to.equal('2026-12-07T02:00:01.000Z');
      expect(next({ hour: '2' }, '2026-12-07T02:59:59Z')).to.equal('2026-12-08T02:00:00.000Z');
    });

    it('is the next top of the hour on a weekday (the standard\u2019s example 3)', function () {
      const s = { second: '0', minute: '0', dayOfWeek: '[1-5]' };
      expect(next(s, '2026-12-07T10:00:00Z')).to.equal('2026-12-07T11:00:00.000Z');
      // Friday 23:00 → Monday 00:00.
      expect(next(s, '2026-12-11T23:00:00Z')).to.equal('2026-12-14T00:00:00.000Z');
    });

    it('is 2:30:00 the next day once today has passed (the standard\u2019s example 2)', function () {
      expect(next({ second: '0', minute: '30', hour: '2' }, '2026-12-07T02:30:00Z')).to.equal('2026-12-08T02:30:00.000Z');
    });

    it('crosses months and years, and finds 29 February', function () {
      expect(next({ second: '0', minute: '0', hour: '0', dayOfMonth: '1' }, '2026-12-15T00:00:00Z')).to.equal('2027-01-01T00:00:00.000Z');
      expect(next({ second: '0', minute: '0', hour: '0', dayOfMonth: '29', month: '2' }, '2026-03-01T00:00:00Z')).to.equal(
        '2028-02-29T00:00:00.000Z',
      );
    });

    it('agrees with matching second by second over two days of a mixed schedule', function () {
      const s = parseSchedule({ second: '[0-1],30', minute: '[10-11],45', hour: '3,[20-21]', dayOfWeek: '2,7' });
      let t = at('2026-12-07T00:00:00Z');
      for (let i = 0; i < 40; i++) {
        const n = nextRun(s, t);
        if (n === undefined) throw new Error('no next run');
        expect(matchesSchedule(s, n)).to.equal(true);
        for (let x = t.getTime() + 1000; x < n.getTime(); x += 1000) {
          if (matchesSchedule(s, new Date(x))) throw new Error(`skipped ${new Date(x).toISOString()} before ${n.toISOString()}`);
        }
        t = n;
      }
    });
  });
});
