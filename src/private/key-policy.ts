import { CfnResource, Resource, Stack, Token, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';

/**
 * What the account keeps on a key it must always be able to administer: none of these actions encrypts or
 * decrypts. `kms:PutKeyPolicy` stays, because CloudFormation rewrites the policy whenever a grant adds a statement
 * and KMS refuses a policy that would lock its own writer out; the price is that an administrator with
 * `kms:PutKeyPolicy` can rewrite the policy to give themselves use. No key policy can prevent that, so the
 * statement is named for what it allows. Such a rewrite is recorded by CloudTrail (PutKeyPolicy, event source
 * kms.amazonaws.com: https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html) and alerted
 * for the keys of watched secrets (`SecretMonitoring.keyChangeRules`) and for the alert topic's key (its
 * `monitoringTamperRules`), while a trail logs KMS events; not for a SecretsTrail's own key.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
 */
const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias', 'kms:UpdateKeyDescription',
  'kms:DescribeKey', 'kms:List*', 'kms:Get*', 'kms:PutKeyPolicy',
  'kms:EnableKey', 'kms:DisableKey', 'kms:EnableKeyRotation', 'kms:DisableKeyRotation',
  'kms:RevokeGrant', 'kms:RetireGrant', 'kms:TagResource', 'kms:UntagResource',
  'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
];

/**
 * The account administers the key: every administrative action, and grants only for AWS services that use the
 * key for a resource of theirs (`kms:GrantIsForAWSResource`), so `kms:CreateGrant` is no back door to use.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 */
export function keyAdministrationStatements(): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'AccountAdministersKeyAndMayRewriteItsPolicy',
      principals: [new iam.AccountRootPrincipal()],
      actions: KEY_ADMIN_ACTIONS,
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'AccountGrantsOnlyToAwsServices',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  ];
}

/**
 * The statements aws-cdk-lib's `Secret` adds to the policy of its own key: the account's IAM policies may grant use
 * of the key (and the grants Secrets Manager makes with it) only through Secrets Manager of the key's region
 * (`kms:ViaService`). A key shared by secrets (SecretsKey) carries them from the start, so it also serves as a
 * replica's key, which no `Secret` of its region adds them to.
 */
export function grantUseThroughSecretsManager(key: kms.IKey): void {
  const stack = Stack.of(key);
  const secretsManager = new kms.ViaServicePrincipal(`secretsmanager.${stack.region}.amazonaws.com`, new iam.AccountPrincipal(stack.account));
  key.grantEncryptDecrypt(secretsManager);
  key.grant(secretsManager, 'kms:CreateGrant', 'kms:DescribeKey');
}

/**
 * The region of the key `key` stands for, when it is known at synth: a key of this app's stack's, a key imported by
 * ARN the ARN's. Unknown for an alias imported by name (KMS looks its name up in the region that uses it) and for a
 * token.
 */
export function keyRegionOf(key: kms.IKeyRef): string | undefined {
  const behind = isKey(key) ? keyBehind(key) : key;
  if ('aliasName' in behind) return undefined;
  const region = behind.env.region;
  return Token.isUnresolved(region) ? undefined : region;
}

/** Whether a key reference is an `IKey` (a `kms.Key`, an imported key, an alias), not only a `CfnKey`. */
export function isKey(key: kms.IKeyRef): key is kms.IKey {
  return typeof (key as Partial<kms.IKey>).grantDecrypt === 'function';
}

/**
 * The ARN of the key `key` stands for, for the IAM statements this library writes itself: an alias's `keyArn` is the
 * alias's ARN, which KMS never matches in an IAM policy, so an alias of this app or one imported with its target key
 * is named by that key's ARN (aws-cdk-lib's own grants on an alias already go to its target key).
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
 */
export function keyArnOf(key: kms.IKey): string {
  return keyBehind(key).keyArn;
}

/**
 * Whether the key `key` stands for is a key of this app, whose policy takes the grants' statements. An alias of this
 * app over a key imported by ARN is not: its grants would reach the imported key, whose policy this app cannot write.
 */
export function isKeyOfThisApp(key: kms.IKey): boolean {
  return Resource.isOwnedResource(keyBehind(key));
}

/**
 * The name of the alias that `key` is or stands for without its key, if any: an alias imported by name
 * (`kms.Alias.fromAliasName`), whose key is unknown to this app (aws-cdk-lib throws on its `aliasTargetKey`), or an
 * alias ARN imported as a key (`kms.Key.fromKeyArn(..., 'arn:...:alias/<name>')`). Its grants can name only the alias.
 */
export function aliasImportedByName(key: kms.IKey): string | undefined {
  const behind = keyBehind(key);
  if ('aliasName' in behind) return (behind as kms.IAlias).aliasName;
  // The partition, region or account may be tokens (`arn:${Aws.PARTITION}:kms:...`): a literal "alias/" resource
  // still makes it an alias ARN. Those tokens print without ":" (`${Token[AWS.Partition.9]}`), so each stays in its field.
  const name = /^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(behind.keyArn)?.[1];
  // An alias whose name is known only at deployment is still an alias (review CW).
  return name !== undefined && Token.isUnresolved(name) ? 'alias/<a name known at deployment>' : name;
}

