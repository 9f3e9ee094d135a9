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
   * How long the rotation window stays open, between 1 and 24 hours.
   * @default - Secrets Manager's default: the whole window up to the next rotation
   */
  readonly rotationWindow?: Duration;

  /**
   * Rotate as soon as the schedule is created or changed.
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;
}
