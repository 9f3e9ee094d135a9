import {
  Annotations,
  CfnResource,
  Arn,
  ArnFormat,
  Fn,
  Lazy,
  Names,
  RemovalPolicy,
  Resource,
  SecretValue,
  SecretsManagerSecretOptions,
  Aspects,
  IAspect,
  Stack,
  Token,
  TokenComparison,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_secretsmanager as secretsmanager,
  aws_ssm as ssm,
} from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { alertDestinationErrors, destinationOptions } from './private/alert-destination';
import { LIBRARY_TAG_PREFIX } from './private/alternating-users';
import { appConstructsOfKind, shareAppWalkInValidation } from './private/app-walk';
import { cloudFormationExecutionRoleArn } from './private/deploy-role';
import { LONGEST_ROLE_ARN, longestDeployed } from './private/deployed-size';
import { duplicateInEnvironmentError } from './private/environment-claims';
import { databaseKeepingKey } from './private/kept-keys';
import {
  KeyWithConditionsOnStatements, aliasImportedByName, isKey, isKeyOfThisApp, keyAdministrationStatements, keyArnOf, keyRegionOf, unusableKeyErrors,
} from './private/key-policy';
import { keyAliasErrors } from './private/kms-alias';
import { lazyUnique } from './private/lazy-unique';
import { hasMarker, markClass } from './private/marker';
import { EXCLUDED_PASSWORD_CHARACTERS } from './private/password-policy';
import { passwordRulesErrors } from './private/password-rules-errors';
import { isLibrarySchedule, scheduleRotationByFunction } from './private/rotation';
import { duplicateSecretNameError, secretNameErrors } from './private/secret-name';
import { credentialFieldsInTemplate } from './private/template-literals';
import { PropErrors } from './private/validation';
import { MonitoringOptions, SecretMonitoring } from './secret-monitoring';

/** Parameter Store serves every Secrets Manager secret under this path; the leading slash is required. */
const PARAMETER_STORE_REFERENCE_PREFIX = '/aws/reference/secretsmanager/';


const READ_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
/**
 * What a writer and the rotation function call: a new version, then moving the stages. Not `UpdateSecret`
 * (aws-cdk-lib's grantWrite includes it), which no rotation step calls and which can also change the secret's key.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
 */
const WRITE_ACTIONS = ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'];
/** The actions the deny covers: every way to read or replace the value. `UpdateSecret` can replace it too. */
const VALUE_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage'];

/**
 * A secret that can also be read through its Parameter Store reference.
 */
export interface IProtectedSecret extends secretsmanager.ISecret {
  /**
   * The Parameter Store name that resolves to this secret: `/aws/reference/secretsmanager/<secret name>`.
   * @attribute
   */
  readonly parameterStoreReference: string;

  /**
   * Grants `ssm:GetParameter` on the Parameter Store reference plus what reading the secret needs.
   */
  grantReadViaParameterStore(grantee: iam.IGrantable): iam.Grant;
}

/**
 * Attributes to import an existing protected secret.
 */
export interface ProtectedSecretAttributes {
  /**
   * The complete ARN of the secret, with its six-character suffix. In an environment-agnostic stack a literal ARN's
   * account cannot be compared with the stack's, so the checks for a secret of another account are skipped and synth
   * warns (`cdk-protected-secrets:imported-account-unknown`): give the stack `env`, or acknowledge it for a secret of
   * the deploying account.
   */
  readonly secretCompleteArn: string;

  /**
   * The secret's name, without the six-character suffix: what the Parameter Store reference names
   * (`/aws/reference/secretsmanager/<name>`). Needed for `parameterStoreReference` and `grantReadViaParameterStore`
   * when `secretCompleteArn` is known only at deploy (a token, such as a value read from a parameter or another
   * stack), which cannot be cut at synth.
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/integration-ps-secretsmanager.html
   * @default - parsed from `secretCompleteArn` when it is known at synth
   */
  readonly secretName?: string;

  /**
   * The customer-managed key the secret is encrypted with. Grants then add use of the key through Secrets Manager
   * (`kms:ViaService`) to the grantee's IAM policy; the key's own policy must let the account's IAM policies
   * grant it (the default key policy does for its own account; a key of another account must name this one). Pass the key, not an alias imported by name (KMS does not match an alias
   * in IAM policies): that is refused. Required to grant on a secret of another account: its callers need the key in
   * their own policy, and the AWS managed key cannot be used across accounts
   * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html). A key of another
   * region than the secret's ARN is refused: Secrets Manager encrypts a secret with a key of its own region.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
   * @default - grants cover the secret only, not its key
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Properties for a `ProtectedSecret`.
 */
export interface ProtectedSecretProps {
  /**
   * A name for the secret. Choose it before the first deployment: setting, changing or removing it later replaces the
   * secret. The new one gets a new generated value, and the old one, with whatever writers stored in it and its
   * resource policy, is kept outside the stack and outside monitoring. See "Changes a deployed secret cannot take" in
   * the README.
   * @default - a name generated by CloudFormation
   */
  readonly secretName?: string;

  /**
   * A description of the secret, at most 2,048 characters.
   * @default - no description
   */
  readonly description?: string;

  /**
   * How the secret's value is generated. Use `secretStringTemplate` with `generateStringKey` for a JSON secret
   * with one generated field (the template must be a JSON object). A plaintext value is deliberately not accepted: it
   * would be written into the template. `passwordLength` is a whole number from 8 to 4096, and the options must leave
   * characters to draw from. Choose it before the first deployment: any change to it on a deployed secret (even to the
   * template's fixed fields) makes CloudFormation generate a new value (https://github.com/aws/aws-cdk/issues/19985),
   * and whatever was given the old one (a database's master password) keeps the old one. As a `RotatedDatabase`'s
   * `superuserSecret`, give it a template with `username` and `generateStringKey: 'password'`, and exclude `/`, `"` and
   * `@` (RDS refuses them in a master password).
   * @see https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2210
   * @default - a 32-character value without the characters that break connection strings
   */
  readonly generateSecretString?: secretsmanager.SecretStringGenerator;

  /**
   * The customer-managed KMS key that encrypts the secret. A key of this app gets a key policy statement that
   * lets Secrets Manager use it; an imported key must already allow that. An alias imported by name
   * (`kms.Alias.fromAliasName`) is refused: KMS does not match an alias in the IAM policies the grants write. So is a
   * key of this app Secrets Manager cannot encrypt with: one of another region, an asymmetric or HMAC key (it takes
   * "any symmetric encryption customer managed key in the AWS account and Region") or a disabled one.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
   * @default - a new key with rotation enabled, an alias, and a policy that allows use only through Secrets Manager
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The alias of the key the construct creates. Cannot be combined with `encryptionKey`. It is `alias/` and a name of
   * letters, digits, `/`, `_` and `-`, at most 256 characters in all, not under the reserved `alias/aws/`, and not the
   * alias of another key of the app in the same account and region.
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html
   * @default - `alias/protected-secret/<unique id of this construct>`
   */
  readonly keyAlias?: string;

  /**
   * Principals that may read the secret's value (`GetSecretValue`, `DescribeSecret`).
   * IAM principals (roles, users) of the secret's account, or AWS service principals; a principal of another account
   * (also an `ArnPrincipal` naming one) is refused: a reader there would also need its own account's IAM policy, which
   * this construct does not manage. A service principal may read only on behalf of the secret's account (the
   * statement requires `aws:SourceAccount`), so another account's use of the service cannot read it; for a service
   * that does not send that key, pass the principal with conditions of your own instead
   * (`new iam.ServicePrincipal(...).withConditions({ ArnLike: { 'aws:SourceArn': ... } })`). Pass services and IAM
   * principals separately, not in one `CompositePrincipal`.
   * @default - none
   */
  readonly readers?: iam.IPrincipal[];

  /**
   * Principals that may read and change the secret's value (`PutSecretValue` and `UpdateSecretVersionStage`
   * in addition to the reader actions). The same principals as for `readers`.
   * @default - none
   */
  readonly writers?: iam.IPrincipal[];

  /**
   * Deny reading and writing the value to every principal that is not a reader, a writer, a grantee of
   * `grantRead`/`grantWrite` (on this construct or on `.secret`), one of `breakGlassPrincipals`, the stack's
   * CloudFormation execution role or one of `deployRoles`. Management actions (describe, tag, delete, change the
   * resource policy) are not denied, so account administrators are never locked out. With this on, at least one
   * reader or writer is required, and linking the secret to a replica in another account
   * (`AssociateCrossAccountReplica`, a standing copy outside this policy) is denied to everyone.
   * @default true
   */
  readonly denyOthers?: boolean;

  /**
   * Roles or users that deploy this stack with their own credentials (no CloudFormation service role), exempt
   * from the deny so CloudFormation, acting for them, can resolve dynamic references to the value and attach it to
   * a database. Whoever may deploy a template can read the value that way, so list only the deployers you trust
   * with it. The stack synthesizer's CloudFormation execution role (`DefaultStackSynthesizer`) is always exempt.
   * Refused with `denyOthers: false`, which leaves no deny to exempt them from.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html
   * @default - only the synthesizer's CloudFormation execution role, when the synthesizer names one
   */
  readonly deployRoles?: iam.IPrincipal[];

  /**
   * Principals exempt from the explicit deny, for emergency access (refused with `denyOthers: false`). They still need an IAM policy that allows
   * the action.
   * @default - none
   */
  readonly breakGlassPrincipals?: iam.IPrincipal[];

  /**
   * Publish the secret's ARN (never its value) as an SSM `StringParameter` with this name, for discovery.
   * The name must start with a forward slash, hold only letters, digits, `_`, `.`, `-` and `/`, not begin with `aws`
   * or `ssm` (in any case), have at most 15 levels, fit Systems Manager's 1,011 characters counted with the parameter
   * ARN's prefix, and not be the name of another secret's parameter in the same account and region.
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
   * @default - no parameter
   */
  readonly arnParameterName?: string;

  /**
   * What happens to the secret and the key the construct creates when they leave the stack. With
   * `RemovalPolicy.DESTROY`, a later change of `encryptionKey` deletes the old key, and the secret's versions other
   * than AWSCURRENT, AWSPENDING and AWSPREVIOUS, still encrypted with it, become unreadable: see "Changes a deployed
   * secret cannot take" in the README.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: kept when it leaves the stack, deleted when the deploy that
   * created it rolls back (CloudFormation's RetainExceptOnCreate), so a failed first deploy does not leave it behind
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Alerts on changes to the secret, on its rotations and on use of deprecated versions (see `SecretMonitoring`).
   * @default - monitoring on, alerts to the stack's shared KMS-encrypted SNS topic, no email subscriptions
   */
  readonly monitoring?: MonitoringOptions;
}

/**
 * Every `IProtectedSecret` member, written once for an owned and an imported protected secret: each delegates to
 * the `aws-cdk-lib` secret it stands for, and the grants add what aws-cdk-lib leaves out (a write without
 * `UpdateSecret`, and use of a key of another app through the grantee's IAM policy).
 */
abstract class ProtectedSecretBase extends Resource implements IProtectedSecret {
  public abstract readonly secretArn: string;
  public abstract readonly secretName: string;
  public abstract readonly encryptionKey?: kms.IKey;

  /**
   * The `aws-cdk-lib` secret every member delegates to.
   * @internal
   */
  protected abstract readonly _delegate: secretsmanager.ISecret;

  /** The Parameter Store name that resolves to this secret. @attribute */
  public get parameterStoreReference(): string {
    return `${PARAMETER_STORE_REFERENCE_PREFIX}${this.secretName}`;
  }

  public get secretFullArn(): string | undefined {
    return this._delegate.secretFullArn;
  }

  public get secretValue(): SecretValue {
    return this._delegate.secretValue;
  }

  public get secretRef(): secretsmanager.SecretReference {
    return this._delegate.secretRef;
  }

  public secretValueFromJson(key: string): SecretValue {
    return this._delegate.secretValueFromJson(key);
  }

