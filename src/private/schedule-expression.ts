import { Duration, aws_events as events } from 'aws-cdk-lib';

/**
 * What Secrets Manager accepts as a rotation `ScheduleExpression`, checked at synth so a bad one fails before
 * the deployment does.
 *
 * - `rate(N hour|hours|day|days)`: at least every 4 hours, at most every 999 days ("The maximum rotation period is
 *   999 days").
 * - `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: six fields, minutes `0` (rotation windows open on
 *   the hour), year `*` (schedules more than a year apart are not supported); rotations at least 4 hours apart.
 *   Day-of-month 1-31 with `, - * ? / L`, month 1-12 or JAN-DEC with `, - * /`, day-of-week 1-7 or SUN-SAT with
 *   `# , - * ? / L`, and `?` in one of the two day fields ("You can't specify the Day-of-month and Day-of-week fields
 *   in the same cron expression. If you specify a value in one of the fields, you must use a ? in the other").
 *   An hour field with increments resets each day (`0/12` is 0:00 and 12:00), so the gaps checked are those
 *   between the hours of one day and, when every day rotates, the one across midnight: AWS's own example
 *   `cron(0 2/10 * * ? *)` runs "2:00, 12:00, and 22:00, and then the next day at 2:00".
 * - With a rotation window (`windowHours`): it must end before the next rotation (for a schedule in hours, "less
 *   than or equal to the number of hours between rotations") and must not run into the next UTC day (start hour
 *   plus window at most 24; a rate() window starts at midnight).
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
 */
export function scheduleExpressionErrors(expression: string, windowHours?: number): string[] {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return rateErrors(expression, rate[1].trim(), windowHours, expressionSource(expression));
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronErrors(expression, cron[1].trim().split(/\s+/), windowHours);
  return [`\`scheduleExpression\` must be a rate(...) or cron(...) expression, got "${expression}"; e.g. "rate(30 days)" or "cron(0 4 ? * SUN *)".`];
}

/**
 * What is wrong with `automaticallyAfter` as Secrets Manager will see it. aws-cdk-lib's RotationSchedule only checks
 * 4 hours to 1000 days and renders the Duration with `Schedule.rate`: `rate(1000 days)`, or `rate(270 minutes)` for a
 * Duration that is not whole hours, both of which Secrets Manager refuses at deploy ("Unit can be hour, hours, day,
 * or days"; "The maximum rotation period is 999 days"). The rendered expression is checked as a `scheduleExpression`
 * is, with the window.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
 */
export function automaticallyAfterErrors(after: Duration, windowHours?: number): string[] {
  const millis = after.toMilliseconds();
  const write = (value: number, unit: 'hours' | 'days') => `Duration.${unit}(${value})`;
  if (millis % HOUR_MILLIS !== 0) {
    const hours = millis / HOUR_MILLIS;
    const [lower, upper] = [Math.max(MIN_HOURS, Math.floor(hours)), Math.max(MIN_HOURS, Math.ceil(hours))];
    const rendered = renderedRate(after);
    return [`\`automaticallyAfter\` of ${after.toHumanString()} is not a whole number of hours${rendered ? ` (aws-cdk-lib would render "${rendered}")` : ''}; `
      + `Secrets Manager's rate() counts hours or days: use ${lower === upper ? write(lower, 'hours') : `${write(lower, 'hours')} or ${write(upper, 'hours')}`}.`];
  }
  // A zero Duration renders no rate at all (Schedule.rate refuses it): report it as too frequent, as before.
  const expression = renderedRate(after) ?? 'rate(0 hours)';
  const match = /^rate\((.*)\)$/.exec(expression)!;
  return rateErrors(expression, match[1], windowHours, {
    subject: '`automaticallyAfter`',
    schedule: `\`automaticallyAfter\` (${after.toHumanString()}, rendered "${expression}")`,
    write,
  });
}

/** The rate() aws-cdk-lib's RotationSchedule renders for `after`, or undefined when it renders none. */
function renderedRate(after: Duration): string | undefined {
  try {
    return events.Schedule.rate(after).expressionString;
  } catch {
    // Below a minute, or zero: Schedule.rate has no expression for it.
    return undefined;
  }
}

/** How messages about a rate name the prop it came from and write a value that works. */
interface RateSource {
  /** The prop, e.g. "`scheduleExpression`". */
  readonly subject: string;
  /** The schedule as the rotation window's message names it. */
  readonly schedule: string;
  /** A rate of `value` `unit` as the user would write it in that prop. */
  readonly write: (value: number, unit: 'hours' | 'days') => string;
}

function expressionSource(expression: string): RateSource {
  return {
    subject: '`scheduleExpression`',
    schedule: `\`scheduleExpression\` "${expression}"`,
    write: (value, unit) => `"rate(${value} ${unit})"`,
  };
}

