import { cronIntervals, cronMatchesDay, parseAwsCron } from '../../lib/plan/cron';

function intervals(expr: string) {
  const parsed = parseAwsCron(expr);
  expect(parsed.problems).toEqual([]);
  return cronIntervals(parsed.schedule!, 2028);
}

describe('parseAwsCron', () => {
  test.each([
    ['cron(0 2 * * ? *)', 1440, 1440],
    ['cron(0 */6 * * ? *)', 360, 360],
    ['cron(15,45 * * * ? *)', 30, 30],
    ['cron(0 0/4 * * ? *)', 240, 240],
    ['cron(0 5 ? * SUN *)', 10080, 10080],
    ['cron(0 5 ? * 1 *)', 10080, 10080],
  ])('%s → max gap %i min, min gap %i min', (expr, max, min) => {
    const i = intervals(expr)!;
    expect(i.maxGapMinutes).toBe(max);
    expect(i.minGapMinutes).toBe(min);
  });

  test('weekdays only: the weekend makes the longest gap 3 days', () => {
    const i = intervals('cron(0 2 ? * MON-FRI *)')!;
    expect(i.maxGapMinutes).toBe(3 * 1440);
    expect(i.minGapMinutes).toBe(1440);
  });

  test('last day of the month (L): gaps of 28 to 31 days, 2028 is a leap year', () => {
    const s = parseAwsCron('cron(0 3 L * ? *)').schedule!;
    expect(cronMatchesDay(s, 2028, 2, 29)).toBe(true);
    expect(cronMatchesDay(s, 2028, 2, 28)).toBe(false);
    expect(cronMatchesDay(s, 2029, 2, 28)).toBe(true);
    const i = cronIntervals(s, 2028)!;
    expect(i.maxGapMinutes).toBe(31 * 1440);
    expect(i.minGapMinutes).toBe(28 * 1440);
  });

  test('nth weekday (#): the 3rd Monday of March 2028 is the 20th', () => {
    const s = parseAwsCron('cron(0 0 ? * MON#3 *)').schedule!;
    expect(cronMatchesDay(s, 2028, 3, 20)).toBe(true);
    expect(cronMatchesDay(s, 2028, 3, 13)).toBe(false);
  });

  test('last Friday of the month (6L)', () => {
    const s = parseAwsCron('cron(0 0 ? * 6L *)').schedule!;
    expect(cronMatchesDay(s, 2028, 3, 31)).toBe(true); // Friday 31 March 2028
    expect(cronMatchesDay(s, 2028, 3, 24)).toBe(false);
  });

  test('nearest weekday (W): 1W on a Saturday moves to Monday the 3rd', () => {
    // 1 April 2028 is a Saturday.
    const s = parseAwsCron('cron(0 0 1W * ? *)').schedule!;
    expect(cronMatchesDay(s, 2028, 4, 3)).toBe(true);
    expect(cronMatchesDay(s, 2028, 4, 1)).toBe(false);
    // 15W: 15 April 2028 is a Saturday → Friday 14th.
    const mid = parseAwsCron('cron(0 0 15W * ? *)').schedule!;
    expect(cronMatchesDay(mid, 2028, 4, 14)).toBe(true);
  });

  test('month names and ranges: JAN-MAR on the 1st', () => {
    const s = parseAwsCron('cron(0 0 1 JAN-MAR ? *)').schedule!;
    expect(cronMatchesDay(s, 2028, 2, 1)).toBe(true);
    expect(cronMatchesDay(s, 2028, 4, 1)).toBe(false);
    expect(cronIntervals(s, 2028)!.maxGapMinutes).toBe((366 - 60) * 1440); // 1 Mar 2028 → 1 Jan 2029
  });

  test('a year in the past never fires twice', () => {
    const s = parseAwsCron('cron(0 0 1 1 ? 2020)').schedule!;
    expect(cronIntervals(s, 2028)).toBeUndefined();
  });

  test.each([
    ['0 2 * * ? *', /must look like cron\(/],
    ['cron(0 2 * * ?)', /must have 6 fields .* got 5/],
    ['cron(0 2 * * * *)', /exactly one of day-of-month \("\*"\) and day-of-week \("\*"\) must be "\?"/],
    ['cron(0 2 ? * ? *)', /exactly one of day-of-month/],
    ['cron(60 2 * * ? *)', /minutes field: 60 is outside 0-59/],
    ['cron(0 24 * * ? *)', /hours field: 24 is outside 0-23/],
    ['cron(0 2 32 * ? *)', /day-of-month field: 32 is outside 1-31/],
    ['cron(0 2 * 13 ? *)', /month field: 13 is outside 1-12/],
    ['cron(0 2 ? * 8 *)', /day-of-week field: 8 is outside 1-7/],
    ['cron(0 2 ? * MON#6 *)', /weekday#n with n in 1-5/],
    ['cron(0 2 * * ? 1900)', /year field: 1900 is outside 1970-2199/],
    ['cron(0 5-2 * * ? *)', /range "5-2" runs backwards/],
    ['cron(0 */0 * * ? *)', /step "0" .* must be a positive integer/],
    ['cron(x 2 * * ? *)', /minutes field: "x" is not a number/],
    ['cron(0 2 * FOO ? *)', /month field: "FOO" is not a number or a name \(JAN-DEC\)/],
    ['cron(0 2 5X * ? *)', /day-of-month field/],
  ])('%s is rejected: %s', (expr, message) => {
    const parsed = parseAwsCron(expr);
    expect(parsed.schedule).toBeUndefined();
    expect(parsed.problems.join('\n')).toMatch(message);
  });

  test('several field problems are reported together', () => {
    const parsed = parseAwsCron('cron(61 25 * * ? *)');
    expect(parsed.problems).toHaveLength(2);
  });
});
