import { Duration, Names, Resource, Stack, Token, aws_iam as iam, aws_lambda as lambda, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct, IConstruct, IDependable } from 'constructs';
import type { RotationFunction } from '../rotation-function';
import { RotationOptions } from '../rotation-options';
import { longestArnPrefix } from './deployed-size';
import { hasMarker } from './marker';
import { automaticallyAfterErrors, scheduleExpressionErrors } from './schedule-expression';
import { MAX_SECRET_NAME_LENGTH, secretResource } from './secret-name';
import { findOrCreate } from './singleton';

/** Messages for `RotationOptions` that cannot work, each naming the prop. */
export function rotationOptionErrors(options: RotationOptions): string[] {
  const errors: string[] = [];
  if (options.automaticallyAfter && options.scheduleExpression) errors.push('give either `automaticallyAfter` or `scheduleExpression`, not both.');
  const window = options.rotationWindow;
  const windowHours = window && !window.isUnresolved() ? window.toHours({ integral: false }) : undefined;
  const validWindow = windowHours !== undefined && windowHours >= 1 && windowHours <= 24 && Number.isInteger(windowHours);
  if (windowHours !== undefined && !validWindow) errors.push(`\`rotationWindow\` must be a whole number of hours from 1 to 24, got ${window!.toHumanString()}.`);
  // aws-cdk-lib renders automaticallyAfter as a rate(), which Secrets Manager checks at deploy as it does a scheduleExpression.
  const after = options.automaticallyAfter;
  if (after && !after.isUnresolved()) errors.push(...automaticallyAfterErrors(after, validWindow ? windowHours : undefined));
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
  alsoReads?: secretsmanager.ISecret,
): secretsmanager.RotationSchedule {
  const permission = invokePermission(scope, id, secret, rotationFunction, rotationFunction.functionArn);
  const schedule = new secretsmanager.RotationSchedule(scope, id, {
    secret,
    rotationLambda: functionReference(scope, rotationFunction, rotationFunction.functionArn),
    automaticallyAfter: options.scheduleExpression ? undefined : options.automaticallyAfter ?? Duration.days(30),
    rotateImmediatelyOnUpdate: options.rotateImmediatelyOnUpdate ?? true,
  });
  // The first rotation may start as soon as the schedule exists: the function must already be invocable and hold
  // its grants on this secret (written in this stack, or in the function's own when the stacks are the same).
  schedule.node.addDependency(attachment, permission, ...rotationFunction._readyToRotate(scope));
  waitForResourcePolicy(schedule, secret);
  if (alsoReads) {
    // The function reads this secret too (the superuser's, with alternating users), through grants in that secret's
    // resource policy and key policy: the first rotation must not start before they exist.
    waitForResourcePolicy(schedule, alsoReads);
    if (alsoReads.encryptionKey && Resource.isOwnedResource(alsoReads.encryptionKey)) schedule.node.addDependency(alsoReads.encryptionKey);
  }
  LIBRARY_SCHEDULES.add(schedule.node.defaultChild as secretsmanager.CfnRotationSchedule);
  refuseSecondSchedules(schedule);
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

/**
 * Schedules rotation of `secret` by a Lambda function of the user's (`addRotationSchedule` with `rotationLambda`),
 * wired as the library's own function is: an invoke permission with `SourceAccount` and `SourceArn`, and the grants
 * `grant` gives the function's role (through the protected secret, so the role is exempt from its deny). aws-cdk-lib's
 * `RotationSchedule` would add a permission for any secret of any account and policy statements that exempt nothing.
 */
export function scheduleRotationByFunction(
  scope: Construct,
  id: string,
  secret: secretsmanager.ISecret,
  fn: lambda.IFunction,
  options: secretsmanager.RotationScheduleOptions,
  grant: (grantee: iam.IGrantable) => iam.Grant[],
): secretsmanager.RotationSchedule {
  if (!fn.role) {
    // Without the role, neither the grants nor the deny's exemption can name it: every rotation would be denied.
    throw new Error(`${scope.node.path}: addRotationSchedule('${id}') got \`rotationLambda\` ${fn.node.path}, a function without a known role, so its role can be neither granted the secret nor exempted from the deny. Import it with its role: lambda.Function.fromFunctionAttributes(scope, id, { functionArn, role }).`);
  }
  // aws-cdk-lib's RotationSchedule takes up to 1000 days and Durations in minutes, which Secrets Manager refuses at deploy.
  const after = options.automaticallyAfter;
  const afterErrors = after && !after.isUnresolved() ? automaticallyAfterErrors(after) : [];
  if (afterErrors.length > 0) throw new Error(`${scope.node.path}: addRotationSchedule('${id}'): ${afterErrors.join(' ')}`);
  // A RotationFunction's inner function counts with the RotationFunction: one policy either way.
  const owner = hasMarker(fn.node.scope, 'RotationFunction') ? fn.node.scope! : fn;
  const permission = invokePermission(scope, id, secret, owner, fn.functionArn);
  const grants = grant(fn);
  // A function of yours may call GetRandomPassword (AWS's do), which has no resource type, so `*`
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
  // The library's function makes its passwords itself, so its role gets no action on `*`.
  if (!hasMarker(fn.node.scope, 'RotationFunction')) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }));
  }
  const schedule = new secretsmanager.RotationSchedule(scope, id, {
    ...options,
    secret,
    rotationLambda: functionReference(scope, fn, fn.functionArn),
  });
  schedule.node.addDependency(permission);
  for (const g of grants) g.applyBefore(schedule);
  waitForResourcePolicy(schedule, secret);
  LIBRARY_SCHEDULES.add(schedule.node.defaultChild as secretsmanager.CfnRotationSchedule);
  refuseSecondSchedules(schedule);
  return schedule;
}