/**
 * A key whose policy aws-cdk-lib may minimize (`minimize: true`, or `@aws-cdk/aws-iam:minimizePolicies`) whatever
 * statements are added to it. aws-cdk-lib's minimizer fails ("All principals in a PolicyStatement must have the same
 * Conditions") when it merges a statement whose principal carries conditions with one whose principal does not,
 * under the same conditions (https://github.com/aws/aws-cdk/issues/28713). aws-cdk-lib's Secret adds such a statement
 * to its key (a `kms.ViaServicePrincipal`), so a user's statement of the same `kms:ViaService` broke the synth. Each
 * statement is added with its principals' conditions moved onto it, where the policy carries them anyway.
 */
export class KeyWithConditionsOnStatements extends kms.Key {
  public addToResourcePolicy(statement: iam.PolicyStatement, allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    return super.addToResourcePolicy(withConditionsOnStatement(statement), allowNoOp);
  }
}

/**
 * `statement` with the conditions its principals carry moved onto the statement (see KeyWithConditionsOnStatements).
 * That is a copy, which the policy holds: the original is frozen, so a later change to it (`addActions`, a grant's
 * `resourceStatement.addCondition`) fails loudly instead of being lost. aws-cdk-lib offers no way to take a principal
 * out of a statement in place.
 */
export function withConditionsOnStatement(statement: iam.PolicyStatement): iam.PolicyStatement {
  const conditional = (p: iam.IPrincipal) => Object.keys(p.policyFragment.conditions).length > 0;
  if (!statement.principals.some(conditional)) return statement;
  // statement.conditions holds the principals' conditions already (aws-cdk-lib adds them when it adds a principal).
  const copy = statement.copy({ principals: statement.principals.map(p => conditional(p) ? new PlainPrincipal(p.policyFragment.principalJson) : p) });
  statement.freeze();
  return copy;
}

/** A principal as its policy fragment names it, without conditions. */
class PlainPrincipal extends iam.PrincipalBase {
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  constructor(principalJson: { [key: string]: string[] }) {
    super();
    this.policyFragment = new iam.PrincipalPolicyFragment(principalJson);
  }

  public dedupeString(): string | undefined {
    return JSON.stringify(this.policyFragment.principalJson);
  }
}

/**
 * Why Secrets Manager could not encrypt with `key`, a key of this app (`named` says how it was given, e.g.
 * "`encryptionKey`"): "you can choose any symmetric encryption customer managed key in the AWS account and Region"
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html), so not an asymmetric or HMAC
 * key; and DisableKey "prevents use of the KMS key for cryptographic operations"
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html), so not a disabled one. Read from its
 * `AWS::KMS::Key` at synth, as an escape hatch may change it after construction; a token, or an imported key, is left
 * to the deploy.
 */
export function unusableKeyErrors(key: kms.IKeyRef, named: string): string[] {
  const behind = isKey(key) ? keyBehind(key) : key;
  const resource = CfnResource.isCfnResource(behind) ? behind : behind.node.defaultChild;
  if (!CfnResource.isCfnResource(resource) || resource.cfnResourceType !== kms.CfnKey.CFN_RESOURCE_TYPE_NAME) return [];
  const cfnKey = resource as kms.CfnKey;
  const errors: string[] = [];
  // Unset, CloudFormation creates a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).
  const refused = [
    cfnKey.keySpec !== undefined && !Token.isUnresolved(cfnKey.keySpec) && cfnKey.keySpec !== 'SYMMETRIC_DEFAULT' ? `keySpec "${cfnKey.keySpec}"` : '',
    cfnKey.keyUsage !== undefined && !Token.isUnresolved(cfnKey.keyUsage) && cfnKey.keyUsage !== 'ENCRYPT_DECRYPT' ? `keyUsage "${cfnKey.keyUsage}"` : '',
  ].filter(Boolean);
  if (refused.length > 0) {
    errors.push(`${named} ${behind.node.path} has ${refused.join(' and ')}, but Secrets Manager encrypts only with a symmetric encryption key `
      + '(https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html): use a key of the default keySpec SYMMETRIC_DEFAULT '
      + 'and keyUsage ENCRYPT_DECRYPT, such as a SecretsKey.');
  }
  if (cfnKey.enabled === false) {
    errors.push(`${named} ${behind.node.path} is disabled (enabled: false), and KMS refuses a disabled key for cryptographic operations `
      + '(https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html), so Secrets Manager could not encrypt the secret: remove `enabled: false`.');
  }
  return errors;
}

/** The key an alias stands for (through any aliases), or `key` itself; an alias imported by name stands for itself. */
function keyBehind(key: kms.IKey): kms.IKey {
  if (!('aliasName' in key)) return key;
  try {
    return keyBehind((key as kms.IAlias).aliasTargetKey);
  } catch {
    // Imported by name: refused by validation (aliasImportedByNameError) before any grant.
    return key;
  }
}
