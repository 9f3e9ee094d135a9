/**
 * What Secrets Manager accepts as a rotation `ScheduleExpression`, checked at synth so a bad one fails before
 * the deployment does.
 *
 * - `rate(N hour|hours|day|days)`: at least every 4 hours, at most every 999 days.
 * - `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: six fields, minutes `0` (rotation windows open on
 *   the hour), year `*` (schedules more than a year apart are not supported); rotations at least 4 hours apart.
 *   An hour field with increments resets each day (`0/12` is 0:00 and 12:00), so the gaps checked are those
 *   between the hours of one day.
 * - With a rotation window (`windowHours`): it must end before the next rotation (for a schedule in hours, at
 *   most the hours between rotations) and must not run into the next UTC day (start hour plus window at most 24;
 *   a rate() window starts at midnight).
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
 */
export function scheduleExpressionErrors(expression: string, windowHours?: number): string[] {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return rateErrors(expression, rate[1].trim(), windowHours);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronErrors(expression, cron[1].trim().split(/\s+/), windowHours);
  return [`\`scheduleExpression\` must be a rate(...) or cron(...) expression, got "${expression}"; e.g. "rate(30 days)" or "cron(0 4 ? * SUN *)".`];
}

const MIN_HOURS = 4;
const MAX_RATE_DAYS = 999;

function rateErrors(expression: string, body: string, windowHours?: number): string[] {
  const match = /^(\d+)\s+(hour|hours|day|days)$/.exec(body);
  if (!match) return [`\`scheduleExpression\` "${expression}" must count hours or days, as in "rate(12 hours)" or "rate(30 days)".`];
  const value = Number(match[1]);
  const hours = match[2].startsWith('hour') ? value : value * 24;
  const every = `${value} ${match[2]}`;
  if (hours < MIN_HOURS) {
    return [`\`scheduleExpression\` rotates every ${every}; Secrets Manager rotates at most every ${MIN_HOURS} hours: use "rate(${MIN_HOURS} hours)" or longer.`];
  }
  if (hours > MAX_RATE_DAYS * 24) {
    return [`\`scheduleExpression\` rotates every ${every}; Secrets Manager allows at most ${MAX_RATE_DAYS} days between rotations: use "rate(${MAX_RATE_DAYS} days)" or less.`];
  }
  if (windowHours !== undefined && hours < 24 && windowHours > hours) return [windowLongerThanGap(expression, windowHours, hours)];
  return [];
}

function windowLongerThanGap(expression: string, windowHours: number, gap: number): string {
  return `\`rotationWindow\` of ${windowHours} hours is longer than the ${gap} hours between rotations of \`scheduleExpression\` "${expression}"; `
    + `shorten it to at most ${gap} hours.`;
}

function cronErrors(expression: string, fields: string[], windowHours?: number): string[] {
  if (fields.length !== 6) {
    return [`\`scheduleExpression\` "${expression}" must have six fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${fields.length}; e.g. "cron(0 4 ? * SUN *)".`];
  }
  const errors: string[] = [];
  const [minutes, hoursField, , , , year] = fields;
  if (minutes !== '0') errors.push(`\`scheduleExpression\` "${expression}" must have 0 in the minutes field: Secrets Manager opens rotation windows on the hour.`);
  if (year !== '*') errors.push(`\`scheduleExpression\` "${expression}" must have * in the year field: Secrets Manager does not rotate more than a year apart.`);
  const hours = expandHours(hoursField);
  if (hours === undefined) {
    errors.push(`\`scheduleExpression\` "${expression}" has an hours field Secrets Manager cannot read ("${hoursField}"); use hours 0-23 with , - / or *.`);
  } else {
    const gap = smallestGap(hours);
    if (gap !== undefined && gap < MIN_HOURS) {
      errors.push(`\`scheduleExpression\` "${expression}" rotates ${gap} hour${gap === 1 ? '' : 's'} apart; Secrets Manager rotates at most every ${MIN_HOURS} hours: space the hours at least ${MIN_HOURS} apart (e.g. "0/${MIN_HOURS}").`);
    } else if (windowHours !== undefined && gap !== undefined && windowHours > gap) {
      errors.push(windowLongerThanGap(expression, windowHours, gap));
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