/** The stacks whose rotation schedules are checked for a secret scheduled twice: one check per stack. */
const STACKS_CHECKED_FOR_SECOND_SCHEDULES = new WeakSet<Stack>();

/**
 * Refuses at synth a second rotation schedule for the secret `schedule` rotates, in its stack (the library's or the
 * user's own): "You can define only one rotation schedule per secret"
 * (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_secretsmanager.CfnRotationSchedule.html, quoting
 * CloudFormation's AWS::SecretsManager::RotationSchedule). A secret has one rotation configuration, so whichever
 * schedule CloudFormation applies last would silently replace the other's function and schedule.
 */
function refuseSecondSchedules(schedule: secretsmanager.RotationSchedule): void {
  const stack = Stack.of(schedule);
  if (STACKS_CHECKED_FOR_SECOND_SCHEDULES.has(stack)) return;
  STACKS_CHECKED_FOR_SECOND_SCHEDULES.add(stack);
  stack.node.addValidation({ validate: () => secondScheduleErrors(stack) });
}

function secondScheduleErrors(stack: Stack): string[] {
  const bySecret = new Map<string, secretsmanager.CfnRotationSchedule[]>();
  for (const c of stack.node.findAll()) {
    if (!(c instanceof secretsmanager.CfnRotationSchedule) || Stack.of(c) !== stack) continue;
    // A schedule under a CloudFormation Condition may never be created beside the others (opposite conditions): not counted.
    if (c.cfnOptions.condition !== undefined) continue;
    const secret = JSON.stringify(stack.resolve(c.secretId));
    bySecret.set(secret, [...bySecret.get(secret) ?? [], c]);
  }
  // An L2 schedule is named by its own path, not its CloudFormation resource's.
  const pathOf = (c: secretsmanager.CfnRotationSchedule) => (c.node.id === 'Resource' && c.node.scope ? c.node.scope : c).node.path;
  return [...bySecret.values()].filter(schedules => schedules.length > 1).map(schedules => {
    const paths = schedules.map(pathOf);
    return `${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]} both schedule the rotation of one secret, but a secret has one rotation `
      + 'configuration ("You can define only one rotation schedule per secret", AWS::SecretsManager::RotationSchedule): the one CloudFormation applies '
      + 'last would replace the other\'s function and schedule. Keep one of them.';
  });
}