  /**
   * Grants reading the secret's value and decrypting it with the key (through Secrets Manager only),
   * and exempts the grantee from the explicit deny of an owned secret. `versionStages` limit the grantee's own IAM
   * statement (and any resource-policy statement), whatever the stacks' environments.
   */
  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    const exempted = this._exemptGrantee(grantee, 'read');
    return this._grantReadOnDelegate(exempted, versionStages).combine(this.grantKeyOfAnotherApp(exempted, ['kms:Decrypt']));
  }

  /**
   * The read grant on the secret itself, its `versionStages` limit on the grantee's own statement too (see
   * grantReadWithLimits). An owned secret's delegate grants so and also exempts the grantee and covers the replicas.
   * @internal
   */
  protected _grantReadOnDelegate(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    return grantReadWithLimits(this._delegate, grantee, versionStages);
  }

  /**
   * Grants changing the secret's value and using the key for it (encrypt, and decrypt, which Secrets Manager needs
   * for the writer too; through Secrets Manager only), and exempts the grantee from the explicit deny of an owned secret.
   */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    const exempted = this._exemptGrantee(grantee, 'write');
    return grantWriteWithoutUpdateSecret(this._delegate, exempted)
      .combine(this.grantKeyOfAnotherApp(exempted, ['kms:GenerateDataKey', 'kms:Decrypt']));
  }

  /**
   * Grants `ssm:GetParameter` on the Parameter Store reference plus what reading the secret needs. The reference
   * resolves in the caller's own account: on a secret imported from another account it is refused, and on one imported
   * by a literal ARN into an environment-agnostic stack synth warns (`cdk-protected-secrets:parameter-store-account-unknown`).
   */
  public grantReadViaParameterStore(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      // The reference name already starts with a slash, so no separator after `parameter`.
      // In the secret's own region and account (an imported secret's, from its ARN): a reference names the secret by
      // name only, so it is called in the region and account that hold the secret.
      resourceArns: [Arn.format({
        service: 'ssm',
        region: this.env.region,
        account: this.env.account,
        resource: 'parameter',
        resourceName: this.parameterStoreReference.slice(1),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }, Stack.of(this))],
    }).combine(this.grantRead(grantee));
  }

  /**
   * Rotates the secret with your own Lambda function (or a hosted rotation). The function gets an invoke permission
   * for this secret and account only (`SourceArn`, `SourceAccount`) and the grants rotation needs, which exempt its
   * role from the deny of an owned secret. With monitoring on, the function gets an alarm on its errors and alerts on
   * changes to it (`SecretMonitoring.addRotationFunction`): its role may read and write the secret. With monitoring on,
   * a function of another account or region is refused (its metrics and calls never reach this stack's).
   */
  public addRotationSchedule(id: string, options: secretsmanager.RotationScheduleOptions): secretsmanager.RotationSchedule {
    // A hosted rotation's function and invoke permission come from Secrets Manager's transform, not from this library.
    if (!options.rotationLambda) return this._delegate.addRotationSchedule(id, options);
    const grant = (fn: iam.IGrantable) => [this.grantRead(fn), this.grantWrite(fn)];
    const schedule = scheduleRotationByFunction(this, id, this._delegate, options.rotationLambda, options, grant);
    this._watchRotationFunction(options.rotationLambda);
    return schedule;
  }

  /**
   * Puts a rotation function of this secret under its monitoring; an imported secret has none.
   * @internal
   */
  protected _watchRotationFunction(_fn: lambda.IFunction): void {}

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return this._delegate.addToResourcePolicy(statement);
  }

  public denyAccountRootDelete(): void {
    this._delegate.denyAccountRootDelete();
  }

  public attach(target: secretsmanager.ISecretAttachmentTarget): secretsmanager.ISecret {
    return this._delegate.attach(target);
  }

  public cfnDynamicReferenceKey(options?: SecretsManagerSecretOptions): string {
    return this._delegate.cfnDynamicReferenceKey(options);
  }

  /**
   * Lifts the explicit deny for a grantee and returns the grantee the grant goes on with. Only an owned secret has a
   * deny of this app to lift.
   * @internal
   */
  protected _exemptGrantee(grantee: iam.IGrantable, _access?: 'read' | 'write'): iam.IGrantable {
    return grantee;
  }

  /**
   * aws-cdk-lib grants key use by adding to the key's policy, which is a no-op for a key imported by ARN: the
   * rotation function of the secret would then fail at its first PutSecretValue. A key of another app gets the
   * same kms:ViaService-scoped use in the grantee's IAM policy instead (its key policy must delegate to IAM).
   */
  private grantKeyOfAnotherApp(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const key = this.encryptionKey;
    // aws-cdk-lib's grant on a key of this app names the stack's region in kms:ViaService: right for a secret of that
    // region only, so a secret imported from another region gets the statement for its own region here too.
    if (!key) return iam.Grant.drop(grantee, 'no key');
    if (isKeyOfThisApp(key)) {
      const sameRegion = Token.compareStrings(this.env.region, Stack.of(this).region) !== TokenComparison.DIFFERENT;
      if (sameRegion) return iam.Grant.drop(grantee, 'the key policy of a key of this app');
      // In the key's policy, as aws-cdk-lib's own grant is: a statement in the grantee's policy naming the key would
      // make each stack depend on the other.
      return key.grant(new kms.ViaServicePrincipal(`secretsmanager.${this.env.region}.amazonaws.com`, grantee.grantPrincipal), ...actions);
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [keyArnOf(key)],
      // The secret's region (an imported secret's, from its ARN), where Secrets Manager calls KMS for it.
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.env.region}.amazonaws.com` } },
    });
  }
}

/**
 * A Secrets Manager secret that is secure by default: encrypted with a customer-managed KMS key usable only
 * through Secrets Manager, a resource policy that names who may read and write it and denies everyone else,
 * public policies blocked, and a Parameter Store reference.
 *
 * It implements `ISecret`, so it can be passed wherever `aws-cdk-lib` wants a secret.
 */
export class ProtectedSecret extends ProtectedSecretBase {
  /**
   * Whether `x` is a `ProtectedSecret` created in this app (not an imported one), across copies of this library.
   */
  public static isProtectedSecret(x: any): x is ProtectedSecret {
    return hasMarker(x, 'ProtectedSecret');
  }

  /**
   * Imports a secret that was created elsewhere, so it can be granted and referenced through Parameter Store.
   */
  public static fromProtectedSecretAttributes(scope: Construct, id: string, attrs: ProtectedSecretAttributes): IProtectedSecret {
    const aliasError = aliasImportedByNameError(attrs.encryptionKey);
    if (aliasError) throw new Error(`ProtectedSecret ${scope.node.path}/${id}: ${aliasError}`);
    let secret: secretsmanager.ISecret;
    try {
      secret = secretsmanager.Secret.fromSecretAttributes(scope, `${id}Secret`, {
        secretCompleteArn: attrs.secretCompleteArn,
        encryptionKey: attrs.encryptionKey,
      });
    } catch (e) {
      // aws-cdk-lib's message ("does not appear to be complete") names neither this construct nor where to find the ARN.
      const message = (e as Error).message;
      if (!/complete/.test(message)) throw e;
      throw new Error(`ProtectedSecret ${scope.node.path}/${id}: ${message}. Pass the secret's complete ARN, with the six-character `
        + 'suffix Secrets Manager adds to the name (the ARN that DescribeSecret or the console shows).');
    }
    const keyRegion = attrs.encryptionKey ? keyRegionOf(attrs.encryptionKey) : undefined;
    if (keyRegion !== undefined && Token.compareStrings(keyRegion, secret.env.region) === TokenComparison.DIFFERENT) {
      // As validateProps refuses for an owned secret: "any symmetric encryption customer managed key in the AWS account
      // and Region" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
      throw new Error(`ProtectedSecret ${scope.node.path}/${id}: \`encryptionKey\` is in region ${keyRegion} but the secret is in ${secret.env.region}; `
        + 'Secrets Manager needs a key in the secret\'s region, so the grants would name a key that cannot be the secret\'s. Pass the key the secret is encrypted with.');
    }
    const otherAccount = otherAccountOf(scope, secret);
    const accountUnverified = unverifiedAccountOf(scope, secret);
    const nameUnknown = attrs.secretName === undefined && Token.isUnresolved(attrs.secretCompleteArn);
    const given = attrs.secretName;
    if (given !== undefined && !Token.isUnresolved(given) && !Token.isUnresolved(secret.secretName) && given !== secret.secretName) {
      throw new Error(`ProtectedSecret ${scope.node.path}/${id}: \`secretName\` is "${attrs.secretName}", but \`secretCompleteArn\` names the secret "${secret.secretName}"; `
        + 'leave `secretName` out (it is read from a literal ARN) or pass the name the ARN carries.');
    }
    const imported = new class extends ProtectedSecretBase {
      public readonly secretArn = secret.secretArn;
      public readonly secretName = attrs.secretName ?? secret.secretName;

      public get parameterStoreReference(): string {
        // aws-cdk-lib's name of a token ARN is its whole last field, suffix included, which the reference cannot take:
        // Secrets Manager refuses a name with the suffix (ResourceNotFoundException or AccessDeniedException).
        if (otherAccount) {
          // "To retrieve a secret from another account, you must use an ARN"
          // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html): the reference names
          // the secret by name, which resolves in the caller's own account.
          throw new Error(`ProtectedSecret ${this.node.path}: the secret is in account ${otherAccount}, and a Parameter Store reference `
            + '(/aws/reference/secretsmanager/<name>) names a secret of the caller\'s own account; read it with GetSecretValue by its ARN (`grantRead`).');
        }
        if (accountUnverified) {
          Annotations.of(this).addWarningV2('cdk-protected-secrets:parameter-store-account-unknown',
            `${accountUnknownOpening(this.node.path, accountUnverified)}. If it is not, the Parameter Store reference (/aws/reference/secretsmanager/<name>) `
            + 'cannot work: it names the secret by name, which resolves in the caller\'s own account ("To retrieve a secret from another account, you must use an ARN", '
            + 'https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html). Then read it with GetSecretValue by its ARN (`grantRead`). '
            + 'Give the stack `env` with its account to have a reference of another account refused at synth, or acknowledge this warning if the secret is in the deploying account.');
        }
        if (nameUnknown) {
          throw new Error(`ProtectedSecret ${this.node.path}: \`secretCompleteArn\` is known only at deploy, so the secret's name without its suffix `
            + 'cannot be read from it for the Parameter Store reference (/aws/reference/secretsmanager/<name>); pass `secretName` to `fromProtectedSecretAttributes`.');
        }
        return super.parameterStoreReference;
      }
      public readonly encryptionKey = secret.encryptionKey;
      /** @internal */
      protected readonly _delegate = secret;

      /** @internal */
      protected _exemptGrantee(grantee: iam.IGrantable, _access?: 'read' | 'write'): iam.IGrantable {
        // The owner's deny (denyOthers) refuses every role it does not name, whatever this app's IAM policy allows.
        const who = Construct.isConstruct(grantee) ? grantee.node.path : grantee.grantPrincipal.toString();
        if (otherAccount) {
          // Cross-account access needs an allow in the secret's resource policy and the key's policy as well as the
          // caller's identity policy, which is all this grant writes
          // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html).
          // That page: "You must also allow the identity to use the KMS key that the secret is encrypted with", which
          // is a customer-managed key (the AWS managed key cannot be used across accounts): without it the grant
          // could never read.
          if (!secret.encryptionKey) {
            throw new Error(`${this.node.path} is a secret of account ${otherAccount} imported without \`encryptionKey\`, so the grant to ${who} `
              + 'would lack kms:Decrypt on the secret\'s key, which a caller of another account needs in its own policy, and every read would be refused. '
              + 'Ask the owner for the key\'s ARN and pass the key (kms.Key.fromKeyArn) as `encryptionKey` of `fromProtectedSecretAttributes`.');
          }
          Annotations.of(this).addWarningV2('cdk-protected-secrets:imported-grant',
            `${this.node.path} is a secret of account ${otherAccount}: the grant to ${who} writes only this account's side. Its owner must also `
            + 'allow the role in the secret\'s resource policy and in its key\'s policy, or every call is refused. A ProtectedSecret takes no readers or writers '
            + 'of another account and its deny refuses them (unless `denyOthers: false`): rather assume a role of that account that its owner lists in `readers`.');
          return grantee;
        }
        Annotations.of(this).addWarningV2('cdk-protected-secrets:imported-grant',
          `${this.node.path} is imported: the grant to ${who} takes effect only if the owning ProtectedSecret exempts the role from its deny. `
          + 'List the role in that secret\'s `readers` or `writers` (or grant it there), or its calls are denied.');
        return grantee;
      }
    }(scope, id, { environmentFromArn: secret.secretArn });
    if (accountUnverified) {
      // A warning, not a refusal: a literal ARN in an environment-agnostic stack is also how a secret of the deploying
      // account is imported, which the stack cannot tell apart.
      Annotations.of(imported).addWarningV2('cdk-protected-secrets:imported-account-unknown',
        `${accountUnknownOpening(imported.node.path, accountUnverified)}, and the checks for a secret of another account are skipped. If it is another account, `
        + 'its callers need kms:Decrypt on the secret\'s key in their own policy, and its owner must allow them in the secret\'s and the key\'s policies '
        + '(https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html). Give the stack `env` with its account, '
        + (attrs.encryptionKey ? '' : 'or pass the secret\'s key as `encryptionKey`, ')
        + 'or acknowledge this warning if the secret is in the deploying account.');
    }
    return imported;
  }

  /** The underlying `aws-cdk-lib` secret. */
  public readonly secret: secretsmanager.Secret;
  /** The customer-managed key that encrypts the secret (always set; optional only to match `ISecret`). */
  public readonly encryptionKey?: kms.IKey;
  /** The ARN of the secret. @attribute */
  public readonly secretArn: string;
  /** The name of the secret. @attribute */
  public readonly secretName: string;
  /** The SSM parameter that publishes the secret's ARN, when `arnParameterName` was given. */
  public readonly arnParameter?: ssm.StringParameter;
  /** The stack's monitoring, whose rules and alarms watch this secret among others, unless monitoring was switched off. */
  public readonly monitoring?: SecretMonitoring;

  /** @internal */
  protected readonly _delegate: secretsmanager.ISecret;


  private readonly denyOthers: boolean;
  private readonly exemptPrincipalArns: string[] = [];
  /** The principals granted reads and writes (grantRead, grantWrite, here or on `.secret`, and readers/writers). */
  private readonly granted = { read: new Set<iam.IPrincipal>(), write: new Set<iam.IPrincipal>() };
  private readonly exemptServiceNames: string[] = [];
  /** The principals CloudFormation acts as when it deploys the secret (see exemptDeployers). */
  private readonly deployerArns: string[] = [];
  /** The replicas added with a key (here or on `.secret`), which every reader may read too (see grantReplicaKey). */
  private readonly replicas: Replica[] = [];
  /** The IAM statements `grantRead` wrote (here or on `.secret`): each also names every replica's ARN. */
  private readonly readGrantStatements: iam.PolicyStatement[] = [];
  private accessorCount = 0;

  constructor(scope: Construct, id: string, props: ProtectedSecretProps = {}) {
    super(scope, id);
    validateProps(this, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.denyOthers = props.denyOthers ?? true;

    const key = props.encryptionKey ?? this.createKey(props, removalPolicy);
    this.encryptionKey = key;
    this.secret = this.createSecret(props, key, removalPolicy);
    this._delegate = this.secret;
    this.secretArn = this.secret.secretArn;
    // A name we were given is exact; the one parsed from the ARN is a token.
    this.secretName = props.secretName ?? this.secret.secretName;

    this.writeResourcePolicy(props, key);
    this.arnParameter = this.publishArn(props.arnParameterName);
    this.monitoring = this.joinMonitoring(props.monitoring ?? {});
    this.node.addValidation({ validate: () => this.unusableErrors() });
    this.node.addValidation({ validate: () => this.warnOfPolicySize() });
    this.node.addValidation({ validate: () => this.replicaWithoutKeyErrors() });
    this.node.addValidation({ validate: () => this.replicaKeyErrors() });
    // Beside the constructor's checks of `encryptionKey` (validateProps), at synth: an escape hatch may change the key.
    if (props.encryptionKey) {
      const encryptionKey = props.encryptionKey;
      this.node.addValidation({ validate: () => unusableKeyErrors(encryptionKey, '`encryptionKey`') });
    }
    shareAppWalkInValidation(this);
    this.node.addValidation({ validate: () => this.foreignRotationErrors() });
  }

  /** @internal */
  protected _grantReadOnDelegate(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    return this.secret.grantRead(grantee, versionStages);
  }

  /** @internal */
  protected _watchRotationFunction(fn: lambda.IFunction): void {
    this.monitoring?.addRotationFunction(fn);
  }

  /**
   * Replicates the secret to `region`, encrypted with `encryptionKey`, a customer-managed key of that region.
   *
   * The same as `secret.addReplicaRegion(region, encryptionKey)`. Secrets Manager copies the value and the resource policy, so the
   * deny holds there too. Every reader, writer and grantee of the secret (before or after this call) gets, in its IAM
   * policy, `GetSecretValue`/`DescribeSecret` on the replica (where its grant was an IAM statement) and `kms:Decrypt` on
   * the replica's key through Secrets Manager of that region: the key's policy must let the account's IAM policies grant
   * it (a `SecretsKey` and the default key policy do). A principal that takes no IAM statement (a service principal) is
   * not granted the replica: synth warns (`cdk-protected-secrets:replica-not-granted`). Writes go to the primary only.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html
   */
  public addReplicaRegion(region: string, encryptionKey: kms.IKey): void {
    this.secret.addReplicaRegion(region, encryptionKey);
  }

  /**
   * Applies the removal policy to the secret, its resource policy and its own key. A database's secret keeps its key
   * while the database's data outlives the stack (a final snapshot, a retained database): the key encrypts that
   * storage too, and "After a KMS key is deleted, you can no longer decrypt the data that was encrypted under that KMS
   * key" (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html).
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.secret.applyRemovalPolicy(policy);
    const key = this.encryptionKey;
    if (!(key instanceof kms.Key) || key.node.scope !== this) return;
    const database = databaseKeepingKey(key);
    if (database && policy === RemovalPolicy.DESTROY) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:key-kept-for-database',
        `ProtectedSecret ${this.node.path}: applyRemovalPolicy(DESTROY) deletes the secret but keeps its KMS key, which also encrypts the storage of `
        + `${database.node.path}, whose data outlives the stack (its final snapshot, or the database itself): deleting the key would make it unreadable. `
        + 'Give the database `removalPolicy: RemovalPolicy.DESTROY` too to delete the key with it, or delete the key yourself once the data is gone.');
      return;
    }
    key.applyRemovalPolicy(policy);
  }

  /**
   * A grant through this construct exempts like one through `.secret`, whose grants exempt by themselves.
   * @internal
   */
  protected _exemptGrantee(grantee: iam.IGrantable, access?: 'read' | 'write'): iam.IGrantable {
    return this.exemptGrantee(grantee, access);
  }

  /** The secret, whose grants (and those of the database attachment it creates) exempt their grantees too. */
  private createSecret(props: ProtectedSecretProps, key: kms.IKey, removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new GrantExemptingSecret(this, 'Secret', {
      secretName: props.secretName,
      description: props.description,
      encryptionKey: key,
      generateSecretString: props.generateSecretString ?? {
        passwordLength: 32,
        excludeCharacters: EXCLUDED_PASSWORD_CHARACTERS,
      },
      removalPolicy,
    });
    secret.onGrant = (grantee, access) => this.exemptGrantee(grantee, access);
    secret.onReadGrant = grant => this.extendReadGrantToReplicas(grant);
    secret.onReplica = (region, replicaKey) => this.addReplica(region, replicaKey);
    secret.denyOthers = this.denyOthers;
    return secret;
  }

  /** Readers, writers and the exemptions, then the deny for everyone else and no public policy. */
  private writeResourcePolicy(props: ProtectedSecretProps, key: kms.IKey): void {
    for (const reader of props.readers ?? []) {
      this.allow(reader, key, READ_ACTIONS, 'readers');
      this.recordGranted(reader, 'read');
    }
    for (const writer of props.writers ?? []) {
      this.allow(writer, key, [...READ_ACTIONS, ...WRITE_ACTIONS], 'writers');
      this.recordGranted(writer, 'read');
    }
    for (const principal of props.breakGlassPrincipals ?? []) this.exempt(principal, 'breakGlassPrincipals', false);
    this.exemptDeployers(props.deployRoles ?? []);
    if (this.denyOthers) this.addDenyOthers();
    if (this.denyOthers) this.denyCrossAccountReplication();
    this.denyLibraryTagChangesToEveryoneElse();
    // An aspect, because grants made after construction may create the resource policy later (and the removal policy
    // may change after construction too).
    Aspects.of(this).add(new BlockPublicPolicy(this.secret));
  }

  private publishArn(parameterName: string | undefined): ssm.StringParameter | undefined {
    if (!parameterName) return undefined;
    return new ssm.StringParameter(this, 'ArnParameter', {
      parameterName,
      stringValue: this.secretArn,
      description: `ARN of the secret ${this.node.path} (not its value)`,
    });
  }

  private joinMonitoring(options: MonitoringOptions): SecretMonitoring | undefined {
    if (!(options.enabled ?? true)) return undefined;
    // The stack's one monitoring: its rules hold many secrets, so a secret adds no rule or alarm of its own.
    const monitoring = SecretMonitoring.forStack(this, destinationOptions(options));
    monitoring.addSecret(this, { watchDeprecatedAccess: options.watchDeprecatedAccess, watchTagChanges: options.watchTagChanges });
    return monitoring;
  }

  /**
   * Warns before Secrets Manager refuses the resource policy: it takes at most 20,480 characters (PutResourcePolicy's
   * ResourcePolicy, https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html), and
   * each reader or writer adds an Allow statement and an exemption in the deny (about 340 characters deployed, so
   * about 55 of them fit). Measured as Secrets Manager receives it, each principal the template names by an intrinsic at
   * its longest ARN; a policy of few statements and short literal ARNs is not resolved at all, to keep synth fast.
   */
  private warnOfPolicySize(): string[] {
    // aws-cdk-lib's Secret keeps its policy private; it is the ResourcePolicy child it creates on the first statement.
    const document = (this.secret.node.tryFindChild('Policy') as secretsmanager.ResourcePolicy | undefined)?.document;
    // Literal ARNs count at their length: a role path may be 512 characters, so few readers can fill the policy too.
    const literalLength = this.exemptPrincipalArns.filter(arn => !Token.isUnresolved(arn)).reduce((sum, arn) => sum + arn.length, 0);
    const few = document && document.statementCount + this.exemptPrincipalArns.length < POLICY_SIZE_CHECK_FROM;
    if (!document || (few && literalLength < RESOURCE_POLICY_LIMIT / 4)) return [];
    const size = JSON.stringify(longestDeployed(Stack.of(this).resolve(document), () => LONGEST_ROLE_ARN)).length;
    if (size > RESOURCE_POLICY_LIMIT * 0.9) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:resource-policy-size',
        `ProtectedSecret ${this.node.path}: its resource policy is about ${size.toLocaleString('en-US')} characters when deployed, near Secrets Manager's `
        + `limit of ${RESOURCE_POLICY_LIMIT.toLocaleString('en-US')}. Give the readers one role they assume, or read through fewer principals.`);
    }
    return [];
  }

  /**
   * A replica added on `secret` (`addReplicaRegion(region)`) without a key would be encrypted with the AWS managed key:
   * "If you don't include this field, Secrets Manager uses aws/secretsmanager"
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-replicaregion.html).
   */
  private replicaWithoutKeyErrors(): string[] {
    const cfnSecret = this.secret.node.defaultChild as secretsmanager.CfnSecret;
    const replicas: unknown = Stack.of(this).resolve(cfnSecret.replicaRegions);
    // A list set as a whole by an intrinsic (a parameter) is the user's to check.
    if (!Array.isArray(replicas)) return [];
    // The AWS managed key named by its alias (an ARN that ends in alias/aws/secretsmanager, literal or joined) is no key either.
    const keyless = (key: unknown) => key === undefined || /alias\/aws\/secretsmanager"?\]*\]*\}*$/.test(JSON.stringify(key));
    // A replica written into the CfnSecret directly (its replicaRegions, an override) skipped addReplicaRegion: the
    // readers are not granted it.
    const known = new Set(this.replicas.map(replica => replica.region));
    for (const replica of replicas as Array<{ region: unknown }>) {
      if (replica && typeof replica.region === 'string' && !known.has(replica.region)) {
        Annotations.of(this).addWarningV2('cdk-protected-secrets:replica-not-granted', `ProtectedSecret ${this.node.path}: the replica in ${replica.region} was `
          + 'set on the CfnSecret, not with `addReplicaRegion`, so no reader or grantee is granted it: add it with `addReplicaRegion(region, key)` instead.');
      }
    }
    return (replicas as Array<{ region: unknown; kmsKeyId?: unknown }>).filter(replica => replica && keyless(replica.kmsKeyId)).map(replica =>
      `the replica in ${JSON.stringify(replica.region)} (added with \`secret.addReplicaRegion\`) has no key, so Secrets Manager would encrypt it with the AWS managed key `
      + 'aws/secretsmanager, not a customer-managed one: pass a key of that region, `secret.addReplicaRegion(region, key)`.');
  }

  /**
   * A replica whose key KMS would refuse or whose grants could never work: a key of another region ("any symmetric
   * encryption customer managed key in the AWS account and Region",
   * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html), and an alias imported by
   * name, whose ARN the readers' IAM statements would name and KMS never matches (see aliasImportedByNameError). A
   * region or key known only at deploy is left to it.
   */
  private replicaKeyErrors(): string[] {
    const errors: string[] = [];
    for (const { region, key } of this.replicas) {
      const keyRegion = keyRegionOf(key);
      if (!Token.isUnresolved(region) && keyRegion !== undefined && keyRegion !== region) {
        errors.push(`the replica in "${region}" (\`addReplicaRegion\`) has the key ${describeKey(key)} of region ${keyRegion}, but Secrets Manager encrypts a replica with a key `
          + `of the replica's region (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html): pass a key of ${region}: `
          + `one of a stack there (\`SecretsKey.forStack(thatStack)\`) or one imported by ARN, \`kms.Key.fromKeyArn(this, 'ReplicaKey', 'arn:aws:kms:${region}:<account>:key/<id>')\`.`);
      }
      errors.push(...unusableKeyErrors(key, `the replica's key (\`addReplicaRegion("${region}", key)\`)`));
      const alias = isKey(key) ? aliasImportedByName(key) : undefined;
      if (alias && !/^alias\/aws\/secretsmanager$/.test(alias)) {
        errors.push(`the replica in "${region}" (\`addReplicaRegion\`) has the key ${alias}, an alias imported by name or alias ARN, so the readers' grants would name the alias's ARN, `
          + 'which KMS does not match in IAM policies (https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html): pass the key itself, '
          + `\`kms.Key.fromKeyArn(this, 'ReplicaKey', 'arn:aws:kms:${region}:<account>:key/<id>')\`.`);
      }
    }
    return errors;
  }

  /** A replica added with a key: every principal granted read so far may read it too, as will those granted later. */
  private addReplica(region: string, key: kms.IKeyRef): void {
    const replica: Replica = { region, key, arn: this.replicaArn(region) };
    this.replicas.push(replica);
    for (const statement of this.readGrantStatements) statement.addResources(replica.arn);
    for (const principal of this.granted.read) this.grantReplicaKey(principal, replica);
  }

  /**
   * The ARN of the replica in `region`: "The ARN for a replicated secret is the same as the primary secret except for
   * the Region" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html),
   * so the secret's name with its suffix is the seventh field of the primary's ARN.
   */
  private replicaArn(region: string): string {
    return Arn.format({
      service: 'secretsmanager',
      region,
      resource: 'secret',
      resourceName: Fn.select(6, Fn.split(':', this.secretArn)),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }, Stack.of(this));
  }

  /** A read granted in an IAM statement (grantRead, here or on `.secret`) covers every replica, with its conditions. */
  private extendReadGrantToReplicas(grant: iam.Grant): void {
    for (const statement of grant.principalStatements) {
      this.readGrantStatements.push(statement);
      if (this.replicas.length > 0) statement.addResources(...this.replicas.map(replica => replica.arn));
    }
  }

  /** Records a principal granted `access`; a new reader may read every replica added so far. */
  private recordGranted(principal: iam.IPrincipal, access: 'read' | 'write'): void {
    const known = this.granted[access].has(principal);
    this.granted[access].add(principal);
    if (access === 'read' && !known) this.replicas.forEach(replica => this.grantReplicaKey(principal, replica));
  }

  /**
   * The replica's key through Secrets Manager of the replica's region, in the principal's own IAM policy: the key is
   * of another region, and a statement in its policy naming a role of this stack would be a reference aws-cdk-lib refuses
   * across regions. The value is read in the replica's region, where Secrets Manager decrypts it with that key. A
   * principal without an IAM policy of this app (a service principal) cannot be granted so.
   */
  private grantReplicaKey(principal: iam.IPrincipal, replica: Replica): void {
    // The rotation function's role reads and writes in the primary region only: "Secrets Manager rotates the secret in
    // the primary Region, and the new secret value propagates to all of the associated replica secrets"
    // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
    if (hasMarker(principal, 'RotationGrantee')) return;
    // An imported role with `mutable: false` reports a statement as added and drops it (aws-cdk-lib's ImmutableRole,
    // whose class aws-cdk-lib exports under no public name; `ImmutableRole2` once wrapped for property injection).
    const immutable = /^ImmutableRole\d*$/.test(principal.constructor?.name ?? '');
    const added = !immutable && principal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [isKey(replica.key) ? keyArnOf(replica.key) : replica.key.keyRef.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${replica.region}.amazonaws.com` } },
    })).statementAdded;
    if (added) return;
    const arn = (principal as Partial<iam.IRole>).roleArn;
    const described = principal.toString();
    const who = arn !== undefined && !Token.isUnresolved(arn) ? arn
      : Construct.isConstruct(principal) ? principal.node.path
        : described !== '[object Object]' ? described : JSON.stringify(Stack.of(this).resolve(principal.policyFragment.principalJson));
    Annotations.of(this).addWarningV2('cdk-protected-secrets:replica-not-granted',
      `ProtectedSecret ${this.node.path}: ${who} may read the secret but not its replica in ${replica.region}: it takes no IAM statement, and reading the replica `
      + `needs kms:Decrypt on the replica's key ${describeKey(replica.key)} through Secrets Manager of ${replica.region}. `
      + (isServiceOnly(principal)
        ? `Allow the service in that key's policy (kms:ViaService secretsmanager.${replica.region}.amazonaws.com), or let it read the primary.`
        : immutable
          ? 'It was imported with mutable: false: add that statement to its policy where the role is managed, or let it read the primary.'
          : 'Pass a role (`iam.Role.fromRoleArn`) rather than an ArnPrincipal, or let it read the primary.'));
  }

  private unusableErrors(): string[] {
    return this.denyOthers && this.accessorCount === 0
      ? ['`readers` and `writers` are both empty and nothing was granted while `denyOthers` is on: nobody could use the secret. Add a reader or writer, call grantRead/grantWrite, or set `denyOthers: false`.']
      : [];
  }

  /**
   * A rotation schedule on this secret (or its attachment) that this library did not create: its function's role was
   * granted in IAM only (aws-cdk-lib RotationSchedule, SecretRotation of addRotationSingleUser/MultiUser), so the deny
   * refuses every rotation. One walk of the app's constructs, shared by every secret's validation, only when the deny is on.
   */
  private foreignRotationErrors(): string[] {
    if (!this.denyOthers) return [];
    const attachment = this.secret.node.tryFindChild('Attachment') as secretsmanager.ISecret | undefined;
    const targets = new Set([this.secret.secretArn, attachment?.secretArn].filter(a => a !== undefined));
    // A multi-user rotation of aws-cdk-lib (addRotationMultiUser) reads this secret as its master secret with a
    // function of the rotation application, whose role is created at deploy time.
    const rotatesThis = (c: IConstruct) => c instanceof secretsmanager.CfnRotationSchedule
      ? targets.has(c.secretId) && !isLibrarySchedule(c)
      : isServerlessApplication(c) && typeof c.parameters === 'object' && targets.has((c.parameters as Record<string, string>).masterSecretArn);
    return appConstructsOfKind(this, rotationOrApplication)
      .filter(rotatesThis)
      .map(c => `${c.node.path} rotates (or reads as master secret) the ProtectedSecret ${this.node.path}, but its function's role is not exempt from the deny (\`denyOthers\`), `
        + 'so every rotation would be refused. Rotate with `addRotationSchedule` on the ProtectedSecret or its `.secret` and a function with a known role, '
        + `${ROTATION_FIX}`);
  }

  private createKey(props: ProtectedSecretProps, removalPolicy: RemovalPolicy): kms.Key {
    // Our own policy: the account administers the key (see keyAdministrationStatements). aws-cdk-lib's Secret then
    // adds the use the account's IAM policies may delegate, only through Secrets Manager (kms:ViaService); the
    // secret's deny, not the key, decides who reads (the access matrix shows it).
    const policy = new iam.PolicyDocument({ statements: keyAdministrationStatements(), minimize: true });
    return new KeyWithConditionsOnStatements(this, 'Key', {
      description: `Encrypts the secret ${this.node.path}`,
      enableKeyRotation: true,
      alias: props.keyAlias ?? `alias/protected-secret/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      policy,
      removalPolicy,
    });
  }

  private allow(principal: iam.IPrincipal, key: kms.IKey, actions: string[], propName: string): void {
    this.exempt(principal, propName);
    const statement = new iam.PolicyStatement({
      principals: [withoutConditions(principal)],
      actions,
      resources: ['*'],
    });
    limitServiceToAccount(statement, principal, Stack.of(this).account);
    this.secret.addToResourcePolicy(statement);
    const writes = actions.includes('secretsmanager:PutSecretValue');
    if (!isKeyOfThisApp(key)) {
      // A key imported by ARN has no policy here, so key.grantDecrypt would add nothing and the reader would get
      // AccessDenied from KMS: give the use through Secrets Manager in the principal's own IAM policy instead, as
      // grantKeyOfAnotherApp does for grants (the key's policy must delegate to the account's IAM policies).
      iam.Grant.addToPrincipal({
        grantee: principal,
        actions: writes ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:Decrypt'],
        resourceArns: [keyArnOf(key)],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      });
      return;
    }
    // A key of another stack whose policy names a role of this stack: each stack would reference the other, which
    // aws-cdk-lib refuses as a cycle at synth without naming the prop. A role of the key's stack, or one imported by
    // ARN, is fine.
    const keyStack = Stack.of(key as unknown as IConstruct);
    const referencesThisStack = Construct.isConstruct(principal) && Stack.of(principal) === Stack.of(this)
      && this.awsPrincipalValues(principal).some(value => Token.isUnresolved(value));
    if (keyStack !== Stack.of(this) && referencesThisStack) {
      throw new Error(`ProtectedSecret ${this.node.path}: \`${propName}\` names ${principal.node.path} of this stack, and \`encryptionKey\` ${key.node.path} is a key of `
        + `stack ${keyStack.node.path}, whose policy would name the role while this stack names the key: a reference cycle between the two stacks. `
        + `Use a key of this stack (\`SecretsKey.forStack(this)\`), or a role of ${keyStack.node.path} or imported by ARN.`);
    }
    // Key policy: the principal may use the key, but only through Secrets Manager.
    // The key policy names a service without the user's conditions (see withoutConditions).
    const via = new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, withoutConditions(principal));
    if (writes) {
      key.grantEncryptDecrypt(via);
    } else {
      key.grantDecrypt(via);
    }
  }

  /**
   * Lifts the deny for `principal`. `accessor` says it also counts as someone who can use the secret (a reader,
   * writer or grantee, not a break-glass or deploy principal).
   */
  private exempt(principal: iam.IPrincipal, propName: string, accessor = true): void {
    const fail = (message: string) => {
      throw new Error(`ProtectedSecret ${this.node.path}: \`${propName}\` ${message}`);
    };
    this.refuseGroup(principal, propName);
    const json = principal.policyFragment.principalJson;
    const arns = json.AWS ?? [];
    const services = json.Service ?? [];
    const conditions = principal.policyFragment.conditions;
    if (arns.includes('*') && Object.keys(conditions).length > 0) {
      fail('contains a principal of every account that meets its conditions (such as an OrganizationPrincipal): the deny can exempt only named roles and users, '
        + 'and every role of those accounts would be allowed by their own policies. Name the roles that need the secret.');
    }
    if (arns.includes('*')) {
      fail('contains AnyPrincipal (or another "*" principal), which would open the secret to every AWS account; name the roles that need it.');
    }
    const session = arns.find(arn => !Token.isUnresolved(arn) && /^arn:[^:]+:sts::\d{12}:assumed-role\//.test(arn));
    if (session) {
      // aws:PrincipalArn of a request made with a role session is the role's ARN, not the session's:
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
      const [, roleName] = session.split('/');
      fail(`contains the role session ${session}, which never matches: the deny compares aws:PrincipalArn, which for a role session is the role's ARN. `
        + `Pass the role instead: iam.Role.fromRoleArn(this, 'Role', 'arn:aws:iam::<account>:role/<path>${roleName}').`);
    }
    if (arns.length > 0 && services.length > 0) {
      // The service's statement holds only for this account (aws:SourceAccount, see limitServiceToAccount), a key an
      // IAM principal's request does not carry: in one statement the roles beside it would be refused.
      fail('contains a principal that joins service principals and IAM principals (a CompositePrincipal); list them as separate principals.');
    }
    if (arns.length === 0 && services.length === 0) {
      fail('contains a principal that is neither an IAM principal nor a service principal (federated and canonical-user principals cannot be scoped by the secret\'s policy).');
    }
    // A service principal may carry the user's own conditions (replacing aws:SourceAccount, see limitServiceToAccount).
    // Conditions on an allow narrow nothing: another allow (the principal's own IAM policy) still grants the access
    // ("If either the identity-based policy or the resource-based policy within the same account allows the request
    // and the other doesn't, the request is still allowed":
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html).
    if (arns.length > 0 && Object.keys(conditions).length > 0) {
      fail('contains a principal with conditions, which an allow cannot enforce (an allow in the principal\'s own IAM policy grants the access without them). '
        + 'Pass the plain principal and put the conditions in its own IAM policy, or in a Deny statement (`addToResourcePolicy`) that refuses the principal when they do not hold.');
    }
    this.refuseOtherAccount(principal, propName);
    // A whole account (AccountPrincipal, or an ArnPrincipal of its ID or root ARN: "The account ARN and the shortened
    // account ID behave the same way. Both delegate permissions to the account",
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)
    // delegates to its IAM policies, while the deny's exemption (aws:PrincipalArn) would name no role or user of it:
    // every one of them would be denied, though the account counts as a reader.
    // Also inside a CompositePrincipal, and with the partition or the account a token (AccountRootPrincipal's ARN).
    // A root ARN that is a token is read as CloudFormation will get it (Fn::Join of the partition and the account).
    const wholeAccount = principal instanceof iam.AccountPrincipal ? Stack.of(this).resolve(principal.accountId)
      : arns.map(arn => rootAccountOf(Stack.of(this), arn)).find(a => a !== undefined);
    if (wholeAccount !== undefined && this.denyOthers) {
      fail(`contains the account ${typeof wholeAccount === 'string' && /^\d{12}$/.test(wholeAccount) ? wholeAccount : 'of the stack'} (an AccountPrincipal or AccountRootPrincipal, or its ID or root ARN), `
        + 'whose roles and users the deny would all refuse, since it exempts principals by ARN. '
        + 'Name the roles or users that need the secret instead, or set `denyOthers: false` to leave access to IAM policies.');
    }
    if (accessor) this.accessorCount++;
    this.exemptPrincipalArns.push(...arns);
    this.exemptServiceNames.push(...services);
  }

  /**
   * A group is no principal: the aws:PrincipalArn of a member's request is the user's ARN, so exempting the group's
   * ARN would still deny every member, and key and resource policies refuse a group as principal (the deploy fails).
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
   */
  private refuseGroup(principal: iam.IPrincipal, propName: string): void {
    const isGroup = principal instanceof iam.Group || (principal as Partial<iam.IGroup>).groupArn !== undefined
      || this.principalArnsOf(principal).some(arn => arn.includes(':group/'));
    if (isGroup) {
      throw new Error(`ProtectedSecret ${this.node.path}: \`${propName}\` contains the IAM group ${principal.toString()}; a group cannot be a policy principal `
        + 'and its members would still be denied (their requests carry the user\'s ARN). Grant the users themselves, or a role the members assume.');
    }
  }

  /** The AWS principal ARNs of a principal, or none when it has no fragment (a group's getter throws). */
  private principalArnsOf(principal: iam.IPrincipal): string[] {
    return this.awsPrincipalValues(principal).filter(a => !Token.isUnresolved(a));
  }

  /** The AWS values of a principal's policy fragment, tokens included, or none when it has no fragment. */
  private awsPrincipalValues(principal: iam.IPrincipal): string[] {
    try {
      return principal.policyFragment.principalJson.AWS ?? [];
    } catch {
      return [];
    }
  }

  /**
   * Exempts a grantee and returns the grantee the grant should use. A grant from another stack writes the grantee's
   * policy there, naming this secret (that stack depends on this one); an exemption or key policy naming the role by
   * reference would make this stack depend on that one: a cycle. A role with a fixed name has an ARN known without
   * a reference, so the grant goes on with the role named by that ARN here and its policy still written there.
   */
  private exemptGrantee(grantee: iam.IGrantable, access?: 'read' | 'write'): iam.IGrantable {
    const listed = this.granted.read.has(grantee.grantPrincipal) || this.granted.write.has(grantee.grantPrincipal);
    if (access) this.recordGranted(grantee instanceof RoleNamedByArn ? grantee.role : grantee.grantPrincipal, access);
    this.refuseGroup(grantee.grantPrincipal, 'grantee');
    // Already exempted by the grant through this construct, which goes on through `.secret`.
    if (grantee instanceof RoleNamedByArn) return grantee;
    // A nested stack and its parent (or grandparent) pass references through parameters and outputs without a cycle;
    // two nested stacks of one parent, or a nested stack and a stack of another root, do not: each reference becomes
    // a dependency of one on the other, and a grant in each direction is a cycle.
    const separateStacks = Construct.isConstruct(grantee) && !nestedInOneAnother(Stack.of(grantee), Stack.of(this));
    if (!separateStacks) {
      this.exempt(grantee.grantPrincipal, 'grantee');
      return grantee;
    }
    // The ARN below is built in the secret's account: a role of another account's stack must not pass as one of it.
    this.refuseOtherAccount(grantee.grantPrincipal, 'grantee');
    const arn = this.granteeArnWithoutReference(grantee.grantPrincipal, grantee, listed);
    this.exempt(new iam.ArnPrincipal(arn), 'grantee');
    const named = new RoleNamedByArn(grantee.grantPrincipal, arn, Stack.of(this));
    // This stack deploys before the role's, and KMS refuses a key policy naming a principal that does not exist yet
    // (MalformedPolicyDocumentException), so the key policy must not name the role: its use of the key through
    // Secrets Manager goes in its own policy. Decrypt here, for reads (without GetSecretValue it decrypts nothing);
    // grantWriteWithoutUpdateSecret adds what a write needs. The key policy delegates that to IAM: aws-cdk-lib's
    // Secret gives the account (root) kms:Decrypt/Encrypt/GenerateDataKey* with kms:ViaService on the key of a secret.
    // @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
    named.grantKeyUseThroughSecretsManager(this.encryptionKey, ['kms:Decrypt']);
    return named;
  }

  /** Refuses a principal of another account than the secret's, whose access this construct cannot grant. */
  private refuseOtherAccount(principal: iam.IPrincipal, propName: string): void {
    const stackAccount = Stack.of(this).account;
    // An ArnPrincipal has no principalAccount: the account is the one its ARN names (a token partition included).
    // A bare account ID is that account ("AWS": "123456789012", the shortened form of its root ARN).
    const accounts = [principal.principalAccount, ...this.awsPrincipalValues(principal).map(value => /^(?:arn:[^:]*:(?:iam|sts)::(\d{12}):|(\d{12})$)/.exec(value)?.slice(1).find(a => a))];
    const account = accounts.find(a => a !== undefined && Token.compareStrings(a, stackAccount) === TokenComparison.DIFFERENT);
    if (account !== undefined) {
      throw new Error(`ProtectedSecret ${this.node.path}: \`${propName}\` contains a principal of account ${account}, but the secret is in ${stackAccount}. `
        + `Cross-account access is not supported: it needs the other account's own IAM policy too, which this construct does not manage. Give a role in ${stackAccount} access and let the other account assume it.`);
    }
  }

  /**
   * The ARN of a role with a fixed name, built without a reference to its stack (aws:PrincipalArn of a role session
   * is the role's ARN, path included:
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
   */
  private granteeArnWithoutReference(principal: iam.IPrincipal, grantee: IConstruct, listed: boolean): string {
    const cfnRole = principal instanceof iam.Role ? principal.node.defaultChild as iam.CfnRole : undefined;
    const fixedName = () => cfnRole?.roleName !== undefined && !Token.isUnresolved(cfnRole.roleName) && !Token.isUnresolved(cfnRole.path ?? '/');
    const mine = Stack.of(this).stackName;
    const theirs = Stack.of(grantee).stackName;
    if (!fixedName()) {
      throw new Error(`ProtectedSecret ${this.node.path}: a grant to ${grantee.node.path}, of stack ${theirs}, would make the stacks `
        + `${mine} and ${theirs} depend on each other (the grantee's policy names the secret; the secret's deny must name the grantee's role). `
        + (listed
          ? `The role is already among the secret's readers or writers, named by reference in ${mine}, so ${mine} depends on ${theirs}, and this `
            + `grant, made in ${theirs} (by a call such as \`ecs.Secret.fromSecretsManager\` or a grant there), closes a cycle whatever the role's name. `
            + `Remove the role from \`readers\`/\`writers\` (\`secretReaders\`) and give it a fixed \`roleName\`: the grant from ${theirs} then exempts it by ARN.`
          : 'Either list the role in `readers` (`secretReaders` on RotatedDatabase/RotatedAuroraCluster) or `writers` '
            + `of the secret, so only ${mine} names it, or give the role a fixed \`roleName\` so the deny can name its ARN without a reference.`));
    }
    const stack = Stack.of(this);
    // Read when the template is written, not now: an Aspect may still give the role a path or prefix its name (a
    // common landing-zone rule), and the deny must exempt the ARN the role is deployed with. Uncached: an aspect that
    // renders the policy early (SecretsGuard does) must not fix the value before the other aspects have run.
    return Lazy.uncachedString({
      produce: () => {
        if (!fixedName()) {
          throw new Error(`ProtectedSecret ${this.node.path}: the role of ${grantee.node.path} was granted by its fixed name, but its \`roleName\` or \`path\` `
            + 'is no longer a plain value (an Aspect or override changed it), so the deny cannot name its ARN. Keep both fixed strings.');
        }
        return `arn:${stack.partition}:iam::${stack.account}:role${cfnRole!.path ?? '/'}${cfnRole!.roleName}`;
      },
    });
  }


  /**
   * Exempts the principals CloudFormation acts as when it deploys this stack: the synthesizer's execution role and
   * `deployRoles`. CloudFormation makes every resource operation with a forward access session of that principal
   * (a service role, or the caller's own credentials without one), so Secrets Manager sees that principal's ARN in
   * `aws:PrincipalArn` and `cloudformation.amazonaws.com` in `aws:CalledVia` in both cases. `aws:CalledVia` alone
   * would therefore exempt anyone allowed to create a stack; the principal is what must be named. CloudFormation
   * resolves `{{resolve:secretsmanager:...}}` references for the same principal (the service role, or the caller
   * without one); with or without a forward access session, `aws:PrincipalArn` is that principal's ARN, so the
   * exemption by ARN holds for references as for resource operations, and needs no `aws:CalledVia`.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
   */
  private exemptDeployers(deployRoles: iam.IPrincipal[]): void {
    const executionRole = cloudFormationExecutionRoleArn(this);
    if (executionRole === undefined && deployRoles.length === 0 && this.denyOthers) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:noDeployRole',
        `ProtectedSecret ${this.node.path}: the stack's synthesizer names no CloudFormation execution role and \`deployRoles\` is empty, `
        + 'so CloudFormation, acting as whoever deploys, will be denied dynamic references to the value and updates of the secret, '
        + 'and the library\'s `cdk-protected-secrets:` tags (which steer a first rotation) are not protected by the secret\'s policy. '
        + 'List the deploying role or user in `deployRoles`.');
    }
    if (executionRole !== undefined) {
      this.exemptPrincipalArns.push(executionRole);
      this.deployerArns.push(executionRole);
    }
    for (const principal of deployRoles) {
      if (principal instanceof iam.AccountPrincipal) {
        throw new Error(`ProtectedSecret ${this.node.path}: \`deployRoles\` contains the account ${principal.accountId}; name the roles or users that deploy, not the whole account.`);
      }
      this.exempt(principal, 'deployRoles', false);
      this.deployerArns.push(...principal.policyFragment.principalJson.AWS ?? []);
    }
  }

  /**
   * Denies adding, changing or removing the library's tags (`cdk-protected-secrets:`) to everyone but the principals
   * that deploy the secret, while the deny is on and one is known (otherwise `noDeployRole` warns). Such tags are the
   * deployment's instructions to the rotation function (RotatedDatabase's first-rotation tags), which reads them on any
   * secret it rotates, however the secret came to it (a database construct, `addSecret`, `addRotationSchedule`): no
   * reader or writer may rewrite them. `TagResource` and `UntagResource` carry the keys of the request in
   * `aws:TagKeys` (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html), and
   * `ForAnyValue` matches a request with any such key among others
   * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
   * CloudFormation tags the secret as one of those principals; a secret is tagged at creation before it has this policy.
   * Like the value deny, it leaves the policy itself under IAM: whoever may rewrite the policy may lift it.
   */
  private denyLibraryTagChangesToEveryoneElse(): void {
    if (!this.denyOthers || this.deployerArns.length === 0) return;
    this.secret.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyLibraryTagChangesToEveryoneElse',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
      resources: ['*'],
      conditions: {
        'ForAnyValue:StringLike': { 'aws:TagKeys': [`${LIBRARY_TAG_PREFIX}*`] },
        'StringNotEquals': { 'aws:PrincipalArn': lazyUnique(this.deployerArns) },
      },
    }));
  }

  /**
   * Denies linking the secret to a replica in another account, to everyone. Such a replica is "an independent secret
   * that has its own access policies, KMS key, and lifecycle", and "when the secret value in the primary secret
   * changes, Secrets Manager propagates the new value to the replica secret"
   * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/cross-account-replicate-secrets.html): a reader or
   * writer whose IAM policy also allows `secretsmanager:AssociateCrossAccountReplica` (a `secretsmanager:*` grant) could
   * keep receiving every rotated value in an account of theirs after losing its access here. CloudFormation never makes
   * the call for this construct. Like the value deny, it leaves the policy under IAM: an administrator who means to
   * replicate to another account removes the statement (`denyOthers: false` leaves it out).
   */
  private denyCrossAccountReplication(): void {
    this.secret.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyReplicationToOtherAccounts',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['secretsmanager:AssociateCrossAccountReplica'],
      resources: ['*'],
    }));
  }

  private addDenyOthers(): void {
    // Deny only the value actions: everything else stays under IAM, so administrators can always fix or remove
    // this policy (and CloudTrail records it when they do).
    this.secret.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyValueAccessToEveryoneElse',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: VALUE_ACTIONS,
      resources: ['*'],
      conditions: {
        // A principal is denied only if it matches none of the exemptions (conditions are ANDed). No aws:CalledVia
        // exemption: any principal can make its call through CloudFormation (see exemptDeployers).
        StringNotEquals: {
          'aws:PrincipalArn': lazyUnique(this.exemptPrincipalArns),
          'aws:PrincipalServiceName': lazyUnique(this.exemptServiceNames),
        },
      },
    }));
  }
}

