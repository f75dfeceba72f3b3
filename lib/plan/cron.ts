/**
 * A parser and evaluator for AWS `cron(...)` schedule expressions (EventBridge, EventBridge
 * Scheduler and AWS Backup rules share this syntax).
 *
 * Six fields: minutes hours day-of-month month day-of-week year. Exactly one of day-of-month and
 * day-of-week is `?`. Supported: `*`, `,`, `-`, `/`, month names JAN-DEC, weekday names SUN-SAT
 * (1 = SUN ... 7 = SAT), `L` (last day of month, or `nL` last weekday n of the month), `L-n`,
 * `nW` / `LW` (nearest weekday), `n#k` (k-th weekday n of the month). Times are UTC.
 *
 * The interval between runs is computed by walking real calendar days, so schedules such as
 * "weekdays only", "last day of the month" or "the 3rd Monday" get their true longest gap.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */

/** A field that matches a fixed set of numbers (minutes, hours, months, years). */
type NumberSet = ReadonlySet<number>;

/** One item of the day-of-month field. */
type DayOfMonthItem =
  | { kind: 'set'; days: NumberSet }
  | { kind: 'last'; offset: number }
  | { kind: 'nearestWeekday'; day: number }
  | { kind: 'lastWeekday' };

/** One item of the day-of-week field (weekday 1 = Sunday ... 7 = Saturday). */
type DayOfWeekItem =
  | { kind: 'set'; weekdays: NumberSet }
  | { kind: 'lastOfMonth'; weekday: number }
  | { kind: 'nth'; weekday: number; nth: number };

/** A parsed, valid AWS cron expression. */
export interface CronSchedule {
  /** The expression as given, e.g. `cron(0 2 * * ? *)`. */
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: NumberSet;
  readonly years: NumberSet | undefined;
  readonly dayOfMonth: readonly DayOfMonthItem[] | undefined;
  readonly dayOfWeek: readonly DayOfWeekItem[] | undefined;
}

/** Result of `parseAwsCron`: either a schedule or the problems found, one line each. */
export interface CronParseResult {
  readonly schedule?: CronSchedule;
  readonly problems: string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELD_NAMES = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];

interface Range { readonly min: number; readonly max: number; readonly names?: readonly string[] }
const RANGES: Record<'minutes' | 'hours' | 'dom' | 'month' | 'dow' | 'year', Range> = {
  minutes: { min: 0, max: 59 },
  hours: { min: 0, max: 23 },
  dom: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: MONTH_NAMES },
  dow: { min: 1, max: 7, names: DAY_NAMES },
  year: { min: 1970, max: 2199 },
};

class CronFieldError extends Error {}

function parseValue(text: string, range: Range, field: string): number {
  const upper = text.toUpperCase();
  if (range.names) {
    const index = range.names.indexOf(upper);
    if (index >= 0) {
      return range.min + index;
    }
  }
  if (!/^\d+$/.test(text)) {
    throw new CronFieldError(`${field} field: "${text}" is not a number${range.names ? ` or a name (${range.names[0]}-${range.names[range.names.length - 1]})` : ''}`);
  }
  const value = Number(text);
  if (value < range.min || value > range.max) {
    throw new CronFieldError(`${field} field: ${value} is outside ${range.min}-${range.max}`);
  }
  return value;
}

/** Parses `*`, `a`, `a-b`, with an optional `/step`, comma-separated, into a set of numbers. */
function parseNumberList(text: string, range: Range, field: string): Set<number> {
  const result = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') {
      throw new CronFieldError(`${field} field: empty item in "${text}"`);
    }
    addRangeItem(result, part, range, field);
  }
  return result;
}

function addRangeItem(result: Set<number>, part: string, range: Range, field: string): void {
  const [base, stepText, extra] = part.split('/');
  if (extra !== undefined) {
    throw new CronFieldError(`${field} field: "${part}" has more than one "/"`);
  }
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
      throw new CronFieldError(`${field} field: step "${stepText}" in "${part}" must be a positive integer`);
    }
    step = Number(stepText);
  }
  let from: number;
  let to: number;
  if (base === '*') {
    from = range.min;
    to = range.max;
  } else if (base.includes('-')) {
    const [a, b, more] = base.split('-');
    if (more !== undefined || a === '' || b === '') {
      throw new CronFieldError(`${field} field: "${base}" is not a range`);
    }
    from = parseValue(a, range, field);
    to = parseValue(b, range, field);
    if (from > to) {
      throw new CronFieldError(`${field} field: range "${base}" runs backwards`);
    }
  } else {
    from = parseValue(base, range, field);
    // "5/15" means from 5 to the end of the range every 15, as in EventBridge.
    to = stepText !== undefined ? range.max : from;
  }
  for (let v = from; v <= to; v += step) {
    result.add(v);
  }
}

