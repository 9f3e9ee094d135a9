import { Annotations, Names, RemovalPolicy, Stack, Token, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LONGEST_ROLE_ARN, longestDeployed } from './private/deployed-size';
import { duplicateInEnvironmentError } from './private/environment-claims';
import { grantUseThroughSecretsManager, keyAdministrationStatements, withConditionsOnStatement } from './private/key-policy';
import { keyAliasErrors, validAliasName } from './private/kms-alias';
import { PropErrors } from './private/validation';

/** KMS's limit on a key policy document. @see https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#key-policy-limit */
const KEY_POLICY_LIMIT_BYTES = 32 * 1024;


/**
 * Properties for a `SecretsKey`.
 */
export interface SecretsKeyProps {
  /**
   * The key's alias (`alias/` is added when it lacks it). It is `alias/` and a name of letters, digits, `/`, `_` and `-`, at most 256 characters in all,
   * not under the reserved `alias/aws/`, and not the alias of another key of the app in the same account and region.
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html
   * @default - `alias/protected-secrets/<unique id of this construct>`
   */
  readonly alias?: string;

  /**
   * What happens to the key when it leaves the stack. Every secret (and every database's storage) encrypted with it
   * becomes unreadable once it is deleted.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: kept when it leaves the stack, deleted when the deploy that
   * created it rolls back (CloudFormation's RetainExceptOnCreate), so a failed first deploy does not leave it behind
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One customer-managed key for many secrets: pass it as `encryptionKey` to every `ProtectedSecret`, `RotatedDatabase`
 * and `RotatedAuroraCluster` that should share it (`encryptionKey: SecretsKey.forStack(this)`). A secret of another stack
 * may use it when the roles the key's policy names are of the key's stack or imported by ARN; a reader of the secret's
 * own stack is refused (each stack would reference the other).
 *
 * It has the policy the constructs give their own keys (the account administers it, and its IAM policies may grant use
 * of it only through Secrets Manager of the key's region, `kms:ViaService`) and rotation on. It can also be the key of a
 * replica in its region (`ProtectedSecret.addReplicaRegion`). Sharing saves a key
 * and an alias per secret (and their monthly cost), at a price: whoever may use the key through Secrets Manager for one
 * secret's reader is listed in the one policy all of them share; disabling or deleting it, or a policy mistake, hits
 * every secret at once; and the policy is capped at 32 KB, so the number of readers it can list is limited (synth
 * warns as it nears the cap). See the README, "One key for many secrets".
 */
export class SecretsKey extends kms.Key {
  /**
   * The shared key of `scope`'s stack, created there on first use: one line to encrypt many secrets of a stack
   * with one key.
   */
  public static forStack(scope: Construct): SecretsKey {
    const stack = Stack.of(scope);
    const id = 'ProtectedSecretsKey';
    const existing = stack.node.tryFindChild(id);
    if (existing instanceof SecretsKey) return existing;
    if (existing) throw new Error(`SecretsKey.forStack: ${stack.node.path} already has a child "${id}" that is not a SecretsKey; rename it, or create a SecretsKey yourself with \`new SecretsKey(scope, id)\`.`);
    return new SecretsKey(stack, id);
  }

  /** Set once aws-cdk-lib's constructor, which adds the `alias` prop's alias through `addAlias`, has returned. */
  private readonly constructed: boolean;