markClass(ProtectedSecret, 'ProtectedSecret');

/** Secrets Manager's limit on a resource policy, in characters (NonEmptyResourcePolicyType: 1 to 20,480). */
const RESOURCE_POLICY_LIMIT = 20_480;
/** Statements plus exempt principals below which the policy cannot come near the limit (about 300 characters each). */
const POLICY_SIZE_CHECK_FROM = 40;

/** What to use instead of a rotation whose function's role cannot be exempted from the deny. */
const ROTATION_FIX = 'or use RotationFunction / RotatedDatabase (which exempt their role), or set `denyOthers: false`.';

/** A replica of a ProtectedSecret added with a key, and its ARN. */
interface Replica {
  readonly region: string;
  readonly key: kms.IKeyRef;
  readonly arn: string;
}

/** A key as an error names it: its construct path, or the ARN of a key imported by it. */
function describeKey(key: kms.IKeyRef): string {
  const arn = key.keyRef.keyArn;
  return Token.isUnresolved(arn) ? key.node.path : arn;
}

/** Per stack, the account of each principal ARN that names a whole account (see `rootAccountOf`), or `null`. */
const ROOT_ACCOUNTS = new WeakMap<Stack, Map<string, string | null>>();

/**
 * The account a principal ARN names as a whole (its ID or root ARN), `'of the stack'` when the account is a token, or
 * `undefined` for a role, a user or anything else. A root ARN that is a token is read as CloudFormation will get it
 * (`Fn::Join` of the partition and the account). Remembered per stack and ARN, since every secret exempts the same few
 * principals (its rotation function's role, the deploy role): resolved once per stack, not once per secret.
 */