function parseDayOfMonth(text: string): DayOfMonthItem[] {
  const items: DayOfMonthItem[] = [];
  for (const part of text.split(',')) {
    const upper = part.toUpperCase();
    if (upper === 'L') {
      items.push({ kind: 'last', offset: 0 });
    } else if (/^L-\d+$/.test(upper)) {
      const offset = Number(upper.slice(2));
      if (offset > 30) {
        throw new CronFieldError(`day-of-month field: "${part}" offset ${offset} is more than 30`);
      }
      items.push({ kind: 'last', offset });
    } else if (upper === 'LW') {
      items.push({ kind: 'lastWeekday' });
    } else if (/^\d+W$/.test(upper)) {
      items.push({ kind: 'nearestWeekday', day: parseValue(upper.slice(0, -1), RANGES.dom, 'day-of-month') });
    } else if (/[LW#]/i.test(part)) {
      throw new CronFieldError(`day-of-month field: "${part}" is not valid (use L, L-n, nW or LW)`);
    } else {
      const days = new Set<number>();
      addRangeItem(days, part, RANGES.dom, 'day-of-month');
      items.push({ kind: 'set', days });
    }
  }
  return items;
}

function parseDayOfWeek(text: string): DayOfWeekItem[] {
  const items: DayOfWeekItem[] = [];
  for (const part of text.split(',')) {
    const upper = part.toUpperCase();
    if (upper === 'L') {
      // A lone L in day-of-week is the last day of the week: Saturday.
      items.push({ kind: 'set', weekdays: new Set([7]) });
    } else if (/^[A-Z0-9]+L$/.test(upper)) {
      items.push({ kind: 'lastOfMonth', weekday: parseValue(upper.slice(0, -1), RANGES.dow, 'day-of-week') });
    } else if (upper.includes('#')) {
      const [dayText, nthText, more] = upper.split('#');
      if (more !== undefined || !/^[1-5]$/.test(nthText ?? '')) {
        throw new CronFieldError(`day-of-week field: "${part}" must be weekday#n with n in 1-5`);
      }
      items.push({ kind: 'nth', weekday: parseValue(dayText, RANGES.dow, 'day-of-week'), nth: Number(nthText) });
    } else if (/[LW]$/.test(upper) && !DAY_NAMES.some((n) => upper.includes(n))) {
      throw new CronFieldError(`day-of-week field: "${part}" is not valid`);
    } else {
      const weekdays = new Set<number>();
      addRangeItem(weekdays, part, RANGES.dow, 'day-of-week');
      items.push({ kind: 'set', weekdays });
    }
  }
  return items;
}

/**
 * Parses an AWS `cron(...)` expression. Never throws: every problem is returned, naming the
 * field and the bad text, so a plan loader can report it next to the JSON path.
 */
export function parseAwsCron(expression: string): CronParseResult {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) {
    return { problems: [`must look like cron(minutes hours day-of-month month day-of-week year), got "${expression}"`] };
  }
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) {
    return { problems: [`must have 6 fields (${FIELD_NAMES.join(' ')}), got ${fields.length} in "${expression}"`] };
  }
  const [minText, hourText, domText, monthText, dowText, yearText] = fields;
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CronFieldError) {
        problems.push(`${e.message} in "${expression}"`);
        return undefined;
      }
      throw e;
    }
  };
  const minutes = attempt(() => parseNumberList(minText, RANGES.minutes, 'minutes'));
  const hours = attempt(() => parseNumberList(hourText, RANGES.hours, 'hours'));
  const months = attempt(() => parseNumberList(monthText, RANGES.month, 'month'));
  const years = yearText === '*' ? undefined : attempt(() => parseNumberList(yearText, RANGES.year, 'year'));
  const domIsQ = domText === '?';
  const dowIsQ = dowText === '?';
  if (domIsQ === dowIsQ) {
    problems.push(`exactly one of day-of-month ("${domText}") and day-of-week ("${dowText}") must be "?" in "${expression}"`);
  }
  const dayOfMonth = domIsQ ? undefined : attempt(() => parseDayOfMonth(domText));
  const dayOfWeek = dowIsQ ? undefined : attempt(() => parseDayOfWeek(dowText));
  for (const [name, text] of [['minutes', minText], ['hours', hourText], ['month', monthText], ['year', yearText]] as const) {
    if (text === '?') {
      problems.push(`${name} field: "?" is only allowed in day-of-month or day-of-week in "${expression}"`);
    }
  }
  if (problems.length > 0 || !minutes || !hours || !months) {
    return { problems };
  }
  return {
    problems,
    schedule: {
      expression,
      minutes: [...minutes].sort((a, b) => a - b),
      hours: [...hours].sort((a, b) => a - b),
      months,
      years,
      dayOfMonth,
      dayOfWeek,
    },
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Weekday of a UTC date in cron numbering: 1 = Sunday ... 7 = Saturday. */
function cronWeekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  const day = Math.min(target, last);
  const wd = cronWeekday(year, month, day);
  if (wd === 7) {
    // Saturday: Friday before, unless that leaves the month.
    return day === 1 ? 3 : day - 1;
  }
  if (wd === 1) {
    return day === last ? day - 2 : day + 1;
  }
  return day;
}