/** The schedules this library created, with the invoke permission and the grants that exempt the function's role. */
const LIBRARY_SCHEDULES = new WeakSet<secretsmanager.CfnRotationSchedule>();

/** Whether `schedule` was created by this library (so its function's role is exempt from the secret's deny). */
export function isLibrarySchedule(schedule: secretsmanager.CfnRotationSchedule): boolean {
  return LIBRARY_SCHEDULES.has(schedule);
}

/**
 * The grants exempt the rotation role in the secret's resource policy, a resource of its own: when an update replaces
 * the role, `rotateImmediatelyOnUpdate` would otherwise rotate before the policy names the new role, and be denied.
 * The policy lives under the secret as `Policy` (aws-cdk-lib Secret.addToResourcePolicy), under the secret's
 * attachment's parent for an attachment, under the child `Secret` of a ProtectedSecret. A secret with no policy yet has no deny of this library to wait for.
 */
function waitForResourcePolicy(schedule: Construct, secret: secretsmanager.ISecret): void {
  const policy = resourcePolicyOf(secret);
  if (policy) schedule.node.addDependency(policy);
}

/** The resource policy this app writes for `secret` (of the secret, its attachment's secret, a ProtectedSecret's), if any yet. */
export function resourcePolicyOf(secret: secretsmanager.ISecret): secretsmanager.ResourcePolicy | undefined {
  const owner = secret instanceof secretsmanager.SecretTargetAttachment ? secret.node.scope : secret;
  // A ProtectedSecret holds its aws-cdk-lib secret as the child `Secret`.
  const policy = owner?.node.tryFindChild('Policy') ?? owner?.node.tryFindChild('Secret')?.node.tryFindChild('Policy');
  return policy instanceof secretsmanager.ResourcePolicy ? policy : undefined;
}

/**
 * Lambda's quota on a function's resource-based policy: "Function resource-based policy | 20 KB"
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), which "can't be changed"; past it, adding
 * a permission fails with "The final policy size is bigger than the limit"
 * (https://repost.aws/knowledge-center/lambda-resource-based-policy-size-error). Each rotated secret adds one statement.
 */
export const FUNCTION_POLICY_LIMIT = 20 * 1024;

/** The policy document around the statements, as Lambda keeps it (`aws lambda get-policy`). */
const POLICY_WRAPPER = '{"Version":"2012-10-17","Id":"default","Statement":[]}'.length;

/**
 * AddPermission's StatementId is at most 100 characters (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html);
 * CloudFormation generates it from the stack name and the permission's logical ID, so it is counted at the most.
 */
const STATEMENT_ID_LENGTH = 100;

/** The invoke permissions written for each function, wherever they are (its stack or the secrets' stacks). */
const INVOKE_POLICIES = new WeakMap<IConstruct, { bytes: number; statements: number }>();

/** The most a function's resource-based policy can be once CloudFormation has deployed its invoke permissions. */
export function invokePolicyLength(fn: IConstruct): number {
  return POLICY_WRAPPER + (INVOKE_POLICIES.get(fn)?.bytes ?? 0);
}

/**
 * Lets Secrets Manager invoke the function for `secret` of this account only (checkov CKV_AWS_364). Each permission
 * is a statement of the function's resource-based policy, counted against Lambda's 20 KB (`fn`, the construct whose
 * policy it is): one function serves up to 36 secrets with generated names, fewer with long ones.
 */