const HOUR_MILLIS = 3_600_000;
const MIN_HOURS = 4;
const MAX_RATE_DAYS = 999;

function rateErrors(expression: string, body: string, windowHours: number | undefined, source: RateSource): string[] {
  const match = /^(\d+)\s+(hour|hours|day|days)$/.exec(body);
  if (!match) return [`${source.subject} "${expression}" must count hours or days, as in ${source.write(12, 'hours')} or ${source.write(30, 'days')}.`];
  const value = Number(match[1]);
  const hours = match[2].startsWith('hour') ? value : value * 24;
  const every = `${value} ${match[2]}`;
  if (hours < MIN_HOURS) {
    return [`${source.subject} rotates every ${every}; Secrets Manager rotates at most every ${MIN_HOURS} hours: use ${source.write(MIN_HOURS, 'hours')} or longer.`];
  }
  if (hours > MAX_RATE_DAYS * 24) {
    return [`${source.subject} rotates every ${every}; Secrets Manager allows at most ${MAX_RATE_DAYS} days between rotations: use ${source.write(MAX_RATE_DAYS, 'days')} or less.`];
  }
  if (windowHours !== undefined && hours < 24 && windowHours > hours) return [windowLongerThanGap(source.schedule, windowHours, hours)];
  return [];
}

function windowLongerThanGap(schedule: string, windowHours: number, gap: number): string {
  return `\`rotationWindow\` of ${windowHours} hours is longer than the ${gap} hours between rotations of ${schedule}; `
    + `shorten it to at most ${gap} hours.`;
}

function cronErrors(expression: string, fields: string[], windowHours?: number): string[] {
  if (fields.length !== 6) {
    return [`\`scheduleExpression\` "${expression}" must have six fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${fields.length}; e.g. "cron(0 4 ? * SUN *)".`];
  }
  const errors: string[] = [];
  const [minutes, hoursField, dayOfMonth, month, dayOfWeek, year] = fields;
  if (minutes !== '0') errors.push(`\`scheduleExpression\` "${expression}" must have 0 in the minutes field: Secrets Manager opens rotation windows on the hour.`);
  if (year !== '*') errors.push(`\`scheduleExpression\` "${expression}" must have * in the year field: Secrets Manager does not rotate more than a year apart.`);
  errors.push(...dayAndMonthErrors(expression, dayOfMonth, month, dayOfWeek));
  const hours = expandHours(hoursField);
  if (hours === undefined) {
    errors.push(`\`scheduleExpression\` "${expression}" has an hours field Secrets Manager cannot read ("${hoursField}"); use hours 0-23 with , - / or *.`);
  } else {
    const gap = smallestGap(hours);
    // Every day rotates, so the last hour of one day is followed by the first hour of the next.
    const acrossMidnight = everyDay(dayOfMonth, dayOfWeek) && hours.length > 1 ? hours[0] + 24 - hours[hours.length - 1] : undefined;
    if (gap !== undefined && gap < MIN_HOURS) {
      errors.push(`\`scheduleExpression\` "${expression}" rotates ${gap} hour${gap === 1 ? '' : 's'} apart; Secrets Manager rotates at most every ${MIN_HOURS} hours: space the hours at least ${MIN_HOURS} apart (e.g. "0/${MIN_HOURS}").`);
    } else if (acrossMidnight !== undefined && acrossMidnight < MIN_HOURS) {
      const [first, last] = [hours[0], hours[hours.length - 1]];
      errors.push(`\`scheduleExpression\` "${expression}" rotates ${acrossMidnight} hour${acrossMidnight === 1 ? '' : 's'} apart (from ${last}:00 to ${first}:00 the next day); `
        + `Secrets Manager rotates at most every ${MIN_HOURS} hours: leave at least ${MIN_HOURS} hours between the last hour of the day and the first.`);
    } else if (windowHours !== undefined && gap !== undefined && windowHours > gap) {
      errors.push(windowLongerThanGap(expressionSource(expression).schedule, windowHours, gap));
    } else if (windowHours !== undefined && hours.length > 0 && hours[hours.length - 1] + windowHours > 24) {
      const start = hours[hours.length - 1];
      errors.push(`\`rotationWindow\` of ${windowHours} hours from ${start}:00 would run into the next UTC day; start earlier in `
        + `\`scheduleExpression\` or shorten the window to at most ${24 - start} hours.`);
    }
  }
  return errors;
}