function rootAccountOf(stack: Stack, arn: string): string | undefined {
  if (/^\d{12}$/.test(arn)) return arn;
  if (!Token.isUnresolved(arn)) return rootAccountInText(arn);
  let known = ROOT_ACCOUNTS.get(stack);
  if (!known) ROOT_ACCOUNTS.set(stack, known = new Map());
  if (!known.has(arn)) known.set(arn, rootAccountInText(JSON.stringify(stack.resolve(arn))) ?? null);
  return known.get(arn) ?? undefined;
}

function rootAccountInText(text: string): string | undefined {
  if (!/:iam::/.test(text) || !/:root("|$)/.test(text)) return undefined;
  return /:iam::(\d{12}):root/.exec(text)?.[1] ?? 'of the stack';
}

/** Lifts the deny for a grantee that is being granted access; returns the grantee the grant goes on with. */
type OnGrant = (grantee: iam.IGrantable, access: 'read' | 'write') => iam.IGrantable;

/**
 * `base` with grants that also lift the deny for the grantee, so no grant path allows in IAM what the resource
 * policy then denies, and a write grant without `UpdateSecret` (see WRITE_ACTIONS). `onGrant` is set right after
 * construction (a mixin keeps its base's constructor), before anything can be granted.
 */
function grantsExempting<TBase extends new (...args: any[]) => secretsmanager.ISecret>(base: TBase) {
  return class extends base {
    public onGrant!: OnGrant;
    /** Told of each read grant, whose IAM statement must name the replicas too (set with `onGrant`). */
    public onReadGrant?: (grant: iam.Grant) => void;
    /** Whether the secret denies everyone it does not exempt (set with `onGrant`). */
    public denyOthers = true;

    public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
      const exempted = this.onGrant(grantee, 'read');
      const grant = grantReadWithLimits(this, withoutConditionsGrantee(exempted), versionStages);
      limitServiceToAccount(grant.resourceStatement, exempted.grantPrincipal, this.env.account);
      this.onReadGrant?.(grant);
      return grant;
    }

    public grantWrite(grantee: iam.IGrantable): iam.Grant {
      const exempted = this.onGrant(grantee, 'write');
      const grant = grantWriteWithoutUpdateSecret(this, withoutConditionsGrantee(exempted));
      limitServiceToAccount(grant.resourceStatement, exempted.grantPrincipal, this.env.account);
      return grant;
    }

    /**
     * aws-cdk-lib's RotationSchedule grants the function's role with `addToRolePolicy`, which exempts nothing; this
     * goes through the grants that exempt it, as ProtectedSecret.addRotationSchedule does.
     */
    public addRotationSchedule(id: string, options: secretsmanager.RotationScheduleOptions): secretsmanager.RotationSchedule {
      const path = (this as unknown as Construct).node.scope?.node.path;
      if (options.hostedRotation && this.denyOthers) {
        // The hosted function's role is created by the AWS::SecretsManager-2020-07-23 transform: its ARN is unknown here.
        throw new Error(`ProtectedSecret ${path}: addRotationSchedule('${id}') got \`hostedRotation\`, whose function's role is created at deploy time `
          + `and can never be exempted from the deny (\`denyOthers\`), so every rotation would be refused. Give a \`rotationLambda\` with a known role, ${ROTATION_FIX}`);
      }
      const fn = options.rotationLambda;
      if (!fn || (!fn.role && !this.denyOthers)) return super.addRotationSchedule(id, options);
      if (!fn.role) {
        // aws-cdk-lib's SecretRotation (DatabaseInstance.addRotationSingleUser/MultiUser) imports its function by ARN.
        throw new Error(`ProtectedSecret ${path}: addRotationSchedule('${id}') got \`rotationLambda\` ${fn.node.path}, a function without a known role `
          + '(as aws-cdk-lib\'s addRotationSingleUser/addRotationMultiUser create), which can never be exempted from the deny (`denyOthers`). '
          + `Import the function with its role (lambda.Function.fromFunctionAttributes), ${ROTATION_FIX}`);
      }
      return scheduleRotationByFunction(this as unknown as Construct, id, this, fn, options, f => [this.grantRead(f), this.grantWrite(f)]);
    }
  };
}

/** Whether `a` and `b` are one stack, or one is a nested stack (at any depth) of the other. */
function nestedInOneAnother(a: Stack, b: Stack): boolean {
  const withParents = (stack: Stack): Stack[] => (stack.nestedStackParent ? [stack, ...withParents(stack.nestedStackParent)] : [stack]);
  return withParents(a).includes(b) || withParents(b).includes(a);
}

/**
 * The attachment a database gets (for example `DatabaseInstance.secret`): its grants exempt as well, and its resource
 * policy statements go to the secret's one policy. aws-cdk-lib's attachment does that only under the
 * `@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments` flag; without it (apps made
 * before aws-cdk-lib 2.67 that never opted in) it makes a second `AWS::SecretsManager::ResourcePolicy` for the same
 * secret: "If a secret already has a resource policy attached, you must first remove it before attaching a new policy"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-resourcepolicy.html).
 */
class GrantExemptingAttachment extends grantsExempting(secretsmanager.SecretTargetAttachment) {
  private readonly attachedTo: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: secretsmanager.SecretTargetAttachmentProps) {
    super(scope, id, props);
    this.attachedTo = props.secret;
  }

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return this.attachedTo.addToResourcePolicy(statement);
  }
}

