/**
 * EPCIS query schedules (`schedule` of a subscription): when a scheduled
 * subscription runs.
 *
 * The syntax is the standard's own (EPCIS 1.x QuerySchedule, kept by EPCIS 2.0:
 * GS1's `REST Bindings/query-schedule.json` and the `GS1-Query-Second` …
 * `GS1-Query-DayOfWeek` schemas of its openapi.yaml): each of `second`,
 * `minute`, `hour`, `dayOfMonth`, `month`, `dayOfWeek` is a comma-separated
 * list of numbers and ranges `[low-high]`; a time matches when every field
 * given matches (an omitted field matches any value); `dayOfWeek` runs from 1
 * (Monday) to 7 (Sunday). A value out of its field's range, or a range whose
 * first number is greater than its second, is refused. Lotline evaluates
 * schedules in UTC (the standard lets the service choose the time zone).
 *
 * Not cron: cron writes ranges without brackets, numbers Sunday 0, has no
 * seconds field in its classic form and adds `*`, `/`, `L`, `W`... A cron
 * library would need the standard's syntax translated into its own and its
 * extensions refused, which is as much code as matching the six fields here.
 */

/** The fields of a schedule, each as the standard writes it. */
export const SCHEDULE_FIELDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;
export type ScheduleField = (typeof SCHEDULE_FIELDS)[number];

/** A schedule as a client writes it. */
export type RawSchedule = Partial<Record<ScheduleField, string>>;

/** A parsed schedule: for each field given, the values it matches. */
export type Schedule = Partial<Record<ScheduleField, ReadonlySet<number>>>;

const RANGES: Readonly<Record<ScheduleField, readonly [number, number]>> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [1, 7],
};

/** A schedule the standard's grammar refuses: which field, and why. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  constructor(
    readonly field: ScheduleField | undefined,
    message: string,
  ) {
    super(message);
  }
}

const ELEMENT = /^(?:(\d+)|\[(\d+)-(\d+)\])$/;

function parseField(field: ScheduleField, text: string): ReadonlySet<number> {
  const [low, high] = RANGES[field];
  const hint = `${field} is a comma-separated list of numbers ${low} to ${high} and ranges [low-high], e.g. "${low},[${low + 1}-${low + 4}]"`;
  const values = new Set<number>();
  for (const element of text.split(',')) {
    const match = ELEMENT.exec(element.trim());
    if (match === null) throw new ScheduleError(field, `${field} "${text}": "${element}" is neither a number nor a range; ${hint}`);
    const from = Number(match[1] ?? match[2]);
    const to = Number(match[1] ?? match[3]);
    if (from < low || to > high) throw new ScheduleError(field, `${field} "${text}": ${element} is outside ${low}..${high}; ${hint}`);
    if (from > to) throw new ScheduleError(field, `${field} "${text}": the range ${element} runs backwards; write [low-high]`);
    for (let v = from; v <= to; v++) values.add(v);
  }
  return values;
}

/** Parse a schedule (throws {@link ScheduleError}). At least one field must be given, and the schedule must fire at some time. */
export function parseSchedule(raw: RawSchedule): Schedule {
  const schedule: Partial<Record<ScheduleField, ReadonlySet<number>>> = {};
  for (const field of SCHEDULE_FIELDS) {
    const text = raw[field];
    if (text !== undefined) schedule[field] = parseField(field, text);
  }
  if (Object.keys(schedule).length === 0) {
    throw new ScheduleError(undefined, 'schedule names no field: give at least one of second, minute, hour, dayOfMonth, month, dayOfWeek');
  }
  if (nextRun(schedule, new Date(Date.UTC(2000, 0, 1))) === undefined) {
    throw new ScheduleError(
      undefined,
      'schedule never fires (no day matches its dayOfMonth, month and dayOfWeek together): widen one of them',
    );
  }
  return schedule;
}

/** The UTC fields of a time. */
function fieldsOf(t: Date): Record<ScheduleField, number> {
  return {
    second: t.getUTCSeconds(),
    minute: t.getUTCMinutes(),
    hour: t.getUTCHours(),
    dayOfMonth: t.getUTCDate(),
    month: t.getUTCMonth() + 1,
    dayOfWeek: ((t.getUTCDay() + 6) % 7) + 1,
  };
}

const accepts = (schedule: Schedule, field: ScheduleField, value: number): boolean => schedule[field]?.has(value) ?? true;

/** Whether a time (to the second, UTC) matches the schedule. */
export function matchesSchedule(schedule: Schedule, time: Date): boolean {
  const f = fieldsOf(time);
  return SCHEDULE_FIELDS.every((field) => accepts(schedule, field, f[field]));
}

/** Eight years: every combination of dayOfMonth, month and dayOfWeek recurs within them (29 February included). */
const HORIZON_MS = 8 * 366 * 86_400_000;

/**
 * The first time strictly after `after` (whole seconds, UTC) that matches the
 * schedule; undefined when none does within eight years (it never fires).
 * Skips whole months, days, hours and minutes that cannot match.
 */
export function nextRun(schedule: Schedule, after: Date): Date | undefined {
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const end = after.getTime() + HORIZON_MS;
  while (t.getTime() <= end) {
    const f = fieldsOf(t);
    if (!accepts(schedule, 'month', f.month)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!accepts(schedule, 'dayOfMonth', f.dayOfMonth) || !accepts(schedule, 'dayOfWeek', f.dayOfWeek)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!accepts(schedule, 'hour', f.hour)) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!accepts(schedule, 'minute', f.minute)) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else if (!accepts(schedule, 'second', f.second)) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
    } else return t;
  }
  return undefined;
}