/** The hours of the day an hours field selects, or undefined when it is not an hours field. */
function expandHours(field: string): number[] | undefined {
  const hours = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const step = match[2] === undefined ? 1 : Number(match[2]);
    let from: number;
    let to: number;
    if (match[1] === '*') {
      [from, to] = [0, 23];
    } else if (match[1].includes('-')) {
      [from, to] = match[1].split('-').map(Number);
    } else {
      from = Number(match[1]);
      // "a/b" starts at a and repeats every b hours to the end of the day.
      to = match[2] === undefined ? from : 23;
    }
    if (step < 1 || from > 23 || to > 23 || from > to) return undefined;
    for (let h = from; h <= to; h += step) hours.add(h);
  }
  return [...hours].sort((a, b) => a - b);
}

function smallestGap(hours: number[]): number | undefined {
  let gap: number | undefined;
  for (let i = 1; i < hours.length; i++) gap = Math.min(gap ?? Infinity, hours[i] - hours[i - 1]);
  return gap;
}

/**
 * Whether the day fields select every day (`*` in one, `*` or `?` in the other), so consecutive days both rotate.
 * Other day patterns are not expanded: a gap across midnight is then only checked where it surely occurs.
 */
function everyDay(dayOfMonth: string | undefined, dayOfWeek: string | undefined): boolean {
  const any = (field: string | undefined) => field === '*' || field === '?';
  return any(dayOfMonth) && any(dayOfWeek) && (dayOfMonth === '*' || dayOfWeek === '*');
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A field's values and wildcards, as Secrets Manager's table lists them. */
interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names that stand for min, min + 1, ... (JAN-DEC, SUN-SAT). */
  readonly names?: string[];
  /** The wildcards beyond `, - * /`. */
  readonly question?: boolean;
  readonly last?: boolean;
  readonly nth?: boolean;
  /** How to write the field, for the message. */
  readonly hint: string;
}

const DAY_OF_MONTH: FieldRule = { name: 'day-of-month', min: 1, max: 31, question: true, last: true, hint: '1-31 with , - * ? / L' };
const MONTH: FieldRule = { name: 'month', min: 1, max: 12, names: MONTHS, hint: '1-12 or JAN-DEC with , - * /' };
const DAY_OF_WEEK: FieldRule = { name: 'day-of-week', min: 1, max: 7, names: DAYS, question: true, last: true, nth: true, hint: '1-7 or SUN-SAT with # , - * ? / L' };

/**
 * What is wrong with the day-of-month, month and day-of-week fields: a value out of range, a wildcard the field does not
 * take, or both day fields given (one must be `?`).
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
 */
function dayAndMonthErrors(expression: string, dayOfMonth: string, month: string, dayOfWeek: string): string[] {
  const errors: string[] = [];
  for (const [field, rule] of [[dayOfMonth, DAY_OF_MONTH], [month, MONTH], [dayOfWeek, DAY_OF_WEEK]] as const) {
    if (!fieldIsValid(field, rule)) {
      errors.push(`\`scheduleExpression\` "${expression}" has a ${rule.name} field Secrets Manager cannot read ("${field}"); use ${rule.hint}.`);
    }
  }
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    errors.push(`\`scheduleExpression\` "${expression}" gives both the day-of-month ("${dayOfMonth}") and the day-of-week ("${dayOfWeek}"); `
      + 'Secrets Manager takes one of them with ? in the other: e.g. "cron(0 4 * * ? *)" (every day) or "cron(0 4 ? * SUN *)" (Sundays).');
  }
  return errors;
}

function fieldIsValid(field: string, rule: FieldRule): boolean {
  if (field === '?') return rule.question === true;
  if (field === '*') return true;
  return field.split(',').every(part => partIsValid(part, rule));
}

function partIsValid(part: string, rule: FieldRule): boolean {
  if (rule.last && part === 'L') return true;
  // "TUE#3": the third Tuesday of the month; "SUNL" (or "1L"): the last Sunday.
  if (rule.nth) {
    const nth = /^(\w+)#([1-5])$/.exec(part);
    if (nth) return valueOf(nth[1], rule) !== undefined;
  }
  if (rule.last && rule.names) {
    const last = /^(\w+)L$/.exec(part);
    if (last && valueOf(last[1], rule) !== undefined) return true;
  }
  const [range, step, ...rest] = part.split('/');
  if (rest.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) return false;
  if (range === '*') return step !== undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  const values = bounds.map(bound => valueOf(bound, rule));
  return values.every(value => value !== undefined);
}

/** The number a value of the field stands for, or undefined when it is out of range or not a value of the field. */
function valueOf(value: string, rule: FieldRule): number | undefined {
  const named = rule.names?.indexOf(value.toUpperCase()) ?? -1;
  if (named >= 0) return rule.min + named;
  if (!/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= rule.min && number <= rule.max ? number : undefined;
}
