import { Stack, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/** A secret that no rotation schedule of its stack rotates. */
export const secretWithoutRotation: GuardRule = {
  id: 'SecretWithoutRotation',
  check: node => node instanceof secretsmanager.CfnSecret && !isRotated(node)
    ? 'no rotation schedule in this stack rotates the secret; add one (RotatedDatabase does), or turn this check off for secrets only their issuer can change.'
    : undefined,
};

function isRotated(secret: secretsmanager.CfnSecret): boolean {
  const stack = Stack.of(secret);
  // A schedule names its secret by Ref or by Fn::GetAtt Id: both are the secret's ARN (the resource's return values;
  // aws-cdk-lib's CfnSecret.attrId, from its CloudFormation schema: "The ARN of the secret").
  const ref = JSON.stringify(stack.resolve(secret.ref));
  const id = JSON.stringify(stack.resolve(secret.attrId));
  const constructs = stack.node.findAll();
  const schedules = constructs.filter((c): c is secretsmanager.CfnRotationSchedule => c instanceof secretsmanager.CfnRotationSchedule);
  if (schedules.length === 0) return false;
  const attachments = secretsOfAttachments(stack, constructs);
  return schedules.some(schedule => {
    let secretId = resolvedOnce(stack, schedule, schedule.secretId);
    // An attachment of an attachment (attach() on an attached secret) names the first; the bound stops a cycle.
    for (let hops = 0; attachments.has(secretId) && hops < attachments.size; hops++) secretId = attachments.get(secretId)!;
    return secretId === ref || secretId === id;
  });
}

/**
 * The secret of each `AWS::SecretsManager::SecretTargetAttachment`, by the attachment's own `Ref`. aws-cdk-lib's
 * `DatabaseInstance` and `DatabaseCluster` attach their secret (`secret.attach(this)`), and a schedule made through
 * the attachment (`addRotationSingleUser()`, `addRotationMultiUser()`, `secret.attach(db).addRotationSchedule()`) names
 * the attachment as its `SecretId`: its `Ref` "returns the ARN of the secret"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html#aws-resource-secretsmanager-secrettargetattachment-return-values-ref),
 * so that schedule rotates the attachment's secret.
 */
function secretsOfAttachments(stack: Stack, constructs: readonly unknown[]): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const c of constructs) {
    if (c instanceof secretsmanager.CfnSecretTargetAttachment) {
      secrets.set(resolvedOnce(stack, c, c.ref), resolvedOnce(stack, c, c.secretId));
    }
  }
  return secrets;
}

/**
 * A value of a resource, resolved once for as long as it stays the same: every secret of a stack is checked against
 * every schedule (and attachment), and resolving each pair again made the check quadratic in resolutions (about
 * 200 ms of CPU for 49 databases in one stack).
 */
function resolvedOnce(stack: Stack, owner: object, value: unknown): string {
  let cache = RESOLVED.get(owner);
  if (cache === undefined) {
    cache = new Map();
    RESOLVED.set(owner, cache);
  }
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  const resolved = JSON.stringify(stack.resolve(value));
  cache.set(value, resolved);
  return resolved;
}

const RESOLVED = new WeakMap<object, Map<unknown, string>>();
