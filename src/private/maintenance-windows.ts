// RDS's maintenance and backup windows, checked as CreateDBInstance and CreateDBCluster document them.
import { Token } from 'aws-cdk-lib';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const CLOCK = '([01][0-9]|2[0-3]):([0-5][0-9])';

/** A window as [start, length] in minutes from Monday 00:00 UTC (or from 00:00 for a daily one), or undefined when malformed. */
function parseWindow(text: string, weekly: boolean): [number, number] | undefined {
  const day = weekly ? `(${DAYS.join('|')}):` : '()';
  const match = new RegExp(`^${day}${CLOCK}-${day}${CLOCK}$`, 'i').exec(text);
  if (!match) return undefined;
  const at = (d: string, h: string, m: string) => (weekly ? DAYS.indexOf(d.toLowerCase()) * MINUTES_PER_DAY : 0) + Number(h) * 60 + Number(m);
  const start = at(match[1], match[2], match[3]);
  const period = weekly ? MINUTES_PER_WEEK : MINUTES_PER_DAY;
  // A window may run past midnight (or past Sunday into Monday).
  return [start, (at(match[4], match[5], match[6]) - start + period) % period];
}

/**
 * What is wrong with the maintenance and backup windows. CreateDBInstance and CreateDBCluster: PreferredMaintenanceWindow
 * "Must be in the format ddd:hh24:mi-ddd:hh24:mi. The day values must be mon | tue | wed | thu | fri | sat | sun. Must
 * be in Universal Coordinated Time (UTC). Must not conflict with the preferred backup window. Must be at least 30
 * minutes"; PreferredBackupWindow "Must be in the format hh24:mi-hh24:mi. [...] Must not conflict with the preferred
 * maintenance window. Must be at least 30 minutes". RDS's guide: the maintenance window and the backup window "can't
 * overlap" (AdjustingTheMaintenanceWindow.html). Tokens are left to RDS.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
 */
export function windowErrors(props: { preferredMaintenanceWindow?: string; preferredBackupWindow?: string }): string[] {
  const errors: string[] = [];
  const check = (prop: string, text: string | undefined, weekly: boolean, example: string): [number, number] | undefined => {
    if (text === undefined || Token.isUnresolved(text)) return undefined;
    const window = parseWindow(text, weekly);
    if (!window) {
      errors.push(`\`${prop}\` must be ${weekly ? 'ddd:hh24:mi-ddd:hh24:mi (days mon to sun)' : 'hh24:mi-hh24:mi'} in UTC, for example "${example}", got "${text}".`);
    } else if (window[1] < 30) {
      errors.push(`\`${prop}\` must be at least 30 minutes long (RDS's minimum), got "${text}" (${window[1]} minutes).`);
    } else {
      return window;
    }
    return undefined;
  };
  const maintenance = check('preferredMaintenanceWindow', props.preferredMaintenanceWindow, true, 'sun:03:00-sun:04:00');
  const backup = check('preferredBackupWindow', props.preferredBackupWindow, false, '01:00-02:00');
  if (maintenance && backup && DAYS.some((_, day) => overlaps(maintenance, [day * MINUTES_PER_DAY + backup[0], backup[1]]))) {
    errors.push(`\`preferredBackupWindow\` "${props.preferredBackupWindow}" overlaps \`preferredMaintenanceWindow\` "${props.preferredMaintenanceWindow}", `
      + 'which RDS refuses (the backup window is daily, both in UTC): move one of them.');
  }
  return errors;
}

/** Whether two windows of the week, [start, length] in minutes, share a minute (one that ends as the other starts does not). */
function overlaps([a, aLength]: [number, number], [b, bLength]: [number, number]): boolean {
  const from = (x: number, y: number) => (y - x + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return from(a, b) < aLength || from(b, a) < bLength;
}
