import { Duration, Stack, Token, aws_lambda as lambda, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct, IDependable } from 'constructs';
import type { RotationFunction } from '../rotation-function';
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
 * Schedules rotation of `secret` by `rotationFunction` once `attachment` has written the connection fields into it.
 * The schedule targets the secret itself, not the attachment: an attachment would get a second resource
 * policy that overwrites the secret's one.
 *
 * Everything that names the secret is created here, in the secret's stack: the invoke permission (with
 * `SourceAccount` and `SourceArn`, so Secrets Manager may invoke the function for this secret only, checkov
 * CKV_AWS_364) and, through `RotationFunction.addSecret`, the role's grants. aws-cdk-lib's `RotationSchedule`
 * would otherwise add, on the function's side, an invoke permission for any secret and policy statements naming
 * this one: a cyclic reference as soon as the function lives in another stack (aws-cdk #33336).
 */
export function scheduleRotation(
  scope: Construct,
  secret: secretsmanager.ISecret,
  rotationFunction: RotationFunction,
  attachment: IDependable,
  options: RotationOptions,
  id: string = 'RotationSchedule',
): secretsmanager.RotationSchedule {
  const permission = new lambda.CfnPermission(scope, `${id}InvokePermission`, {
    action: 'lambda:InvokeFunction',
    functionName: rotationFunction.functionArn,
    principal: 'secretsmanager.amazonaws.com',
    sourceAccount: Stack.of(scope).account,
    // Lambda matches SourceArn with ArnLike: a secret known only by its partial ARN matches with its random suffix.
    sourceArn: secret.secretFullArn ?? `${secret.secretArn}-??????`,
  });
  // A reference to the function has no permissions node of its own, which is what makes aws-cdk-lib's
  // RotationSchedule skip its own grants (rotation-schedule.ts: `if (props.rotationLambda?.permissionsNode.defaultChild)`).
  const functionReference = lambda.Function.fromFunctionAttributes(scope, `${id}Function`, {
    functionArn: rotationFunction.functionArn,
    sameEnvironment: true,
  });
  const schedule = new secretsmanager.RotationSchedule(scope, id, {
    secret,
    rotationLambda: functionReference,
    automaticallyAfter: options.scheduleExpression ? undefined : options.automaticallyAfter ?? Duration.days(30),
    rotateImmediatelyOnUpdate: options.rotateImmediatelyOnUpdate ?? true,
  });
  // The first rotation may start as soon as the schedule exists: the function must already be invocable and hold
  // its grants on this secret (written in this stack, or in the function's own when the stacks are the same).
  schedule.node.addDependency(attachment, permission, rotationFunction.grantableIn(scope) as unknown as IDependable);
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