/**
 * What `addReplicaRegion` cannot replicate to, refused at the call (the key's error would come from aws-cdk-lib's
 * reference resolution first, naming neither the call nor the fix): a region given twice (two `ReplicaRegions`
 * entries, of which Secrets Manager keeps one replica per region, its readers granted both keys); a region code not in
 * lower case, as every Region of Secrets Manager's is (https://docs.aws.amazon.com/general/latest/gr/asm.html);
 * and a key construct of a stack of another account, which aws-cdk-lib cannot reference across accounts, while
 * Secrets Manager takes a key of another account by its ARN ("To use a KMS key in a different account, use the key
 * ARN or the alias ARN", CreateSecret's KmsKeyId, as the SDK reference gives it:
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-create-secret-request/kms-key-id.html).
 */
function replicaRegionErrors(secret: Construct, region: string, key: kms.IKeyRef | undefined, added: Set<string>): string[] {
  const errors: string[] = [];
  if (!Token.isUnresolved(region) && region !== region.toLowerCase()) {
    errors.push(`\`addReplicaRegion\` got the region "${region}": region codes are lower case, "${region.toLowerCase()}".`);
  } else if (added.has(region)) {
    errors.push(`\`addReplicaRegion\` got "${region}" twice: a secret has one replica per region, with one key. Add it once.`);
  }
  // A replica's ARN "is the same as the primary secret except for the Region"
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html), and the China Regions' accounts
  // "will not work" elsewhere (https://docs.amazonaws.cn/en_us/aws/latest/userguide/general-info.html): no partition is crossed.
  const secretRegion = Stack.of(secret).region;
  const partitions = [region, secretRegion].map(r => Token.isUnresolved(r) ? undefined : RegionInfo.get(r).partition);
  if (partitions[0] && partitions[1] && partitions[0] !== partitions[1]) {
    errors.push(`\`addReplicaRegion\` got ${region}, a region of partition ${partitions[0]}, but the secret is in ${secretRegion} (partition `
      + `${partitions[1]}): Secrets Manager replicates within the same partition only. Replicate to a region of ${partitions[1]}, or create `
      + `a secret of its own in a stack of ${region}.`);
  }
  const account = Stack.of(secret).account;
  const keyStack = key && Resource.isOwnedResource(key as unknown as IConstruct) ? Stack.of(key as unknown as IConstruct) : undefined;
  if (keyStack && Token.compareStrings(keyStack.account, account) === TokenComparison.DIFFERENT) {
    errors.push(`the replica's key ${(key as unknown as IConstruct).node.path} is in account ${keyStack.account}, not ${account}, and a stack cannot reference a `
      + `construct of another account: import the key by ARN, \`kms.Key.fromKeyArn(this, 'ReplicaKey', 'arn:aws:kms:${region}:${keyStack.account}:key/<id>')\`, `
      + 'whose key policy must let this account\'s Secrets Manager use it.');
  }
  return errors;
}