/** True when the schedule fires on the given UTC calendar day (month 1-12). */
export function cronMatchesDay(s: CronSchedule, year: number, month: number, day: number): boolean {
  if (!s.months.has(month) || (s.years && !s.years.has(year))) {
    return false;
  }
  const last = daysInMonth(year, month);
  if (s.dayOfMonth) {
    return s.dayOfMonth.some((item) => {
      switch (item.kind) {
        case 'set': return item.days.has(day);
        case 'last': return day === last - item.offset;
        case 'nearestWeekday': return item.day <= last ? day === nearestWeekday(year, month, item.day) : false;
        case 'lastWeekday': return day === nearestWeekday(year, month, last);
      }
    });
  }
  if (s.dayOfWeek) {
    const wd = cronWeekday(year, month, day);
    return s.dayOfWeek.some((item) => {
      switch (item.kind) {
        case 'set': return item.weekdays.has(wd);
        case 'lastOfMonth': return wd === item.weekday && day + 7 > last;
        case 'nth': return wd === item.weekday && Math.ceil(day / 7) === item.nth;
      }
    });
  }
  return false;
}

/** Gaps between runs over an evaluation window. */
export interface CronIntervals {
  /** Longest time between two consecutive runs, in minutes (the worst-case RPO of the tier). */
  readonly maxGapMinutes: number;
  /** Shortest time between two consecutive runs, in minutes. */
  readonly minGapMinutes: number;
  /** Number of runs found in the window. */
  readonly runs: number;
}

const MINUTES_PER_DAY = 1440;

/**
 * Walks every calendar day of `years` years from `fromYear`-01-01 (UTC) and measures the gaps
 * between consecutive runs. Four years cover a leap year, so "L" and "29" schedules are seen in
 * full. Returns undefined when the schedule fires fewer than twice in the window (for example a
 * year field in the past).
 */
export function cronIntervals(s: CronSchedule, fromYear: number = new Date().getUTCFullYear(), years = 4): CronIntervals | undefined {
  return combinedCronIntervals([s], fromYear, years);
}

/**
 * The gaps between consecutive runs of any of several schedules (a weekly full and a daily
 * incremental backup are one backup every day), measured as {@link cronIntervals} does.
 */
export function combinedCronIntervals(schedules: readonly CronSchedule[], fromYear: number = new Date().getUTCFullYear(), years = 4): CronIntervals | undefined {
  const timesOfDay = schedules.map((s) => {
    const times: number[] = [];
    for (const h of s.hours) {
      for (const m of s.minutes) {
        times.push(h * 60 + m);
      }
    }
    return times;
  });
  let maxGap = 0;
  let minGap = Number.POSITIVE_INFINITY;
  let runs = 0;
  let previous: number | undefined;
  // Minutes since the start of the window.
  let dayStart = 0;
  for (let year = fromYear; year < fromYear + years; year++) {
    for (let month = 1; month <= 12; month++) {
      const last = daysInMonth(year, month);
      for (let day = 1; day <= last; day++, dayStart += MINUTES_PER_DAY) {
        const today = new Set<number>();
        schedules.forEach((s, i) => {
          if (cronMatchesDay(s, year, month, day)) timesOfDay[i].forEach((t) => today.add(t));
        });
        for (const t of [...today].sort((a, b) => a - b)) {
          const at = dayStart + t;
          if (previous !== undefined) {
            maxGap = Math.max(maxGap, at - previous);
            minGap = Math.min(minGap, at - previous);
          }
          previous = at;
          runs++;
        }
      }
    }
  }
  if (runs < 2) {
    return undefined;
  }
  return { maxGapMinutes: maxGap, minGapMinutes: minGap, runs };
}

/** Describes an interval in words for messages: "every 1440 min (daily)". */
export function describeInterval(minutes: number): string {
  const named: Record<number, string> = { 60: 'hourly', 1440: 'daily', 10080: 'weekly' };
  const name = named[minutes];
  return name ? `every ${minutes} min (${name})` : `every ${minutes} min`;
}
