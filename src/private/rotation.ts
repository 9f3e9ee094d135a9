import { Duration, Token, aws_lambda as lambda, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct, IDependable } from 'constructs';
import { RotationOptions } from '../rotation-options';
import { scheduleExpressionErrors } from './schedule-expression';

/** Messages for `RotationOptions` that cannot work, each naming the prop. */
export function rotationOptionErrors(options: RotationOptions): string[] {
  const errors: string[] = [];
  if (options.automaticallyAfter && options.scheduleExpression) errors.push('give either `automaticallyAfter` or `scheduleExpression`, not both.');
  const after = options.automaticallyAfter;
  if (after && !after.isUnresolved()) {
    const hours = after.toHours({ integral: false });
    if (hours < 4 || hours > 1000 * 24) errors.push(`\`automaticallyAfter\` must be between 4 hours and 1000 days, got ${after.toHumanString()}.`);
  }
  const window = options.rotationWindow;
  const windowHours = window && !window.isUnresolved() ? window.toHours({ integral: false }) : undefined;
  const validWindow = windowHours !== undefined && windowHours >= 1 && windowHours <= 24 && Number.isInteger(windowHours);
  if (windowHours !== undefined && !validWindow) errors.push(`\`rotationWindow\` must be a whole number of hours from 1 to 24, got ${window!.toHumanString()}.`);
  const expr = options.scheduleExpression;
  if (expr !== undefined && !Token.isUnresolved(expr)) errors.push(...scheduleExpressionErrors(expr, validWindow ? windowHours : undefined));
  return errors;
}

/**
 * Schedules rotation of `secret` by `fn` once `attachment` has written the connection fields into it.
 * The schedule targets the secret itself, not the attachment: an attachment would get a second resource
 * policy that overwrites the secret's one.
 */
export function scheduleRotation(
  scope: Construct,
  secret: secretsmanager.ISecret,
  fn: lambda.IFunction,
  attachment: IDependable,
  options: RotationOptions,
  id: string = 'RotationSchedule',
): secretsmanager.RotationSchedule {
  const schedule = new secretsmanager.RotationSchedule(scope, id, {
    secret,
    rotationLambda: fn,
    automaticallyAfter: options.scheduleExpression ? undefined : options.automaticallyAfter ?? Duration.days(30),
    rotateImmediatelyOnUpdate: options.rotateImmediatelyOnUpdate ?? true,
  });
  schedule.node.addDependency(attachment);
  if (options.scheduleExpression || options.rotationWindow) {
    const cfn = schedule.node.defaultChild as secretsmanager.CfnRotationSchedule;
    const rules = cfn.rotationRules as secretsmanager.CfnRotationSchedule.RotationRulesProperty | undefined;
    cfn.rotationRules = {
      ...rules,
      scheduleExpression: options.scheduleExpression ?? rules?.scheduleExpression,
      duration: options.rotationWindow ? `${options.rotationWindow.toHours()}h` : undefined,
    };
  }
  return schedule;
}