/** The `Secret` behind `ProtectedSecret.secret`: its grants, and those of the attachment it creates, exempt. */
class GrantExemptingSecret extends grantsExempting(secretsmanager.Secret) {
  /** Told of each replica added with a key, whose readers must be granted it (set with `onGrant`). */
  public onReplica?: (region: string, key: kms.IKeyRef) => void;

  /** The literal regions given to addReplicaRegion. */
  private readonly replicaRegionsAdded = new Set<string>();

  public addReplicaRegion(region: string, encryptionKey?: kms.IKeyRef): void {
    const errors = replicaRegionErrors(this, region, encryptionKey, this.replicaRegionsAdded);
    if (errors.length > 0) throw new Error(`ProtectedSecret ${this.node.scope?.node.path}: ${errors.join(' ')}`);
    if (!Token.isUnresolved(region)) this.replicaRegionsAdded.add(region);
    super.addReplicaRegion(region, encryptionKey);
    // Without a key the replica is refused at synth (replicaWithoutKeyErrors).
    if (encryptionKey) this.onReplica?.(region, encryptionKey);
  }

  public attach(target: secretsmanager.ISecretAttachmentTarget): secretsmanager.ISecret {
    // Same id and check as Secret.attach, so a database that attaches the secret finds it where CDK puts it.
    if (this.node.tryFindChild('Attachment')) {
      throw new Error(`ProtectedSecret ${this.node.scope?.node.path}: the secret is already attached to a target.`);
    }
    const attachment = new GrantExemptingAttachment(this, 'Attachment', { secret: this, target });
    attachment.onGrant = this.onGrant;
    attachment.onReadGrant = this.onReadGrant;
    attachment.denyOthers = this.denyOthers;
    return attachment;
  }
}

