import { Duration } from 'aws-cdk-lib';

/**
 * When and how often a database secret is rotated.
 */
export interface RotationOptions {
  /**
   * How often to rotate: a whole number of hours, from 4 hours to 999 days. Cannot be combined with `scheduleExpression`.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
   * @default Duration.days(30)
   */
  readonly automaticallyAfter?: Duration;

  /**
   * A `rate(...)` or `cron(...)` expression for rotation. Cannot be combined with `automaticallyAfter`.
   * @default - rotate every `automaticallyAfter`
   */
  readonly scheduleExpression?: string;

  /**
   * How long the rotation window stays open, in whole hours between 1 and 24.
   * @default - Secrets Manager's default: for a schedule in hours the window closes after one hour, for one in days
   * at the end of the UTC day (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html)
   */
  readonly rotationWindow?: Duration;

  /**
   * Rotate as soon as the schedule is created or changed.
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;
}