  constructor(scope: Construct, id: string, props: SecretsKeyProps = {}) {
    super(scope, id, {
      description: `Encrypts the secrets (and databases) of ${Stack.of(scope).stackName} that share it`,
      enableKeyRotation: true,
      alias: validatedAlias(scope, id, props.alias),
      // The same policy as the keys ProtectedSecret creates: administration, no use; grants add scoped use.
      policy: new iam.PolicyDocument({ statements: keyAdministrationStatements() }),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // What aws-cdk-lib's Secret adds for a secret of this region encrypted with the key, there from the start: a replica
    // of a secret of another region is encrypted with it too, and no Secret adds it then. Replicating needs it: "To
    // encrypt the replicated secret with a KMS key other than aws/secretsmanager, you need kms:GenerateDataKey and
    // kms:Encrypt to the key" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets_troubleshoot.html),
    // and the replica's readers get kms:Decrypt in their IAM policies, which the key policy must let count.
    grantUseThroughSecretsManager(this);
    this.node.addValidation({ validate: () => this.checkPolicySize() });
    this.constructed = true;
  }

  /**
   * Adds an alias, with the checks the `alias` prop gets.
   *
   * `alias/` is added when it lacks it. The alias must have KMS's characters and at most 256 characters, not be under
   * the reserved `alias/aws/`, and not be an alias this key or another key of the app has in the same account and
   * region ("The alias must be unique in the account and Region").
   * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
   */
  public addAlias(aliasName: string): kms.Alias {
    // aws-cdk-lib's constructor adds the `alias` prop's alias through here, which validatedAlias has checked already.
    if (!this.constructed) return super.addAlias(aliasName);
    const alias = withAliasPrefix(aliasName);
    const errors = new PropErrors('SecretsKey', this);
    errors.addAll(aliasErrors(this, this.node.path, alias, 'addAlias'));
    const own = this.node.children.some(child => child instanceof kms.Alias && (child.node.defaultChild as kms.CfnAlias).aliasName === alias);
    if (!Token.isUnresolved(alias) && own) {
      errors.add(`\`addAlias\` "${alias}" is already an alias of this key; a second CreateAlias of the name fails at deploy: add it once.`);
    }
    errors.throwIfAny();
    return super.addAlias(alias);
  }

  /**
   * Adds a statement to the key's policy, with the conditions its principals carry (a `kms.ViaServicePrincipal`'s)
   * written on the statement instead, where the policy carries them anyway: under `@aws-cdk/aws-iam:minimizePolicies`,
   * aws-cdk-lib's minimizer fails on a principal with conditions beside a plain one of the same conditions
   * (https://github.com/aws/aws-cdk/issues/28713), and each secret's statement for this key is such a principal.
   * An Allow for every principal (`"*"`) without a condition is refused, as KMS advises.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement, allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    const written = withConditionsOnStatement(statement);
    refuseEveryoneWithoutCondition(this, written);
    return super.addToResourcePolicy(written, allowNoOp);
  }

  /**
   * Warns before KMS refuses the policy: every reader of every secret sharing the key adds a statement (or, with
   * `@aws-cdk/aws-iam:minimizePolicies`, a principal to one statement). Measured as KMS receives it: the document as
   * aws-cdk-lib renders it (resolving it, not its `toJSON()`, so the statements each secret repeats are counted once,
   * as in the template), with each principal the template names by an intrinsic at its longest ARN.
   */
  private checkPolicySize(): string[] {
    const rendered = this.policy ? Stack.of(this).resolve(this.policy) : {};
    const size = Buffer.byteLength(JSON.stringify(longestDeployed(rendered, () => LONGEST_ROLE_ARN)), 'utf8');
    if (size > KEY_POLICY_LIMIT_BYTES * 0.9) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:shared-key-policy-size',
        `SecretsKey ${this.node.path}: its policy is about ${Math.round(size / 1024)} KB, near KMS's 32 KB limit (https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#key-policy-limit). Give some secrets their own key (leave \`encryptionKey\` unset) or a second SecretsKey.`);
    }
    return [];
  }
}

/**
 * The alias the key gets, checked before aws-cdk-lib's Key sees it (its own refusal names neither the construct nor
 * the prop): a given alias must follow KMS's rules and be the only one of its name in the app's account and region (a
 * second CreateAlias of the name fails at deploy); the default is derived from the construct's id, which may hold
 * characters KMS refuses in an alias (a ".") or be long enough to pass its 256 characters.
 */
function validatedAlias(scope: Construct, id: string, alias: string | undefined): string {
  const path = [scope.node.path, id].filter(part => part !== '').join('/');
  if (alias === undefined) {
    return validAliasName('protected-secrets/', `${Names.uniqueResourceName(scope, { maxLength: 180, separator: '-' })}-${id}`);
  }
  alias = withAliasPrefix(alias);
  const errors = new PropErrors('SecretsKey', path);
  errors.addAll(aliasErrors(scope, path, alias, 'alias'));
  errors.throwIfAny();
  return alias;
}

/** aws-cdk-lib's Alias adds a missing "alias/" itself, so `alias: 'app-key'` has always meant alias/app-key. */
function withAliasPrefix(alias: string): string {
  return !Token.isUnresolved(alias) && !alias.startsWith('alias/') ? `alias/${alias}` : alias;
}

/** What is wrong with `alias`, given in `prop` to the key at `path`: KMS's rules, and another key of the app holding it. */
function aliasErrors(scope: Construct, path: string, alias: string, prop: string): string[] {
  const errors = keyAliasErrors(alias, prop);
  const duplicate = duplicateInEnvironmentError(scope, path, 'kmsAlias', alias, prop, 'give each key its own alias.');
  return duplicate ? [...errors, duplicate] : errors;
}

/**
 * Refuses an Allow for every principal (`"*"`, as AnyPrincipal, StarPrincipal or `ArnPrincipal('*')` write it) with no
 * condition: "Do not set the Principal to an asterisk (*) in any key policy statement that allows permissions unless
 * you use conditions to limit the key policy. An asterisk gives every identity in every AWS account permission to use
 * the KMS key" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html). A ProtectedSecret
 * refuses such a reader for the same reason.
 */
function refuseEveryoneWithoutCondition(key: SecretsKey, statement: iam.PolicyStatement): void {
  const json = statement.toStatementJson();
  const aws = json.Principal === '*' ? ['*'] : [json.Principal?.AWS ?? []].flat();
  if (json.Effect !== 'Allow' || !aws.includes('*') || Object.keys(json.Condition ?? {}).length > 0) return;
  const actions = [json.Action ?? []].flat().join(', ');
  throw new Error(`SecretsKey ${key.node.path}: a key policy statement would allow ${actions} to every principal ("*") without a condition, which gives `
    + 'every identity of every AWS account the key (with permissions of their own account). Name the principals, or limit the statement with a '
    + 'condition (kms:CallerAccount, aws:PrincipalOrgID).');
}