/**
 * A role of another stack, named by the ARN its fixed name gives it: the deny's exemption names that ARN without a
 * reference, and its own policy, in its stack, receives the grant. As a principal of a policy in the secret's stack
 * (the key policy aws-cdk-lib's grants write to) it is the account restricted to that ARN by `aws:PrincipalArn`: KMS
 * validates the principals of a key policy, not condition values, so the secret's stack deploys before the role
 * exists, and the statement still lets nobody but the role in.
 */
class RoleNamedByArn implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  public readonly principalAccount?: string;

  constructor(public readonly role: iam.IPrincipal, arn: string, private readonly secretStack: Stack) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.policyFragment = new iam.PrincipalPolicyFragment(
      { AWS: [`arn:${secretStack.partition}:iam::${secretStack.account}:root`] },
      { ArnEquals: { 'aws:PrincipalArn': arn } },
    );
    this.principalAccount = role.principalAccount;
  }

  /** Use of the secret's key through Secrets Manager only, in the role's own policy. */
  public grantKeyUseThroughSecretsManager(key: kms.IKey | undefined, actions: string[]): void {
    if (!key) return;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions,
      resources: [keyArnOf(key)],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.secretStack.region}.amazonaws.com` } },
    }));
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return this.role.addToPrincipalPolicy(statement);
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.role.addToPrincipalPolicy(statement).statementAdded;
  }
}

/** Turns on `BlockPublicPolicy` for every secret resource policy it visits. */
class BlockPublicPolicy implements IAspect {
  constructor(private readonly secret: secretsmanager.Secret) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof secretsmanager.CfnResourcePolicy)) return;
    node.blockPublicPolicy = true;
    // The policy stays and goes with the secret (whatever removal policy it has when the app synthesizes): without a
    // DeletionPolicy CloudFormation deletes a resource that leaves the stack, so a retained secret would lose its deny
    // and stay readable by any role of the account allowed GetSecretValue and kms:Decrypt in IAM (aws-cdk-lib's key
    // statement lets the account use the key through Secrets Manager).
    // @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
    const secretResource = this.secret.node.defaultChild as CfnResource;
    node.cfnOptions.deletionPolicy = secretResource.cfnOptions.deletionPolicy;
    node.cfnOptions.updateReplacePolicy = secretResource.cfnOptions.updateReplacePolicy;
  }
}

/**
 * The opening of the two warnings about a secret imported by a literal ARN into an environment-agnostic stack, whose
 * account cannot be compared with the stack's.
 */
function accountUnknownOpening(path: string, account: string): string {
  return `ProtectedSecret ${path}: the secret is of account ${account} (from \`secretCompleteArn\`), and the stack is environment-agnostic, so `
    + 'whether that is the account the stack deploys to is unknown';
}

/**
 * aws-cdk-lib's `grantRead` with its limits on the statement IAM evaluates for the grantee. aws-cdk-lib's grant
 * (`Grant.addToPrincipalOrResource`) adds the grantee's statement first, then, when it cannot prove the grantee is of
 * the secret's account (an environment-agnostic stack, a role imported by ARN, a secret imported by ARN, another
 * account), returns a grant of the resource-policy statement alone: its `versionStages` condition goes there, and the
 * grantee's statement, which alone decides within one account ("If either the identity-based policy or the
 * resource-based policy within the same account allows the request and the other doesn't, the request is still
 * allowed", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html),
 * allows every stage and is out of reach for the replicas' ARNs. Here both statements carry the condition and the
 * grant holds both. The resource side is written as aws-cdk-lib writes it, and the key use through Secrets Manager too.
 * `secretsmanager:VersionStage` is a condition key of GetSecretValue:
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
 */
function grantReadWithLimits(secret: secretsmanager.ISecret, grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
  const resourceArns = [arnForPolicies(secret)];
  const conditions = versionStages === undefined ? undefined : { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': versionStages } };
  const onPrincipal = iam.Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns, conditions });
  secret.encryptionKey?.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(secret).region}.amazonaws.com`, grantee.grantPrincipal));
  const principalAccount = grantee.grantPrincipal.principalAccount;
  const accounts = principalAccount === undefined ? undefined : Token.compareStrings(secret.env.account, principalAccount);
  const sameAccount = accounts === TokenComparison.SAME || accounts === TokenComparison.BOTH_UNRESOLVED;
  if (onPrincipal.success && sameAccount) return onPrincipal;
  const onResource = iam.Grant.addStatementToResourcePolicy({
    grantee,
    actions: READ_ACTIONS,
    resourceArns,
    resource: secret,
    statement: new iam.PolicyStatement({ actions: READ_ACTIONS, resources: resourceArns, principals: [grantee.grantPrincipal], conditions }),
  });
  return onPrincipal.combine(onResource);
}

/**
 * The ARN aws-cdk-lib's grants name for a secret (its protected `arnForPolicies`): the full ARN, or the partial one
 * with `-??????` for a secret known by a partial ARN or named across environments.
 */
function arnForPolicies(secret: secretsmanager.ISecret): string {
  const named = (secret as unknown as { arnForPolicies?: string }).arnForPolicies;
  return named ?? secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/**
 * aws-cdk-lib's grantWrite without `UpdateSecret`: the secret actions a new version needs, and the key's encrypt and
 * decrypt actions through Secrets Manager only.
 */
function grantWriteWithoutUpdateSecret(secret: secretsmanager.ISecret, grantee: iam.IGrantable): iam.Grant {
  const result = iam.Grant.addToPrincipalOrResource({
    grantee,
    actions: WRITE_ACTIONS,
    resourceArns: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
    resource: secret,
  });
  // Secrets Manager acts for the writer, who "must have" kms:GenerateDataKey and kms:Decrypt: a PutSecretValue retried
  // with the same token decrypts the existing version to compare it
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-authz).
  secret.encryptionKey?.grantEncryptDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${secret.env.region}.amazonaws.com`, grantee.grantPrincipal));
  // A role of another stack is not named by the key policy (see exemptGrantee): it gets the write's key use itself.
  if (grantee instanceof RoleNamedByArn) grantee.grantKeyUseThroughSecretsManager(secret.encryptionKey, ['kms:GenerateDataKey', 'kms:Decrypt']);
  return result;
}

/**
 * A service principal acts for every account that uses the service: without a condition, another account's use of
 * it could read (or overwrite) the secret, the confused deputy. AWS recommends "the aws:SourceArn and
 * aws:SourceAccount global condition context keys in resource policies" that grant service principals
 * (https://docs.aws.amazon.com/iot/latest/developerguide/cross-service-confused-deputy-prevention.html), and SES's
 * secret policy for its service principal is written so (https://docs.aws.amazon.com/ses/latest/dg/eb-policies.html).
 * The key "is included in the request context only when the call to your resource is being made directly by an AWS
 * service principal on behalf of a resource for which the configuration triggered the service-to-service request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount):
 * a service that reads otherwise would be refused. A service principal given with conditions of the user's own
 * (`withConditions`, for example on aws:SourceArn; `withConditions({})` for none) gets those instead. The key policy's
 * statement for the service keeps kms:ViaService alone (see withoutConditions): the value is reachable only through
 * this statement.
 */
function limitServiceToAccount(statement: iam.PolicyStatement | undefined, principal: iam.IPrincipal, account: string): void {
  if (!statement || !isServiceOnly(principal)) return;
  if (principal instanceof iam.PrincipalWithConditions) {
    // The user's own, even none (`withConditions({})`: any account's use of the service, stated on purpose).
    statement.addConditions(principal.policyFragment.conditions);
  } else {
    statement.addCondition('StringEquals', { 'aws:SourceAccount': account });
  }
}

function isServiceOnly(principal: iam.IPrincipal): boolean {
  const json = principal.policyFragment.principalJson;
  return (json.Service ?? []).length > 0 && (json.AWS ?? []).length === 0;
}

/**
 * A service principal given with the user's conditions, without them: they go on the secret's statement only
 * (limitServiceToAccount). aws-cdk-lib's ViaServicePrincipal would copy them into the key policy, where KMS, called
 * by Secrets Manager for the service, may not see the keys they name (a key missing from the request fails its
 * condition), and the service could then never read.
 */
function withoutConditions(principal: iam.IPrincipal): iam.IPrincipal {
  if (!(principal instanceof iam.PrincipalWithConditions) || !isServiceOnly(principal)) return principal;
  const services = principal.policyFragment.principalJson.Service.map(name => new iam.ServicePrincipal(name));
  return services.length === 1 ? services[0] : new iam.CompositePrincipal(...services);
}

function withoutConditionsGrantee(grantee: iam.IGrantable): iam.IGrantable {
  const plain = withoutConditions(grantee.grantPrincipal);
  return plain === grantee.grantPrincipal ? grantee : { grantPrincipal: plain };
}

