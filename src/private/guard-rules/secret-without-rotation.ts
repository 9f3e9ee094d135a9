import { CfnResource, Stack } from 'aws-cdk-lib';
import { GuardRule, renderResource } from './rule';

const SECRET = 'AWS::SecretsManager::Secret';
const ROTATION_SCHEDULE = 'AWS::SecretsManager::RotationSchedule';
const TARGET_ATTACHMENT = 'AWS::SecretsManager::SecretTargetAttachment';

/** A secret that no rotation schedule of its stack rotates. */
export const secretWithoutRotation: GuardRule = {
  id: 'SecretWithoutRotation',
  resourceTypes: [SECRET],
  check: ({ node }) => isRotated(node)
    ? undefined
    : 'no rotation schedule in this stack rotates the secret; add one (RotatedDatabase does), or turn this check off for secrets only their issuer can change.',
};

function isRotated(secret: CfnResource): boolean {
  const stack = Stack.of(secret);
  // A schedule names its secret by Ref or by Fn::GetAtt Id: both are the secret's ARN (the resource's return values;
  // aws-cdk-lib's CfnSecret.attrId, from its CloudFormation schema: "The ARN of the secret"). Or by the name the secret
  // was given: SecretId is "the ARN or name of the secret to rotate"
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-rotationschedule.html#cfn-secretsmanager-rotationschedule-secretid).
  const names = [secret.ref, secret.getAtt('Id'), renderResource(secret).properties.Name]
    .filter(name => name !== undefined).map(name => JSON.stringify(stack.resolve(name)));
  const { schedules, attachments } = secretIdsOf(stack);
  return schedules.some(scheduled => {
    let secretId = scheduled;
    // An attachment of an attachment (attach() on an attached secret) names the first; the bound stops a cycle.
    for (let hops = 0; attachments.has(secretId) && hops < attachments.size; hops++) secretId = attachments.get(secretId)!;
    return names.includes(secretId);
  });
}

interface SecretIds {
  /** The `SecretId` of each rotation schedule (as rendered, JSON). */
  readonly schedules: readonly string[];
  /**
   * The `SecretId` of each `AWS::SecretsManager::SecretTargetAttachment`, by the attachment's own `Ref`. aws-cdk-lib's
   * `DatabaseInstance` and `DatabaseCluster` attach their secret (`secret.attach(this)`), and a schedule made through
   * the attachment (`addRotationSingleUser()`, `addRotationMultiUser()`, `secret.attach(db).addRotationSchedule()`) names
   * the attachment as its `SecretId`: its `Ref` "returns the ARN of the secret"
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html#aws-resource-secretsmanager-secrettargetattachment-return-values-ref),
   * so that schedule rotates the attachment's secret.
   */
  readonly attachments: ReadonlyMap<string, string>;
}

/**
 * The secrets named by the stack's schedules and attachments, read from their rendered properties (overrides included;
 * any `CfnResource` of the type), once for as long as the stack has the same constructs: every secret of a stack is
 * checked against every schedule, and rendering each pair again made the check quadratic (rendering a schedule costs
 * about 35 µs; 49 databases in one stack made 2,401 of them). A schedule changed after the first secret of its stack was
 * checked, in the same synthesis, is not seen.
 */
function secretIdsOf(stack: Stack): SecretIds {
  const constructs = stack.node.findAll();
  const cached = SECRET_IDS.get(stack);
  if (cached !== undefined && cached.constructCount === constructs.length) return cached.ids;
  const schedules: string[] = [];
  const attachments = new Map<string, string>();
  for (const c of constructs) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== stack) continue;
    if (c.cfnResourceType === ROTATION_SCHEDULE) {
      schedules.push(JSON.stringify(renderResource(c).properties.SecretId));
    } else if (c.cfnResourceType === TARGET_ATTACHMENT) {
      attachments.set(JSON.stringify(stack.resolve(c.ref)), JSON.stringify(renderResource(c).properties.SecretId));
    }
  }
  const ids = { schedules, attachments };
  SECRET_IDS.set(stack, { constructCount: constructs.length, ids });
  return ids;
}

const SECRET_IDS = new WeakMap<Stack, { constructCount: number; ids: SecretIds }>();