function invokePermission(scope: Construct, id: string, secret: secretsmanager.ISecret, fn: IConstruct, functionArn: string): lambda.CfnPermission {
  const permission = new lambda.CfnPermission(scope, `${id}InvokePermission`, {
    action: 'lambda:InvokeFunction',
    functionName: functionArn,
    principal: 'secretsmanager.amazonaws.com',
    sourceAccount: Stack.of(scope).account,
    // Lambda matches SourceArn with ArnLike: a secret known only by its partial ARN matches with its random suffix.
    sourceArn: secret.secretFullArn ?? `${secret.secretArn}-??????`,
  });
  countInvokeStatement(fn, permission, secret);
  return permission;
}

/**
 * The longest ARN `secret` can have once deployed: Secrets Manager's ARN, the name and `-` with six characters
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html, Name). A secret of
 * this app with a name given in the template: that name; with a name CloudFormation generates: its logical ID, a dash
 * and a random suffix (counted at 16 characters; the format is what aws-cdk-lib's Secret parses, not an AWS page); anything else (an import, a name known only at deployment): the longest name, 512 characters.
 */
function longestSecretArn(stack: Stack, secret: secretsmanager.ISecret): number {
  const resource = secretResource(secret);
  const name = resource && Stack.of(resource) === stack ? stack.resolve(resource.name) : null;
  const nameLength = typeof name === 'string' ? name.length
    : name === undefined ? stack.resolve(resource!.logicalId).length + 1 + 16
      : MAX_SECRET_NAME_LENGTH;
  return `${longestArnPrefix('secretsmanager')}secret:`.length + nameLength + '-xxxxxx'.length;
}

function countInvokeStatement(fn: IConstruct, permission: lambda.CfnPermission, secret: secretsmanager.ISecret): void {
  const stack = Stack.of(permission);
  const statement = {
    Sid: 'x'.repeat(STATEMENT_ID_LENGTH),
    Effect: 'Allow',
    Principal: { Service: 'secretsmanager.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    // The function's ARN; a name CloudFormation generates is at most 64 characters (CreateFunction's FunctionName).
    Resource: `${longestArnPrefix('lambda')}function:${'x'.repeat(64)}`,
    Condition: {
      StringEquals: { 'AWS:SourceAccount': 'x'.repeat(12) },
      ArnLike: { 'AWS:SourceArn': 'x'.repeat(longestSecretArn(stack, secret)) },
    },
  };
  const counted = INVOKE_POLICIES.get(fn);
  const bytes = JSON.stringify(statement).length + 1;
  if (counted) {
    counted.bytes += bytes;
    counted.statements += 1;
    return;
  }
  INVOKE_POLICIES.set(fn, { bytes, statements: 1 });
  fn.node.addValidation({
    validate: () => {
      const length = invokePolicyLength(fn);
      if (length <= FUNCTION_POLICY_LIMIT) return [];
      const { statements } = INVOKE_POLICIES.get(fn)!;
      return [
        `${fn.node.path} would be invoked for ${statements} secrets, and its resource-based policy would reach up to ${length} bytes:`
        + ` Lambda refuses a policy over 20 KB (${FUNCTION_POLICY_LIMIT} bytes), which fails the deployment at the permission past it.`
        + ' Give some of the databases another function (`rotationFunction: new RotationFunction(...)`); the shared function of a VPC'
        + ' (`RotationFunction.shared`) does so by itself.',
      ];
    },
  });
}

/**
 * A reference to the function: it has no permissions node of its own, which is what makes aws-cdk-lib's
 * RotationSchedule skip its own grants (rotation-schedule.ts: `if (props.rotationLambda?.permissionsNode.defaultChild)`).
 * One per function in each stack, shared by the stack's schedules (it adds nothing to the template).
 */
function functionReference(scope: Construct, fn: IConstruct, functionArn: string): lambda.IFunction {
  return findOrCreate(Stack.of(scope), `ProtectedSecretsRotationFunction${Names.nodeUniqueId(fn.node)}`, lambda.FunctionBase,
    (stack, id) => lambda.Function.fromFunctionAttributes(stack, id, { functionArn, sameEnvironment: true }) as lambda.FunctionBase);
}