/** The secret's account when it is known at synth and is not the account of `scope`'s stack. */
function otherAccountOf(scope: IConstruct, secret: secretsmanager.ISecret): string | undefined {
  const here = Stack.of(scope).account;
  const there = secret.env.account;
  return Token.isUnresolved(here) || Token.isUnresolved(there) || here === there ? undefined : there;
}

/**
 * The secret's account when it is known at synth and the account of `scope`'s stack is not (an environment-agnostic
 * stack): whether the secret is of another account cannot be told.
 */
function unverifiedAccountOf(scope: IConstruct, secret: secretsmanager.ISecret): string | undefined {
  const there = secret.env.account;
  return Token.isUnresolved(Stack.of(scope).account) && !Token.isUnresolved(there) ? there : undefined;
}

function validateProps(scope: ProtectedSecret, props: ProtectedSecretProps): void {
  const errors = new PropErrors('ProtectedSecret', scope);
  errors.addAll(secretNameErrors(props.secretName));
  const duplicate = duplicateSecretNameError(scope, props.secretName);
  if (duplicate) errors.add(duplicate);
  if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > MAX_DESCRIPTION_LENGTH) {
    errors.add(`\`description\` must be at most ${MAX_DESCRIPTION_LENGTH} characters (Secrets Manager's limit), got ${props.description.length}; shorten it.`);
  }
  errors.addAll(parameterNameErrors(scope, props.arnParameterName));
  const arnParameterTaken = duplicateInEnvironmentError(scope, scope.node.path, 'ssmParameter', props.arnParameterName, 'arnParameterName',
    'give each secret its own parameter name (SSM parameter names are unique per account and region).');
  if (arnParameterTaken) errors.add(arnParameterTaken);
  const alias = props.keyAlias;
  errors.addAll(keyAliasErrors(alias, 'keyAlias'));
  if (alias !== undefined && props.encryptionKey) {
    errors.add('`keyAlias` only applies to the key the construct creates; it cannot be combined with `encryptionKey`: remove one of them.');
  }
  const aliasTaken = duplicateInEnvironmentError(scope, scope.node.path, 'kmsAlias', alias, 'keyAlias', 'give each key its own alias.');
  if (aliasTaken) errors.add(aliasTaken);
  errors.addAll(generatorErrors(scope, props.generateSecretString));
  if (props.denyOthers === false && props.breakGlassPrincipals?.length) {
    errors.add('`breakGlassPrincipals` only makes sense with `denyOthers` on: remove them or leave `denyOthers` on.');
  }
  if (props.denyOthers === false && props.deployRoles?.length) {
    errors.add('`deployRoles` are exempted from the deny, which `denyOthers: false` removes: remove them or leave `denyOthers` on.');
  }
  const { enabled: monitored, ...monitoringOptions } = props.monitoring ?? {};
  const ignored = Object.entries(monitoringOptions)
    .filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))
    .map(([option]) => `\`monitoring.${option}\``);
  if (monitored === false && ignored.length > 0) {
    errors.add(`\`monitoring.enabled\` is false, so ${ignored.join(', ')} would be ignored; remove them or turn monitoring on.`);
  }
  if (monitored !== false) errors.addAll(alertDestinationErrors(scope, monitoringOptions, 'monitoring.'));
  const key = props.encryptionKey;
  // Its spec and state are checked at synth (unusableKeyErrors): an escape hatch may change them after construction.
  if (key) {
    const stack = Stack.of(scope);
    if (Token.compareStrings(key.env.region, stack.region) === TokenComparison.DIFFERENT) {
      errors.add(`\`encryptionKey\` is in region ${key.env.region} but the secret is in ${stack.region}; Secrets Manager needs a key in the secret's region.`);
    }
  }
  const aliasError = aliasImportedByNameError(key);
  if (aliasError) errors.add(aliasError);
  errors.throwIfAny();
}

/**
 * Secrets Manager's limit on a secret's description: the `DescriptionType` shape of its service model, max 2048.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
 */
const MAX_DESCRIPTION_LENGTH = 2048;

/** What is wrong with `generateSecretString`, one message per problem; tokens are left to the deploy. */
function generatorErrors(scope: IConstruct, gen: secretsmanager.SecretStringGenerator | undefined): string[] {
  if (!gen) return [];
  const errors: string[] = [];
  if (Boolean(gen.secretStringTemplate) !== Boolean(gen.generateStringKey)) {
    errors.push('`generateSecretString.secretStringTemplate` and `generateSecretString.generateStringKey` must be given together.');
  }
  if (gen.secretStringTemplate && !Token.isUnresolved(gen.secretStringTemplate)) {
    // Secrets Manager adds `generateStringKey` to the template, which only an object can take: an array, a string or a
    // number parses as JSON all the same.
    let parsed: unknown;
    try {
      parsed = JSON.parse(gen.secretStringTemplate);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      // Not echoed: a template that fails to parse may still hold a credential, and errors reach terminals and CI logs.
      errors.push(`\`generateSecretString.secretStringTemplate\` must be a JSON object, e.g. '{"username":"app"}', got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : parsed === undefined ? 'text that is not JSON' : `a JSON ${typeof parsed}`} of ${gen.secretStringTemplate.length} characters (value withheld).`);
    }
  }
  if (gen.secretStringTemplate) {
    // The template lands in the CloudFormation template as it is; only generateStringKey is generated.
    const template = Token.isUnresolved(gen.secretStringTemplate) ? Stack.of(scope).resolve(gen.secretStringTemplate) : gen.secretStringTemplate;
    for (const field of credentialFieldsInTemplate(template, Stack.of(scope))) {
      errors.push(`\`generateSecretString.secretStringTemplate\` carries a literal value in "${field}" (value withheld), `
        + 'which would be written into the CloudFormation template in plaintext; remove it from the template and let '
        + 'Secrets Manager generate it (`generateStringKey`), or store it in a secret of its own; if it is not a credential, '
        + 'rename the field (a name ending in password, secret, token or key is read as one).');
    }
  }
  // GenerateSecretString's PasswordLength is an Integer
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-generatesecretstring.html),
  // GetRandomPassword's 1 to 4096 (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html);
  // below 8 is this library's floor. A token (a CloudFormation parameter) is checked by CloudFormation.
  const length = gen.passwordLength;
  if (length !== undefined && !Token.isUnresolved(length) && (!Number.isInteger(length) || length < 8 || length > 4096)) {
    errors.push(`\`generateSecretString.passwordLength\` must be a whole number from 8 to 4096, got ${length}.`);
  }
  // Space is a character of its own with IncludeSpace: then the four types may all be excluded.
  if (gen.includeSpace !== true) {
    const excluded = gen.excludeCharacters === undefined ? '' : Token.isUnresolved(gen.excludeCharacters) ? undefined : gen.excludeCharacters;
    errors.push(...passwordRulesErrors(gen, excluded, 'generateSecretString.'));
  }
  return errors;
}

/**
 * Systems Manager's rules for the name of the parameter `arnParameterName` creates (a token is left to the deploy):
 * - a leading slash (the construct's own rule, so the name is a path of the hierarchy);
 * - "Parameter names can consist of the following symbols and letters only: a-zA-Z0-9_.-" and "/" between levels;
 * - "A parameter name cannot be prefixed with "aws" or "ssm" (case-insensitive)", the leading slash included: the
 *   guide's examples that "fail with an exception" are awsTestParameter, SSM-testparameter and /aws/testparam1;
 * - "The maximum length for the fully qualified parameter name you specify is 1011 characters", which counts "the
 *   characters in the ARN that precede the name you specify", e.g. the 45 of `arn:aws:ssm:us-east-2:111122223333:parameter/`
 *   (PutParameter's Name); a name with a leading slash shares that last slash (`...:parameter/Dev/x` for `/Dev/x`);
 * - "Parameter hierarchies are limited to a maximum depth of fifteen levels".
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 */
function parameterNameErrors(scope: IConstruct, name: string | undefined): string[] {
  if (name === undefined || Token.isUnresolved(name)) return [];
  const errors: string[] = [];
  if (!name.startsWith('/')) errors.push(`\`arnParameterName\` must start with a forward slash, got "${name}"; use "/${name}".`);
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name)) {
    errors.push(`\`arnParameterName\` may contain only letters, digits, "_", ".", "-" and "/" between levels, got "${name}"; replace the other characters.`);
  }
  if (/^\/?(aws|ssm)/i.test(name)) {
    errors.push(`\`arnParameterName\` must not begin with "aws" or "ssm" (in any letter case, after the leading slash), got "${name}"; Systems Manager reserves them: choose a path of your own.`);
  }
  const levels = name.replace(/^\//, '').split('/').length;
  if (levels > MAX_PARAMETER_LEVELS) {
    errors.push(`\`arnParameterName\` has ${levels} levels, got "${name}"; Systems Manager allows at most ${MAX_PARAMETER_LEVELS}: use a shallower path.`);
  }
  const stack = Stack.of(scope);
  // Parts of the ARN that are tokens (an environment-agnostic stack) are counted at their shortest, so only a name too long
  // everywhere is refused: partition "aws", a nine-character Region such as us-east-1, and the account's 12 digits.
  const partition = Token.isUnresolved(stack.partition) ? 'aws' : stack.partition;
  const region = Token.isUnresolved(stack.region) ? 'us-east-1' : stack.region;
  const arnLength = `arn:${partition}:ssm:${region}:${'0'.repeat(12)}:parameter/`.length + name.replace(/^\//, '').length;
  if (arnLength > MAX_PARAMETER_NAME_LENGTH) {
    errors.push(`\`arnParameterName\` is ${name.length} characters, and with its ARN's prefix ${arnLength}; Systems Manager allows at most ${MAX_PARAMETER_NAME_LENGTH} `
      + `counting that prefix: shorten it by ${arnLength - MAX_PARAMETER_NAME_LENGTH}.`);
  }
  return errors;
}

const MAX_PARAMETER_LEVELS = 15;
const MAX_PARAMETER_NAME_LENGTH = 1011;

/**
 * An alias imported by name (`kms.Alias.fromAliasName`) stands for a key whose ARN is unknown: its `keyArn` is the
 * alias's ARN, which KMS never matches in an IAM policy ("You cannot use a key id, alias name, or alias ARN to
 * identify a KMS key in an IAM policy statement"), and its key policy cannot be changed. Every grant of the secret
 * would deploy and then be refused by KMS. An alias of this app, or one imported with its target key, grants on the key.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
 */
function aliasImportedByNameError(key: kms.IKey | undefined): string | undefined {
  const alias = key ? aliasImportedByName(key) : undefined;
  if (!alias) return undefined;
  if (alias === 'alias/aws/secretsmanager') {
    return '`encryptionKey` is the AWS managed key alias/aws/secretsmanager, but a ProtectedSecret is encrypted with a customer-managed key, whose policy '
      + 'the construct writes. Leave `encryptionKey` out (the construct creates one) or pass a `SecretsKey`.';
  }
  return `\`encryptionKey\` is the alias ${alias}, imported by name or alias ARN, so the grants would name the alias's ARN, which KMS does not match in IAM policies `
    + '(https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html): readers, writers and the rotation function would be refused '
    + 'by KMS. Pass the key itself, `kms.Key.fromKeyArn(this, \'Key\', \'arn:aws:kms:<region>:<account>:key/<id>\')`, or `kms.Alias.fromAliasAttributes` with its `aliasTargetKey`.';
}

/**
 * Whether `c` is a Serverless Application Repository app (`sam.CfnApplication`), told by its resource type: every
 * secret's validation asks of every construct, and `instanceof sam.CfnApplication` would load aws-cdk-lib's SAM
 * module (about 20 ms of CPU) in apps that have none.
 */
function isServerlessApplication(c: IConstruct): c is IConstruct & { parameters?: unknown } {
  return CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Serverless::Application';
}

/** What may rotate a secret or read it as a master secret: found once per synthesis, then checked by each secret. */
function rotationOrApplication(c: IConstruct): boolean {
  return c instanceof secretsmanager.CfnRotationSchedule || isServerlessApplication(c);
}
