import { createHash } from 'crypto';
import * as path from 'path';
import {
  Annotations,
  Aspects,
  Duration,
  FileAssetPackaging,
  Fn,
  Lazy,
  Names,
  RemovalPolicy,
  Resource,
  Stack,
  Token,
  TokenComparison,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_secretsmanager as secretsmanager,
  ArnFormat,
  cx_api as cxapi,
} from 'aws-cdk-lib';
import { Construct, DependencyGroup, IConstruct, IDependable } from 'constructs';
import { FIRST_USER_SUPERUSER_TAG, FIRST_USER_TAG } from './private/alternating-users';
import { appConstructsOfKind, shareAppWalkInValidation } from './private/app-walk';
import { stageBundle } from './private/bundle-staging';
import { cloudFormationExecutionRoleArn, deployRoleErrors, deployerArnsIn } from './private/deploy-role';
import { longestArnPrefix, longestDeployed } from './private/deployed-size';
import { addInfo } from './private/info';
import { isKeyOfThisApp, keyArnOf } from './private/key-policy';
import { lazyUnique } from './private/lazy-unique';
import { hasMarker, markClass } from './private/marker';
import { namingPath, namingUniqueId, topStack, withStableRuleIds } from './private/naming-path';
import { EXCLUDED_PASSWORD_CHARACTERS } from './private/password-policy';
import { passwordRulesErrors } from './private/password-rules-errors';
import { registerProofKey } from './private/proof-keys';
import { rdsCaBundleCoversRegion } from './private/rds-ca-regions';
import { FUNCTION_POLICY_LIMIT, invokePolicyLength, resourcePolicyOf, rotationOptionErrors, scheduleRotation } from './private/rotation';
import { findOrCreate } from './private/singleton';
import { selectsPublicSubnets, subnetSelectionKey } from './private/subnet-selection';
import { PropErrors } from './private/validation';
import { RotationOptions } from './rotation-options';
import { SecretsGuard } from './secrets-guard';

/**
 * What `scheduleRotation` cannot rotate, whose invoke permission would never match and so never be invoked: a secret
 * known by name only (aws-cdk-lib's `fromSecretName` gives its name as `secretArn`, and the permission's `SourceArn`
 * must be an ARN), and a secret of another account or region than the stack's. Lambda's `SourceAccount` is "the ID of
 * the account that owns the resource" (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html), which the
 * permission takes from the stack, and the key grant names Secrets Manager of the stack's region.
 */
function scheduledSecretErrors(secret: secretsmanager.ISecret): string[] {
  const arn = secret.secretArn;
  if (Token.isUnresolved(arn)) return [];
  if (!arn.startsWith('arn:')) {
    return [`\`secret\` ${secret.node.path} is known by name only ("${arn}"), and its rotation permission must name its ARN: import it with `
      + '`Secret.fromSecretNameV2` or `Secret.fromSecretCompleteArn`.'];
  }
  const [, , , region, account] = arn.split(':');
  const stack = Stack.of(secret);
  const other = (ours: string, theirs: string) => !Token.isUnresolved(ours) && theirs !== '' && theirs !== ours;
  return [
    ...other(stack.account, account) ? [`\`secret\` ${secret.node.path} is a secret of account ${account}, but the stack is of ${stack.account}: Secrets Manager `
      + 'would never invoke the function for it (the permission names the stack\'s account). Rotate it with a function of its own account.'] : [],
    ...other(stack.region, region) ? [`\`secret\` ${secret.node.path} is in ${region}, but the stack is in ${stack.region}: a rotation function rotates `
      + 'secrets of its own region. Rotate it with a function of that region.'] : [],
  ];
}

/**
 * The condition key under which a superuser secret's policy names the secrets whose first rotation may create their
 * user as that superuser; the function reads the same key (lambda/rotation/steps/set-secret.ts).
 */
const FIRST_ROTATION_SECRET_KEY = 'secretsmanager:SecretId';

/** The environment variable the function reads its proof key's ARN from (lambda/rotation/proof.ts). */
const PROOF_KEY_VARIABLE = 'PROOF_KEY_SECRET_ARN';

/**
 * The pre-built rotation Lambda (see lambda/rotation), one folder per bundle (scripts/bundle-rotation.mjs); shipped
 * in the package, so synth needs no bundler.
 */
const ASSET_DIR = path.join(__dirname, '..', 'assets', 'rotation');
/** The bundle with every engine: for functions serving several engines, or secrets of engines never declared. */
const ALL_ENGINES_BUNDLE = 'all';
/** Name prefix of the Data API engine's short-lived login secrets (lambda/rotation/engines/data-api.ts, LOGIN_SECRET_PREFIX). */
const DATA_API_LOGIN_PREFIX = 'rotation-login/';
/**
 * Room a shared function keeps in its resource-based policy for the next database: two invoke statements (alternating
 * users with `rotateSuperuser`), each with a secret name up to 512 characters.
 */
const SHARED_FUNCTION_HEADROOM = 2 * 1100;
/** A shared function created to take the next databases of a VPC, and the first one whose role and network it shares. */
const SHARES_WITH = new WeakMap<RotationFunctionProps, RotationFunction>();

/** IAM's default quota of managed policies attached to a role (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). */
const MANAGED_POLICIES_PER_ROLE = 10;
/** The rotation function's timeout (see createFunction). */
const ROTATION_FUNCTION_TIMEOUT_S = 180;
/** Lambda's limit on a function's environment: "4 KB, for all environment variables associated with the function, in aggregate". */
const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4 * 1024;

/**
 * A database engine the rotation function carries code for. Each engine has its own bundle, so a function ships
 * only the drivers its databases need.
 */
export enum RotationEngine {
  /** PostgreSQL and Aurora PostgreSQL over a direct connection (node-postgres). */
  POSTGRES = 'postgres',
  /** MySQL, MariaDB and Aurora MySQL over a direct connection (mysql2). */
  MYSQL = 'mysql',
  /** Aurora clusters through the RDS Data API (no database driver). */
  DATA_API = 'data-api',
}


/**
 * Properties for a `RotationFunction`.
 */
export interface RotationFunctionProps {
  /** The VPC of the databases whose secrets the function rotates. */
  readonly vpc: ec2.IVpc;

  /**
   * Where in the VPC the function runs; public subnets are refused (a function there gets no public IP).
   * @default - the VPC's private subnets with egress, or its isolated subnets when it has none
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * An existing interface endpoint for Secrets Manager in this VPC. The function's security group is allowed into
   * it. The function calls it by its own DNS name when this is an `InterfaceVpcEndpoint` of this app, and by the
   * service's default name otherwise (so an imported endpoint needs private DNS on).
   * @default - the library's endpoint for this VPC (private DNS off), unless `createSecretsManagerEndpoint` is false
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;

  /**
   * Create (or share, one per VPC) an interface VPC endpoint for Secrets Manager, and for the RDS Data API when an
   * Aurora cluster is rotated. With private DNS off, only this function uses them (through
   * `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL_RDS_DATA`), so no other workload of the VPC notices.
   * Turn it off when the subnets already reach the services (NAT, or endpoints with private DNS).
   * @default true
   */
  readonly createSecretsManagerEndpoint?: boolean;

  /**
   * Turn on private DNS for the endpoints the library creates: every workload in the VPC then resolves Secrets
   * Manager (and the Data API) to them, while their security groups admit only rotation functions. Only for a VPC
   * you own, with no other endpoint for these services, after allowing your other workloads into the endpoints.
   * The VPC needs `enableDnsHostnames` and `enableDnsSupport` (checked at synth for a VPC of this app).
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html
   * @default false
   */
  readonly privateDnsEnabled?: boolean;

  /**
   * Length of the passwords the function generates. The function makes them itself, with Node.js's cryptographically
   * secure generator, from the character types and options of Secrets Manager's GetRandomPassword (the options below
   * are its parameters, under the names AWS's rotation functions use), so its role needs no `GetRandomPassword`.
   * A whole number from 8 to 128; at most 41 when the function rotates the master user of MySQL, MariaDB or an Aurora
   * cluster (RDS's MasterUserPassword limit). A token (a CloudFormation parameter) is passed to the function as it
   * resolves, unchecked at synth; the function refuses a value that is not a whole number from 8 to 4096.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
   * @default 32
   */
  readonly passwordLength?: number;

  /**
   * Characters never used in generated passwords (replaces the default list). Where the function rotates a database's
   * master user, it must hold `/`, `"` and `@` (or `excludePunctuation` be true): RDS refuses them in MasterUserPassword.
   * RDS for MySQL receives the password as SQL text: a password holding a quote or a backslash is escaped as the
   * server's sql_mode reads it (`NO_BACKSLASH_ESCAPES` or not).
   * @default - space and the punctuation that breaks connection strings, URLs and shell quoting, or that RDS refuses
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
   */
  readonly excludeCharacters?: string;

  /**
   * Leave digits out of generated passwords.
   * @default false
   */
  readonly excludeNumbers?: boolean;

  /**
   * Leave punctuation out of generated passwords.
   * @default false
   */
  readonly excludePunctuation?: boolean;

  /**
   * Leave upper-case letters out of generated passwords.
   * @default false
   */
  readonly excludeUppercase?: boolean;

  /**
   * Leave lower-case letters out of generated passwords.
   * @default false
   */
  readonly excludeLowercase?: boolean;

  /**
   * Make every generated password contain at least one character of each included type.
   * @default true
   */
  readonly requireEachIncludedType?: boolean;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Roles or users that deploy the function's stack with their own credentials (no CloudFormation service role: the
   * `CliCredentialsStackSynthesizer` or `LegacyStackSynthesizer`), exempt beside the synthesizer's CloudFormation
   * execution role from the proof key's deny of changes, so that CloudFormation, acting as them, can update the proof
   * key (its description, key or generated value). The `deployRoles` of every `RotatedDatabase` and
   * `RotatedAuroraCluster` of the function's own stack that it serves, and of every `RotationFunction.shared` call
   * that gets it, are added; a database's in another stack are not (they do not deploy the proof key's stack).
   * Name a role of another stack by its ARN (`iam.Role.fromRoleArn`). See `ProtectedSecretProps.deployRoles`.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
   * @default - only the synthesizer's CloudFormation execution role, when the synthesizer names one
   */
  readonly deployRoles?: iam.IPrincipal[];
}

/**
 * Options to find or create the shared rotation function of a VPC.
 */
export interface SharedRotationFunctionOptions extends RotationFunctionProps {}

/**
 * The bundled four-step rotation Lambda (`createSecret`, `setSecret`, `testSecret`, `finishSecret`) for
 * PostgreSQL, MySQL and MariaDB, in a VPC, with its own security group and a private path to Secrets Manager
 * that changes nothing for the VPC's other workloads (an endpoint with private DNS off, called by its own name).
 *
 * Its role starts with no access to any secret: `addSecret` grants it the one secret (and superuser secret) it
 * rotates, written in that secret's stack, so one function in a network stack can serve databases of other stacks.
 * Use `RotationFunction.shared` to get one function per VPC and subnet selection.
 */
export class RotationFunction extends Construct implements ec2.IConnectable, iam.IGrantable {
  /**
   * The rotation function for the given VPC and subnets, created on first use in the VPC's stack with `options`.
   * A later call for the same VPC and subnets gets that function: options it leaves out are the function's, and one
   * it gives with another value than the function's is refused (the function cannot honour both). `deployRoles` add up.
   */
  public static shared(scope: Construct, options: SharedRotationFunctionOptions): RotationFunction {
    // The function lives with the VPC (the network's stack): databases of every stack then share one function and
    // one endpoint per service, and what names their secrets is written in their own stacks (see `grantableIn`).
    // An imported VPC belongs to the stack that imports it.
    const stack = Stack.of(options.vpc);
    // Named by the selection, not the subnets it holds today: a VPC that gains a zone keeps its function.
    // The databases of each other stack get functions of their own (in the VPC's stack, sharing its endpoints), so
    // which function serves a database never depends on the databases of other stacks. With one function for all,
    // the up to 36 secrets a function's policy holds (below) were counted across stacks: a database added to or removed
    // from one stack moved another stack's databases between functions, and the VPC stack's update then removed
    // exports that stack still imported, which CloudFormation refuses ("You can't modify or remove an output value
    // that is referenced by another stack":
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html).
    // Each role then also carries one other stack's managed policy, far from IAM's 10 per role.
    const consumer = Stack.of(scope);
    const key = subnetSelectionKey(options.vpc, options.vpcSubnets ?? defaultSubnets(options.vpc))
      + (consumer === stack ? '' : `@${namingUniqueId(consumer)}`);
    const id = `RotationFunction${createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase()}`;
    // Each secret adds a statement to the function's resource-based policy, which Lambda caps at 20 KB: when the
    // VPC's function has no room left for two more (a database with alternating users and `rotateSuperuser` adds
    // two), the next function of the VPC serves the next databases. The first keeps its id, so deployed stacks keep it.
    // The next function shares the first one's role, security group and log key (`SHARES_WITH`): it adds a function,
    // its log group and its errors alarm, and every grant already written for the role holds for it.
    const existing = stack.node.tryFindChild(id);
    if (existing instanceof RotationFunction) existing.refuseOtherOptions(scope, options);
    let fn: RotationFunction | undefined;
    let first: RotationFunction | undefined;
    for (let n = 1; ; n++) {
      // The next functions take the first one's options, whoever asks for them.
      const sharing: SharedRotationFunctionOptions = { ...(first?._options ?? options) };
      if (first) SHARES_WITH.set(sharing, first);
      fn = findOrCreate(stack, n === 1 ? id : `${id}${n}`, RotationFunction, (vpcStack, fnId) => new RotationFunction(vpcStack, fnId, sharing));
      first ??= fn;
      if (invokePolicyLength(fn) + SHARED_FUNCTION_HEADROOM <= FUNCTION_POLICY_LIMIT) break;
    }
    fn._addDeployRoles(options.deployRoles ?? []);
    if (Stack.of(scope) !== stack) {
      addInfo(scope, `${scope.node.path} is rotated by the shared function ${fn.node.path}, in the VPC's stack; its grants, invoke permission and network rules are written in ${Stack.of(scope).stackName}.`);
    }
    return fn;
  }

  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** The function's security group and network rules. */
  public readonly connections: ec2.Connections;
  /** The function's role. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The library's Secrets Manager endpoint this function uses (shared by all rotation functions of the VPC), if any. */
  public readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;
  /**
   * The length of the passwords the function generates, for the databases that check it against their master password's limit.
   * @internal
   */
  public readonly _passwordLength: number;
  /**
   * The characters the function leaves out of its passwords (`excludeCharacters`, or the default list), and whether it
   * leaves out punctuation, for the databases that check them against the characters RDS refuses in a master password.
   * @internal
   */
  public readonly _passwordCharacters: { readonly excludeCharacters: string; readonly excludePunctuation: boolean };
  /**
   * The props the function was created with, which a later `shared` call for its VPC and subnets must not contradict.
   * @internal
   */
  public readonly _options: RotationFunctionProps;

  /**
   * The function whose role, security group and log key this one shares (the first shared function of its VPC), or
   * this one: rotation targets groups and grants written in other stacks are the network owner's.
   * @internal
   */
  public readonly _networkOwner: RotationFunction;

  /** The VPC the function runs in. */
  public readonly vpc: ec2.IVpc;
  private readonly vpcSubnets: ec2.SubnetSelection;
  private readonly role: iam.IRole;
  private readonly securityGroup: ec2.SecurityGroup;
  private readonly logKey: kms.IKey;
  /** The secret whose value signs the pending versions the function writes (shared with the functions of its role). */
  private readonly proofKey: secretsmanager.CfnSecret;
  private proofKeyPolicy?: secretsmanager.CfnResourcePolicy;
  /**
   * The ARNs the proof key's deny of changes exempts: its role, the synthesizer's execution role and the deployers
   * (kept by the network owner, whose proof key the functions sharing its role use).
   */
  private readonly proofKeyWriters: string[] = [];
  /** Whether a deployer is known beside the role: the execution role, or `deployRoles` of the function or its stack's databases. */
  private deployerKnown = false;
  private readonly createEndpoints: boolean;
  private readonly privateDnsEnabled: boolean;
  private dataApiEndpoint?: ec2.IInterfaceVpcEndpoint;
  /** The interface endpoints the function reaches AWS through. */
  private readonly endpoints: ec2.IInterfaceVpcEndpoint[] = [];
  private readonly plaintextSecretArns: string[] = [];
  private readonly engines = new Set<RotationEngine>();
  private readonly code = new BundleCode();
  /** The role's grants written in other stacks (on the network owner): each attaches a managed policy to the role. */
  private readonly accessesInOtherStacks: RotationAccess[] = [];

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    validate(this, props);
    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets ?? defaultSubnets(props.vpc);
    this.createEndpoints = props.createSecretsManagerEndpoint ?? true;
    this.privateDnsEnabled = props.privateDnsEnabled ?? false;
    this._passwordLength = props.passwordLength ?? 32;
    this._passwordCharacters = {
      excludeCharacters: props.excludeCharacters ?? EXCLUDED_PASSWORD_CHARACTERS,
      excludePunctuation: props.excludePunctuation ?? false,
    };
    this._options = props;

    const owner = SHARES_WITH.get(props);
    this._networkOwner = owner ?? this;
    const securityGroup = owner?.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Rotation function: reaches only its databases and Secrets Manager',
      allowAllOutbound: false,
    });
    this.securityGroup = securityGroup;
    const role = owner?.role ?? this.createRole();
    this.logKey = owner?.logKey ?? this.createLogKey();
    const logGroup = this.createLogGroup(props.logRetention, role, owner === undefined);
    this.proofKey = owner?.proofKey ?? this.createProofKey(role);
    this._addDeployRoles(props.deployRoles ?? []);
    this.function = this.createFunction(props, role, logGroup, securityGroup);
    this.function.addEnvironment(PROOF_KEY_VARIABLE, this.proofKey.ref);
    registerProofKey(this.function, this.proofKey);
    const proofKeyPolicy = owner?.proofKeyPolicy ?? this.proofKeyPolicy;
    if (proofKeyPolicy) this.function.node.addDependency(proofKeyPolicy);
    this.connections = this.function.connections;
    this.grantPrincipal = role;
    this.role = role;
    // No GetRandomPassword: the function makes its passwords itself (lambda/rotation/password.ts), so the role holds
    // no Secrets Manager action on `*`.
    this.secretsManagerEndpoint = this.connectToSecretsManager(props, securityGroup);
    // Databases declare their engines after the function exists (one function serves a VPC), so the asset is
    // chosen when the app is prepared for synthesis, from every engine declared by then.
    // The databases that add deployers are added after the function too, so the warning waits for them as well.
    Aspects.of(this).add({
      visit: node => {
        if (node !== this) return;
        this.bindBundle();
        if (!owner) this.warnOfNoDeployer();
      },
    });
    if (!owner) this.node.addValidation({ validate: () => this.warnOfManagedPolicyQuota() });
    this.node.addValidation({ validate: () => this.environmentSizeErrors() });
    this.node.addValidation({ validate: () => this.unscopedInvokePermissionErrors() });
  }

  /**
   * Declares that the function rotates secrets of `engine`. The function ships the bundle of that engine alone
   * when it is the only one declared (smaller, faster to start), and the bundle with every engine when several
   * are, or none (secrets added with `addSecret` alone may be of any engine). RotatedDatabase and
   * RotatedAuroraCluster declare theirs; call this for other secrets the function rotates. `DATA_API` also lets the
   * function create its short-lived login secrets (`rotation-login/*`), which only its role may read.
   */
  public addEngine(engine: RotationEngine): void {
    if (engine === RotationEngine.DATA_API && !this.engines.has(engine)) this.allowDataApiLogins();
    if (engine !== RotationEngine.DATA_API && ![...this.engines].some(e => e !== RotationEngine.DATA_API)) this.warnOfRegionWithoutRdsRoot();
    this.engines.add(engine);
  }

  /**
   * The function connects to PostgreSQL and MySQL/MariaDB with TLS verified against its Amazon RDS CA bundle, and RDS
   * signs a database's certificate with a root CA of the database's region
   * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html): in a region whose root the bundle
   * lacks every such rotation fails. Warned once per function, when it first rotates such an engine (the Data API
   * needs no certificate of the database); not in an environment-agnostic stack.
   */
  private warnOfRegionWithoutRdsRoot(): void {
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region) || rdsCaBundleCoversRegion(region)) return;
    Annotations.of(this).addWarningV2('cdk-protected-secrets:rds-ca-region',
      `RotationFunction ${this.node.path}: its Amazon RDS CA bundle has no root CA of ${region}, where RDS signs the certificates of the `
      + 'PostgreSQL, MySQL and MariaDB databases it rotates, so every such rotation would fail with a TLS error and the password would '
      + `never change. Give the function the CA certificates of ${region} (AWS's bundle for it, linked from https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html) `
      + 'as a PEM file in a Lambda layer and name the file: `rotationFunction.function.addLayers(layer)` and '
      + '`rotationFunction.function.addEnvironment(\'CA_BUNDLE_PATH\', \'/opt/<file>.pem\')`; or encrypt without verifying the certificate: '
      + '`rotationFunction.function.addEnvironment(\'TLS_MODE\', \'require\')`. Then acknowledge this warning (README, "Synth warnings").');
  }

  /**
   * Exempts `principals`, the roles or users that deploy (a database's `deployRoles`), from the proof key's deny of
   * changes, beside the execution role: without a CloudFormation service role, CloudFormation "uses a temporary
   * session that it generates from your user credentials for stack operations"
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html), so an update of the
   * proof key is made as them. A role created in another stack cannot be named here (see `deployerArnsIn`).
   * `deployedWith`, for a database's `deployRoles`: a construct of the database, whose roles are exempted only when
   * its stack is the proof key's (at the top, past nested stacks). The proof key changes when its own stack deploys,
   * as that stack's deployer; the deployers of another stack would gain a key that signs its databases' rotations
   * and leave the real one denied.
   * @internal
   */
  public _addDeployRoles(principals: readonly iam.IPrincipal[], deployedWith?: IConstruct): void {
    const owner = this._networkOwner;
    if (deployedWith && principals.length > 0 && topStack(deployedWith) !== topStack(owner.proofKey)) {
      // With an execution role in the function's stack, its deployer is known and exempt already: nothing to do.
      if (cloudFormationExecutionRoleArn(owner) !== undefined) return;
      const stackName = topStack(owner.proofKey).stackName;
      addInfo(owner, `RotationFunction ${owner.node.path}: the \`deployRoles\` given for ${deployedWith.node.path} deploy ${topStack(deployedWith).stackName}, `
        + `not ${stackName}, which holds the function's proof key: its deny of changes does not exempt them. Give the deployers of ${stackName} to the `
        + 'function and the function to the database: `const fn = RotationFunction.shared(this, { vpc, deployRoles })`, then `rotationFunction: fn`.');
      return;
    }
    const { named, unnamed } = deployerArnsIn(owner.proofKey, principals);
    owner.proofKeyWriters.push(...named);
    if (named.length > 0) owner.deployerKnown = true;
    for (const principal of unnamed) {
      addInfo(owner, `RotationFunction ${owner.node.path}: the deploy role ${principal.node.path} is created in another stack, `
        + `so its ARN cannot be written in ${Stack.of(owner).stackName} (the two stacks would reference each other) and its proof key's deny of changes `
        + 'does not exempt it. Pass that role by ARN (`iam.Role.fromRoleArn`) to exempt it.');
    }
  }

  /**
   * Warns, as each secret does (`cdk-protected-secrets:noDeployRole`), when no deployer is known: the synthesizer names
   * no CloudFormation execution role and neither the function nor the databases it serves in its stack have `deployRoles`. Every
   * principal but the rotation role is then denied changing the proof key, CloudFormation acting for whoever deploys
   * included, and a stack update that changes it would fail.
   */
  private warnOfNoDeployer(): void {
    if (this.deployerKnown) return;
    Annotations.of(this).addWarningV2('cdk-protected-secrets:noDeployRole',
      `RotationFunction ${this.node.path}: the stack's synthesizer names no CloudFormation execution role and no \`deployRoles\` are known (the function's, `
      + `or those of the databases it serves in ${topStack(this).stackName}), so CloudFormation, acting as whoever deploys, will be denied any update of the proof key ${this.proofKey.node.path} `
      + '(its description, key or generated value) a later stack or library version makes. List the deploying role or user in `deployRoles` '
      + '(of the function, or of a RotatedDatabase or RotatedAuroraCluster of its stack that it serves).');
  }

  /**
   * Refuses a `shared` call at `scope` whose options contradict this function's: the function already exists with its
   * own, so the caller's would be silently dropped (a `passwordLength` the caller's database needs, or
   * `createSecretsManagerEndpoint: false` for subnets that reach Secrets Manager otherwise). An option the call leaves
   * out takes the function's.
   */
  private refuseOtherOptions(scope: Construct, options: SharedRotationFunctionOptions): void {
    const errors = new PropErrors('RotationFunction.shared', scope);
    errors.addAll(deployRoleErrors(options.deployRoles));
    // Tokens (a CloudFormation parameter) are the same option when they resolve to the same expression.
    const same = (a: unknown, b: unknown) => a === b || (Token.isUnresolved(a) || Token.isUnresolved(b))
      && JSON.stringify(Stack.of(this).resolve(a)) === JSON.stringify(Stack.of(this).resolve(b));
    const show = (value: unknown) => value === undefined ? 'none'
      : typeof value === 'string' ? JSON.stringify(value) : value instanceof Construct ? value.node.path : String(value);
    const effective: Record<string, unknown> = {
      passwordLength: this._passwordLength,
      excludeCharacters: this._passwordCharacters.excludeCharacters,
      excludeNumbers: this._options.excludeNumbers ?? false,
      excludePunctuation: this._passwordCharacters.excludePunctuation,
      excludeUppercase: this._options.excludeUppercase ?? false,
      excludeLowercase: this._options.excludeLowercase ?? false,
      requireEachIncludedType: this._options.requireEachIncludedType ?? true,
      logRetention: this._options.logRetention ?? logs.RetentionDays.ONE_YEAR,
      createSecretsManagerEndpoint: this.createEndpoints && this._options.secretsManagerEndpoint === undefined,
      secretsManagerEndpoint: this._options.secretsManagerEndpoint,
      privateDnsEnabled: this.privateDnsEnabled,
    };
    for (const [option, value] of Object.entries(effective)) {
      const given = (options as unknown as Record<string, unknown>)[option];
      if (given === undefined || same(given, value)) continue;
      errors.add(`\`${option}\` is ${show(given)}, but the shared rotation function ${this.node.path} of this VPC and subnets already exists with ${show(value)}, `
        + `so ${show(given)} would be ignored: give every user of the VPC and subnets the same \`${option}\` (or leave it out), `
        + 'or give this one a function of its own (`new RotationFunction(...)`, passed as `rotationFunction` to a database). The first user creates the '
        + 'shared function with its options (a RotatedAuroraCluster, which takes none, with the defaults): create the construct that sets them first, '
        + 'or create the function yourself and pass it to each as `rotationFunction`.');
    }
    errors.throwIfAny();
  }

  /** The bundle this function ships, from the engines declared so far: one engine's, or the combined one. */
  public get bundleName(): string {
    return this.engines.size === 1 ? [...this.engines][0] : ALL_ENGINES_BUNDLE;
  }

  /** The ARN of the Lambda function. */
  public get functionArn(): string {
    return this.function.functionArn;
  }

  /**
   * Lets the function rotate `secret`: read and write its versions (and use its key through Secrets Manager),
   * and read `superuserSecret` when alternating users (it must name the database's `host` and `port`, as `secret`
   * does: the function logs the superuser in only there, and refuses a superuser secret without a host). A secret created in this app grants the role in its own
   * resource policy (and key policy), so the role's policies do not grow with every secret; an imported secret's grant
   * goes to the role's policy in the secret's stack (`grantableIn`). Either way it is written in the secret's stack,
   * so a function shared across stacks creates no cyclic reference.
   */
  public addSecret(secret: secretsmanager.ISecret, superuserSecret?: secretsmanager.ISecret): void {
    const grantee = this.grantableOn(secret);
    secret.grantRead(grantee);
    secret.grantWrite(grantee);
    this.allowKeyOfAnotherApp(secret, ['kms:Decrypt', 'kms:GenerateDataKey']);
    this.namedAfterFunction(secret);
    if (superuserSecret) {
      superuserSecret.grantRead(this.grantableOn(superuserSecret));
      this.allowKeyOfAnotherApp(superuserSecret, ['kms:Decrypt']);
      this.namedAfterFunction(superuserSecret);
    }
  }

  /**
   * Rotates `secret` with this function on a schedule: `addSecret(secret, superuserSecret)` and a rotation schedule
   * whose invoke permission names the secret (`SourceArn`) and its account (`SourceAccount`), so Secrets Manager may
   * invoke the function for this secret only. Use it for a secret that is not a `ProtectedSecret` (a
   * `ProtectedSecret`'s `addRotationSchedule` does the same): `secret.addRotationSchedule(id, { rotationLambda:
   * fn.function })` would let aws-cdk-lib add a permission for any secret of any account, which synth refuses.
   * Call `addEngine` for the secret's engine, or the function ships every engine (a Data API secret needs more: see the
   * README). The schedule goes under `secret`. Refused: a secret known by name only, or of another account or region
   * than the stack's, whose permission could never match.
   * @param id the schedule's construct id, under the secret
   * @param secret a JSON secret with the fields of AWS's RDS rotation functions (`engine`, `host`, `username`, `password`, ...)
   * @param options when to rotate
   * @param superuserSecret for alternating users, the secret the function logs in with (its `masterarn`)
   */
  public scheduleRotation(
    id: string, secret: secretsmanager.ISecret, options: RotationOptions = {}, superuserSecret?: secretsmanager.ISecret,
  ): secretsmanager.RotationSchedule {
    const errors = new PropErrors('RotationFunction.scheduleRotation', this);
    errors.addAll(rotationOptionErrors(options));
    errors.addAll(scheduledSecretErrors(secret));
    // The function logs in as the superuser to change the user's password (alternating users): a secret cannot be its
    // own superuser, and its first rotation would fail (lambda/rotation/steps/set-secret.ts).
    const sameArn = superuserSecret !== undefined && !Token.isUnresolved(secret.secretArn) && superuserSecret.secretArn === secret.secretArn;
    if (superuserSecret && (superuserSecret === secret || sameArn)) {
      errors.add(`\`superuserSecret\` is \`secret\` ${secret.node.path} itself: with alternating users the function logs in as another user, the `
        + 'superuser whose secret the rotated secret\'s `masterarn` names. Pass that superuser\'s secret, or leave `superuserSecret` out for a single user.');
    }
    errors.throwIfAny();
    this.addSecret(secret, superuserSecret);
    return scheduleRotation(secret, secret, this, new DependencyGroup(), options, id, superuserSecret);
  }

  /**
   * Invoke permissions for Secrets Manager on this function that name no secret: aws-cdk-lib's `RotationSchedule`
   * adds one (`grantInvoke` to the service principal, without `SourceArn` or `SourceAccount`) when a secret's
   * `addRotationSchedule` is given this function. Secrets Manager could then invoke the function for a secret of any
   * account (the cross-service confused deputy, against which AWS recommends `aws:SourceArn` and `aws:SourceAccount`,
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html), and the
   * function acts with a role that reads every database secret it serves. The library's own permissions carry both.
   */
  private unscopedInvokePermissionErrors(): string[] {
    return this.function.node.findAll()
      // The SourceArn first: the library's own permissions all name their secret, and resolving each principal was most
      // of this check's cost.
      .filter((c): c is lambda.CfnPermission => c instanceof lambda.CfnPermission && c.sourceArn === undefined
        && Stack.of(c).resolve(c.principal) === 'secretsmanager.amazonaws.com')
      .map(permission => `RotationFunction ${this.node.path}: ${permission.node.path} lets Secrets Manager invoke the function for any secret `
        + `${permission.sourceAccount === undefined ? 'of any account ' : 'of its account '}(no SourceArn); aws-cdk-lib's RotationSchedule adds such a permission `
        + 'when a secret\'s `addRotationSchedule` is given `rotationLambda: <RotationFunction>.function`. '
        + 'Rotate a secret that is not a ProtectedSecret with `rotationFunction.scheduleRotation(id, secret, options)`, whose permission names the secret '
        + '(a ProtectedSecret\'s own `addRotationSchedule` does the same); for a deployed schedule keep its id, so it keeps its logical ID, and pass '
        + '`rotateImmediatelyOnUpdate: false` unless it should rotate during the deployment.');
  }

  /**
   * Lets the function make the first rotation of `secret` create its user as `superuserSecret`, while the secret's
   * first-rotation tags hold `username` and the superuser secret's ARN (RotatedDatabase with alternating users). The
   * function reads those tags on any secret it rotates, and not every such secret denies others to change them (a
   * secret given to `addSecret`, or a ProtectedSecret with no known deployer): a writer who tags one and aims its
   * AWSCURRENT at another database this function serves would have that database's superuser create a login for them.
   * So before it creates anything the function calls `secretsmanager:GetResourcePolicy` on the secret, which only
   * this statement allows the role, and only while both tags hold the values written here: `aws:ResourceTag/<key>`
   * is a condition key of GetResourcePolicy
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html). A refusal
   * means the tags are not the deployment's (lambda/rotation/steps/set-secret.ts). The superuser secret must consent
   * too (listFirstRotationSecret): returns whether its policy could take that statement.
   * @internal
   */
  public _allowFirstRotation(secret: secretsmanager.ISecret, username: string, superuserSecret: secretsmanager.ISecret): boolean {
    const statement = new iam.PolicyStatement({
      sid: 'RotationFunctionMayCreateTheTaggedFirstUser',
      actions: ['secretsmanager:GetResourcePolicy'],
      conditions: {
        StringEquals: {
          [`aws:ResourceTag/${FIRST_USER_TAG}`]: username,
          [`aws:ResourceTag/${FIRST_USER_SUPERUSER_TAG}`]: superuserSecret.secretArn,
        },
      },
    });
    statement.addResources(secret.secretArn);
    const grantee = this.grantableOn(secret);
    if (grantee instanceof ResourcePolicyGrantee) {
      statement.addPrincipals(this.role);
      secret.addToResourcePolicy(statement);
    } else {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
    return this.listFirstRotationSecret(secret, superuserSecret);
  }

  /**
   * Names `secret` in the superuser secret's resource policy as one whose first rotation may create its user as that
   * superuser, and lets the role read that policy. The tags and the statement above live on the rotated secret, whose
   * own policy whoever administers that secret may rewrite (an Allow there is enough within the account,
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html): the
   * administrator of one secret the shared function rotates could otherwise forge both and have another database's
   * superuser create a login. The superuser's own policy is its administrator's, so the function creates a user only
   * for a secret that policy names (lambda/rotation/steps/set-secret.ts). The name sits in a statement that grants
   * nothing more: `secretsmanager:SecretId` is the secret a request names
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html), never the
   * rotated secret when the request is for the superuser's. Possible only for a superuser secret of this app in the
   * rotated secret's stack (the other way round, its policy would reference a stack that references it): returns
   * whether it was.
   */
  private listFirstRotationSecret(secret: secretsmanager.ISecret, superuserSecret: secretsmanager.ISecret): boolean {
    if (Stack.of(superuserSecret) !== Stack.of(secret) || !(this.grantableOn(superuserSecret) instanceof ResourcePolicyGrantee)) return false;
    const read = new iam.PolicyStatement({
      sid: 'RotationFunctionReadsFirstRotationSecrets',
      principals: [this.role],
      actions: ['secretsmanager:GetResourcePolicy'],
      resources: [superuserSecret.secretArn],
    });
    const names = new iam.PolicyStatement({
      principals: [this.role],
      actions: ['secretsmanager:GetResourcePolicy'],
      resources: [superuserSecret.secretArn],
      conditions: { StringEquals: { [FIRST_ROTATION_SECRET_KEY]: secret.secretArn } },
    });
    return superuserSecret.addToResourcePolicy(read).statementAdded && superuserSecret.addToResourcePolicy(names).statementAdded;
  }

  /**
   * A secret of this app whose key is of another app (imported by ARN, or an alias imported with it) grants the role
   * in its resource policy, but the key takes no policy statement from this app, and aws-cdk-lib's key grant to the
   * role through Secrets Manager goes nowhere: the role's own policy must allow the key's use through Secrets Manager,
   * which acts for the function, who "must have" kms:GenerateDataKey and kms:Decrypt
   * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-authz).
   * The key is named by its ARN, never an alias's (keyArnOf). One statement per grantee and set of actions, so the
   * role's policy grows by a key ARN per secret, not a statement.
   */
  private allowKeyOfAnotherApp(secret: secretsmanager.ISecret, actions: string[]): void {
    const key = secret.encryptionKey;
    if (!key || isKeyOfThisApp(key)) return;
    const grantee = this.grantableIn(secret);
    const byActions = KEY_STATEMENTS.get(grantee) ?? new Map<string, iam.PolicyStatement>();
    KEY_STATEMENTS.set(grantee, byActions);
    const existing = byActions.get(actions.join());
    if (existing) {
      existing.addResources(keyArnOf(key));
      return;
    }
    const statement = new iam.PolicyStatement({
      actions,
      resources: [keyArnOf(key)],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
    });
    byActions.set(actions.join(), statement);
    grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }

  /**
   * Makes the secret's resource policy, which now names the role as principal, wait for the function in the
   * function's own stack. Secrets Manager refuses a principal it cannot see yet: a role created seconds before gets
   * MalformedPolicyDocumentException (hashicorp/terraform-provider-aws#14449, boto/boto3#3206). Lambda creates the
   * function only once it can assume the role, so by then the role has propagated. A stack deployed after the
   * function's (a database stack of a network stack's function) needs nothing. The key policy, which has named the
   * role since the first release, cannot wait the same way: a function that refers to the secret
   * (`allowPlaintextConnections`) would close a cycle through the secret and its key.
   */
  private namedAfterFunction(secret: secretsmanager.ISecret): void {
    const policy = resourcePolicyOf(secret);
    if (policy && Stack.of(policy) === Stack.of(this)) policy.node.addDependency(this.function);
  }

  /**
   * The function's role as the grantee of `secret`. A secret created in this app (a ProtectedSecret, or an
   * aws-cdk-lib Secret) takes the grant in its own resource policy, naming the role: within one account either the
   * identity's or the resource's policy may allow
   * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html).
   * The role's own policies then do not grow with every secret it rotates; they could not: a customer-managed policy
   * holds 6,144 characters and a role takes 10 managed policies by default
   * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), less than 20 secrets of one stack,
   * or the databases of 10 stacks, need (test/policy-quotas.test.ts). An imported secret has no policy of this app:
   * its grant goes to the role's policy in the secret's stack (`grantableIn`).
   */
  private grantableOn(secret: secretsmanager.ISecret): iam.IGrantable {
    // aws-cdk-lib's Secret.grantWrite refuses a grant in the resource policy of a secret without a customer-managed
    // key (it reads it as cross-account); a ProtectedSecret always has one.
    const owned = hasMarker(secret, 'ProtectedSecret')
      || (secret instanceof secretsmanager.Secret && Resource.isOwnedResource(secret) && secret.encryptionKey !== undefined);
    return owned ? new ResourcePolicyGrantee(this.role) : this.grantableIn(secret);
  }

  /**
   * The function's role as a grantee whose policy statements are written in `scope`'s stack: in the function's own
   * policy when that is the function's stack, otherwise in a customer-managed policy of `scope`'s stack attached to
   * the role. Grants that name a resource of another stack (a secret, its key, a cluster) then make that stack
   * depend on the function's stack, never the reverse. A scope of another app, account or region is refused, and so is
   * an environment-agnostic stack when the function's stack has an environment (or the reverse), between which
   * aws-cdk-lib refuses references.
   */
  public grantableIn(scope: Construct): iam.IGrantable {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this;
    this.refuseForeignScope(stack);
    // Functions that share a role share its policy in each other stack too.
    const owner = this._networkOwner;
    const id = `RotationAccess${createHash('sha256').update(namingPath(owner)).digest('hex').slice(0, 8).toUpperCase()}`;
    return findOrCreate(stack, id, RotationAccess, (scopeStack, accessId) => {
      const access = new RotationAccess(scopeStack, accessId, this.role, namingPath(owner));
      owner.accessesInOtherStacks.push(access);
      return access;
    });
  }

  /**
   * Refuses a stack the role's policy cannot be written in, before aws-cdk-lib's reference errors (which name neither
   * this method nor the fix): a stack of another app, and one of another account or region, whose secrets the
   * function cannot rotate (see scheduledSecretErrors) and which cannot reference the role across environments. An
   * environment-agnostic stack beside one with an environment is another environment too: aws-cdk-lib compares an
   * unknown account as "unknown-account" and refuses the reference.
   */
  private refuseForeignScope(stack: Stack): void {
    const ours = Stack.of(this);
    const otherApp = stack.node.root !== ours.node.root;
    // One stack environment-agnostic and the other not (ONE_UNRESOLVED) are other environments too: aws-cdk-lib
    // refuses a reference between them as between two accounts.
    const differ = (a: string, b: string) => ![TokenComparison.SAME, TokenComparison.BOTH_UNRESOLVED].includes(Token.compareStrings(a, b));
    const otherAccount = differ(stack.account, ours.account);
    const otherRegion = differ(stack.region, ours.region);
    if (!otherApp && !otherAccount && !otherRegion) return;
    const agnostic = (s: Stack) => Token.isUnresolved(s.account) && Token.isUnresolved(s.region);
    const known = (value: string) => Token.isUnresolved(value) ? '(unknown)' : value;
    const theirs = agnostic(stack) ? 'no account and region (environment-agnostic)' : `account ${known(stack.account)} and region ${known(stack.region)}`;
    const where = otherApp ? 'another app'
      : agnostic(ours) ? `${theirs}, while the function's stack is environment-agnostic` : `${theirs}, not ${known(ours.account)} and ${known(ours.region)}`;
    throw new Error(`RotationFunction ${this.node.path}: grantableIn got a scope of the stack ${stack.node.path}, of ${where}. A rotation function rotates `
      + 'secrets of its own account and region, and its role can be granted only from stacks of its app and environment: use a rotation function '
      + 'of that stack\'s environment (`RotationFunction.shared(thatStack, { vpc })`).');
  }

  /**
   * Refuses an environment over Lambda's "4 KB, for all environment variables associated with the function, in
   * aggregate" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), which would fail the deploy:
   * `allowPlaintextConnections` adds a secret ARN per call, and `excludeCharacters` may be long. Counted as names plus
   * values, each value as it deploys: a secret of this stack named by `Ref` at its name's length (the one it was given,
   * or `<logical id>-<random>`), any other value from a reference (an import, an endpoint's DNS name) at 100 characters.
   */
  private environmentSizeErrors(): string[] {
    const stack = Stack.of(this.function);
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    // The L1 property as set (camelCase, not yet rendered to CloudFormation's `Variables`).
    const rendered = stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
    // A secret given a name deploys an ARN with that name; one without, with `<logical id>-<random>`. Looked up (a walk
    // of the stack) only when a variable names a resource of the stack, which the default environment does not.
    let names: Map<string, string> | undefined;
    const secretNames = () => {
      if (names) return names;
      names = new Map();
      for (const c of stack.node.findAll()) {
        if (c instanceof secretsmanager.CfnSecret && typeof c.name === 'string' && !Token.isUnresolved(c.name)) names.set(stack.resolve(c.logicalId), c.name);
      }
      return names;
    };
    const secretArn = (logicalId: string) => `${longestArnPrefix('secretsmanager')}secret:${secretNames().get(logicalId) ?? `${logicalId}-${'x'.repeat(12)}`}-xxxxxx`;
    const variables = longestDeployed(rendered?.variables ?? {}, logicalId => logicalId === undefined ? 'x'.repeat(100) : secretArn(logicalId)) as Record<string, unknown>;
    const size = Object.entries(variables).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)), 0);
    if (size <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
    const plaintext = this.plaintextSecretArns.length;
    return [`RotationFunction ${this.node.path}: its environment variables would take about ${size} bytes, over Lambda's 4 KB for all of them `
      + '(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and the deploy would fail. '
      + (plaintext > 0 ? `${plaintext} secret ARNs are listed for \`allowPlaintextConnections\`: rotate some of those secrets with a RotationFunction of their own. ` : '')
      + 'A long `excludeCharacters` counts too.'];
  }

  /**
   * Warns when the role would have more managed policies attached than IAM allows by default: its own, and one per
   * other stack whose grants had no resource policy of the app to go in (an Aurora cluster's Data API, an imported
   * secret, a key of another app). IAM attaches 10 managed policies to a role unless the account's quota was raised
   * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), so the stack that attaches the
   * eleventh fails to deploy with LimitExceeded. A warning, not an error: the quota can be raised to 20.
   */
  private warnOfManagedPolicyQuota(): string[] {
    const stacks = this.accessesInOtherStacks.filter(access => access.attachesPolicy).map(access => Stack.of(access).stackName);
    const attached = (this.role instanceof ManagedPolicyRole ? 1 : 0) + stacks.length;
    if (attached > MANAGED_POLICIES_PER_ROLE) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:role-managed-policies',
        `RotationFunction ${this.node.path}: its role would have ${attached} managed policies attached (its own and one each for ${stacks.join(', ')}), `
        + `and IAM attaches ${MANAGED_POLICIES_PER_ROLE} to a role unless the account's quota was raised (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): `
        + 'the stack that attaches one too many fails to deploy with LimitExceeded. Leave `rotationFunction` unset on the databases of some of those stacks '
        + '(RotationFunction.shared gives each stack a function and role of its own), or give them another RotationFunction.');
    }
    return [];
  }

  /**
   * What a rotation schedule in `scope`'s stack waits for before the first rotation (rotateImmediatelyOnUpdate starts
   * it at once). In another stack: the role's policy written there (the function's stack is deployed first). In the
   * function's own stack: the function, its security group with its egress rules, and the groups of the endpoints it
   * reaches AWS through, which hold the rules that let it in. The function resource itself waits for its role and
   * policies (aws-cdk-lib's DependsOn) and names its log group, which names the log's key; CloudFormation creates a
   * resource after every resource it names with Ref or Fn::GetAtt as well as those in its DependsOn
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html), so listing the
   * rest of the construct would only lengthen every schedule's DependsOn (test/rotated-database.test.ts checks it).
   * @internal
   */
  public _readyToRotate(scope: Construct): IDependable[] {
    const access = this.grantableIn(scope);
    if (access !== this) return [access as unknown as IDependable];
    const stack = Stack.of(this);
    const endpointGroups = this.endpoints.flatMap(endpoint => endpoint.connections.securityGroups).filter(group => Stack.of(group) === stack);
    return [this.function, ...this.connections.securityGroups, ...endpointGroups];
  }

  /**
   * Gives the function a private path to the RDS Data API (the library's interface endpoint for this VPC, created
   * once) for Aurora clusters rotated through it. Does nothing when `createSecretsManagerEndpoint` is false: the
   * subnets then reach the Data API the way they reach Secrets Manager.
   */
  public addDataApiEndpoint(): ec2.IInterfaceVpcEndpoint | undefined {
    if (this.dataApiEndpoint || !this.createEndpoints) return this.dataApiEndpoint;
    this.dataApiEndpoint = this.useSharedEndpoint(ec2.InterfaceVpcEndpointAwsService.RDS_DATA, 'DataApi', 'the RDS Data API', 'AWS_ENDPOINT_URL_RDS_DATA');
    return this.dataApiEndpoint;
  }

  /**
   * Lets the function connect WITHOUT TLS to the database of `secret`, when the secret's JSON says `"ssl": false`.
   * Only for databases that cannot offer TLS: passwords then cross the network in the clear. Without this call such
   * a secret fails its rotation with an error naming it; secrets without `"ssl": false` always use verified TLS.
   */
  public allowPlaintextConnections(secret: secretsmanager.ISecret): void {
    if (!secret.secretFullArn) {
      throw new Error(`RotationFunction ${this.node.path}: allowPlaintextConnections needs the secret's full ARN (the function compares it with the rotated secret's), but ${secret.node.path} has none; import it with \`Secret.fromSecretCompleteArn\`.`);
    }
    if (this.plaintextSecretArns.length === 0) {
      this.function.addEnvironment('PLAINTEXT_SECRET_ARNS', Lazy.string({ produce: () => this.plaintextSecretArns.join(',') }));
    }
    this.plaintextSecretArns.push(secret.secretFullArn);
  }

  /**
   * Allows the function into a database of your own on its default port (a rule pair on the database's and the
   * function's groups). RotatedDatabase does not use it: its instances join the function's targets group instead.
   */
  public allowConnectionsTo(database: ec2.IConnectable): void {
    // Ingress on the database's group and egress on the function's are both written in the database's stack
    // (aws-cdk-lib places a rule naming a group of another stack with that group's peer).
    database.connections.allowDefaultPortFrom(this.connections, 'Rotation function');
  }

  /**
   * The Data API logs in with a secret, not a password, so the function proves a password through a short-lived
   * secret of its own (created, used and deleted within one step, lambda/rotation/engines/data-api.ts), under a name
   * prefix only it may use. Each login secret's resource policy denies its value to everyone but this role, whose ARN
   * the function reads from its environment: the secret holds a working password of the database user.
   */
  private allowDataApiLogins(): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [
        'secretsmanager:CreateSecret', 'secretsmanager:PutResourcePolicy', 'secretsmanager:PutSecretValue',
        // GetSecretValue: the Data API reads the login as the function.
        'secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue',
      ],
      resources: [Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${DATA_API_LOGIN_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    this.function.addEnvironment('LOGIN_SECRET_READER_ARN', this.role.roleArn);
  }

  /**
   * The function's role. Every grant goes to one customer-managed policy rather than an inline one, so it can be
   * reviewed and audited as a policy of its own.
   */
  private createRole(): ManagedPolicyRole {
    return new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rotation function: secret access is added per rotated secret',
    });
  }

  /**
   * The function's log and what a VPC function needs to write it and manage its network interfaces, without the
   * managed policy's '*'. The log holds step outcomes and secret ARNs, never values; encrypted all the same, with a
   * key for logs only.
   */
  private createLogGroup(retention: logs.RetentionDays | undefined, role: iam.IRole, newRole: boolean): logs.LogGroup {
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: retention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.logKey,
      // Kept when the stack goes, but not after a failed first deploy: RetainExceptOnCreate
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    if (newRole) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        // Lambda manages the function's network interfaces with this role; AWS documents these actions on "*"
        // (DescribeNetworkInterfaces works only there, and the interface IDs are Lambda's, unknown at synth).
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html. DescribeSubnets too: AWS's "minimum
        // permissions for a Lambda function to execute while accessing a resource within a VPC" name it since v3
        // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }));
    }
    return logGroup;
  }

  /**
   * The key the function signs the pending versions it writes with, and checks before it gives a pending password to
   * a database (lambda/rotation/proof.ts): a principal that may only write a rotated secret could otherwise store the
   * rotation's pending version first and choose the user's password. CloudFormation generates the value (none is in
   * the template); the resource policy denies reading or changing it to every principal but the function's role, and
   * it is encrypted with the log key, which the role may use through Secrets Manager only. Not rotated: a new value
   * would void the proofs of rotations in progress.
   */
  private createProofKey(role: iam.IRole): secretsmanager.CfnSecret {
    const stack = Stack.of(this);
    const proofKey = new secretsmanager.CfnSecret(this, 'ProofKey', {
      description: `Signs the pending versions the rotation function ${this.node.path} writes; only its role reads it`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      kmsKeyId: this.logKey.keyArn,
    });
    SecretsGuard.suppress(proofKey, 'SecretWithoutRotation', 'The rotation function\'s proof key: a new value would void the proofs of the '
      + 'rotations in progress; only the function\'s role may read it, and only the deployer may write it.');
    const executionRole = cloudFormationExecutionRoleArn(this);
    this.proofKeyWriters.push(role.roleArn, ...executionRole ? [executionRole] : []);
    this.deployerKnown = executionRole !== undefined;
    // The role's access is in the secret's and the key's policies, not in its own: the role's managed policy is near
    // IAM's 6,144 characters when a function serves many databases (test/policy-quotas.test.ts), and within one account
    // an allow in a resource-based policy is enough
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    const policy = new secretsmanager.CfnResourcePolicy(this, 'ProofKeyPolicy', {
      secretId: proofKey.ref,
      blockPublicPolicy: true,
      resourcePolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'TheRotationRoleReadsIt',
            principals: [new iam.ArnPrincipal(role.roleArn)],
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'NobodyElseReadsIt',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['*'],
            conditions: { StringNotEquals: { 'aws:PrincipalArn': role.roleArn } },
          }),
          // CloudFormation updates the secret (its description, key or generated value) as the stack's execution
          // role, or without one as whoever deploys (`deployRoles`), who must stay free to, or a later release's
          // change to the key would fail every stack update.
          new iam.PolicyStatement({
            sid: 'NobodyButTheDeployerChangesIt',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: [
              'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:RotateSecret',
            ],
            resources: ['*'],
            conditions: { StringNotEquals: { 'aws:PrincipalArn': lazyUnique(this.proofKeyWriters) } },
          }),
        ],
      }),
    });
    // Decrypt through Secrets Manager only: the proof key is the one secret this key encrypts.
    this.logKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'TheRotationRoleDecryptsItsProofKey',
      principals: [new iam.ArnPrincipal(role.roleArn)],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
    }));
    // The function (and so every rotation schedule, which waits for it) waits for the key's policy too.
    this.proofKeyPolicy = policy;
    return proofKey;
  }

  /** The key of the function's log (and of the logs of the functions that share this one's role). */
  private createLogKey(): kms.Key {
    const stack = Stack.of(this);
    const logKey = new kms.Key(this, 'LogKey', {
      description: `Encrypts the log of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    logKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }));
    return logKey;
  }

  private createFunction(
    props: RotationFunctionProps, role: iam.IRole, logGroup: logs.ILogGroup, securityGroup: ec2.ISecurityGroup,
  ): lambda.Function {
    return new lambda.Function(this, 'Function', {
      description: 'Rotates database credentials in Secrets Manager (createSecret, setSecret, testSecret, finishSecret)',
      // Node.js 24: Lambda deprecates nodejs22.x on 30 April 2027 and then blocks creating (1 June) and updating (1 July)
      // functions that use it (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, as cfn-lint 1.58's
      // runtime lifecycle data records it); nodejs24.x is supported until 30 April 2028. The bundle targets node24
      // (scripts/bundle-rotation.mjs), and the tests run on Node.js 24 (scripts/lambda-node.sh).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // The bundle is chosen once every database has declared its engine (see addEngine).
      code: this.code,
      // Long enough for the slowest step to end by itself, with its cause logged: a Data API step may wait 90 s for a
      // paused cluster to resume and then run a statement up to the Data API's 45 s limit (lambda/rotation/engines/
      // data-api.ts); past the timeout Lambda stops the step with only "Task timed out". The direct engines cap a
      // statement at 10 s.
      timeout: Duration.seconds(ROTATION_FUNCTION_TIMEOUT_S),
      memorySize: 256,
      role,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: this.vpcSubnets,
      securityGroups: [securityGroup],
      // The seven password options AWS's rotation functions read, under the same names.
      environment: {
        PASSWORD_LENGTH: String(props.passwordLength ?? 32),
        EXCLUDE_CHARACTERS: props.excludeCharacters ?? EXCLUDED_PASSWORD_CHARACTERS,
        ...passwordFlag('EXCLUDE_NUMBERS', props.excludeNumbers),
        ...passwordFlag('EXCLUDE_PUNCTUATION', props.excludePunctuation),
        ...passwordFlag('EXCLUDE_UPPERCASE', props.excludeUppercase),
        ...passwordFlag('EXCLUDE_LOWERCASE', props.excludeLowercase),
        ...passwordFlag('REQUIRE_EACH_INCLUDED_TYPE', props.requireEachIncludedType),
      },
    });
  }

  /** Binds the bundle of the engines declared by now (once; from an aspect, before synthesis). */
  private bindBundle(): void {
    if (this.code.location) return;
    // What lambda.Code.fromAsset does, without the s3_assets.Asset around it: that construct also imports the asset
    // bucket (s3.Bucket.fromBucketAttributes, which loads aws-cdk-lib's region-info tables), a fixed cost of about
    // 80 ms CPU per synth that the function never uses (bench/results.md). The staged folder, its hash, the asset
    // manifest entry and the construct paths are the same as fromAsset's (stageBundle: without re-hashing the bundle).
    const stack = Stack.of(this);
    const code = new Construct(this.function, 'Code');
    const { assetHash, fileName } = stageBundle(code, 'Stage', path.join(ASSET_DIR, this.bundleName));
    const location = stack.synthesizer.addFileAsset({
      packaging: FileAssetPackaging.ZIP_DIRECTORY,
      sourceHash: assetHash,
      fileName,
      deployTime: true,
      displayName: Names.stackRelativeConstructPath(code),
    });
    this.code.location = { bucketName: location.bucketName, objectKey: location.objectKey };
    if (this.node.tryGetContext(cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT)) {
      // For `sam local` and the CDK's hotswap, as AssetCode.bindToResource writes it.
      const cfn = this.function.node.defaultChild as lambda.CfnFunction;
      cfn.addMetadata(cxapi.ASSET_RESOURCE_METADATA_PATH_KEY, fileName);
      cfn.addMetadata(cxapi.ASSET_RESOURCE_METADATA_IS_BUNDLED_KEY, false);
      cfn.addMetadata(cxapi.ASSET_RESOURCE_METADATA_PROPERTY_KEY, 'Code');
    }
    addInfo(this, `Rotation function ${this.node.path} ships the ${this.bundleName} bundle (engines declared: ${[...this.engines].sort().join(', ') || 'none'}).`);
  }

  /** The network path to Secrets Manager, and an annotation that says which one was chosen. */
  private connectToSecretsManager(props: RotationFunctionProps, securityGroup: ec2.SecurityGroup): ec2.InterfaceVpcEndpoint | undefined {
    if (props.secretsManagerEndpoint) {
      this.useEndpoint(props.secretsManagerEndpoint, 'Secrets Manager', 'AWS_ENDPOINT_URL_SECRETS_MANAGER');
      addInfo(this, `Rotation function ${this.node.path} reaches Secrets Manager through the endpoint passed in \`secretsManagerEndpoint\`.`);
      return undefined;
    }
    if (this.createEndpoints) {
      return this.useSharedEndpoint(ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, 'SecretsManager', 'Secrets Manager', 'AWS_ENDPOINT_URL_SECRETS_MANAGER');
    }
    // The subnets reach the services some other way (NAT, or endpoints with private DNS the library did not create).
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager over HTTPS');
    // By subnet ID: a subnet given by ID (`Subnet.fromSubnetId`) is another object than the VPC's own.
    const isolatedIds = new Set(this.vpc.isolatedSubnets.map(subnet => subnet.subnetId));
    const isolated = this.vpc.selectSubnets(this.vpcSubnets).subnets.some(subnet => isolatedIds.has(subnet.subnetId));
    if (isolated) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:rotation-network-path',
        `Rotation function ${this.node.path} runs in isolated subnets with \`createSecretsManagerEndpoint: false\`: it reaches Secrets Manager (and, for Aurora clusters `
        + 'through the Data API, the RDS Data API) only if the VPC has endpoints with private DNS for them. Otherwise pass `secretsManagerEndpoint` or leave '
        + '`createSecretsManagerEndpoint` on.');
    } else {
      addInfo(this, `Rotation function ${this.node.path} reaches Secrets Manager through its subnets' own route (\`createSecretsManagerEndpoint: false\`).`);
    }
    return undefined;
  }

  /**
   * The library's endpoint for `service` in this VPC, created once per VPC in the VPC's stack and shared by every
   * rotation function there, then used by this function.
   */
  private useSharedEndpoint(
    service: ec2.InterfaceVpcEndpointAwsService, name: string, description: string, variable: string,
  ): ec2.InterfaceVpcEndpoint {
    if (this.privateDnsEnabled) this.requireVpcDns();
    const vpcStack = Stack.of(this.vpc);
    const id = `ProtectedSecrets${name}Endpoint${createHash('sha256').update(namingPath(this.vpc)).digest('hex').slice(0, 8).toUpperCase()}`;
    const shared = findOrCreate(vpcStack, id, SharedEndpoint, (endpointScope, endpointId) => new SharedEndpoint(endpointScope, endpointId, {
      vpc: this.vpc, subnets: this.vpcSubnets, service, description, privateDnsEnabled: this.privateDnsEnabled,
    }));
    if (shared.privateDnsEnabled !== this.privateDnsEnabled) {
      throw new Error(`RotationFunction ${this.node.path}: \`privateDnsEnabled\` is ${this.privateDnsEnabled}, but the ${description} endpoint ${shared.node.path} that rotation functions of this VPC share has it ${shared.privateDnsEnabled}. Give every rotation function of the VPC the same \`privateDnsEnabled\`.`);
    }
    this.useEndpoint(shared.endpoint, description, variable);
    if (this.privateDnsEnabled) {
      Annotations.of(this).addWarningV2(`cdk-protected-secrets:private-dns-${name}`,
        `Rotation function ${this.node.path}: \`privateDnsEnabled\` makes every workload in the VPC call ${description} through ${shared.node.path}, whose security group admits only rotation functions. Allow your other workloads in (\`endpoint.connections.allowDefaultPortFrom(...)\`), and make sure the VPC has no other endpoint with private DNS for this service.`);
    } else {
      addInfo(this, `Rotation function ${this.node.path} reaches ${description} through ${shared.node.path} (private DNS off: only rotation functions use it, by its own DNS name in ${variable}; the VPC's DNS is unchanged).`);
    }
    return shared.endpoint;
  }

  /**
   * An endpoint with private DNS in a VPC of this app without DNS hostnames or DNS support would fail to create:
   * CreateVpcEndpoint's PrivateDnsEnabled says "To use a private hosted zone, you must set the following VPC attributes
   * to true: enableDnsHostnames and enableDnsSupport" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
   * Only a VPC whose CfnVPC is in the app can be read; an imported one is left to the deploy.
   */
  private requireVpcDns(): void {
    const cfnVpc = this.vpc.node.defaultChild;
    if (!(cfnVpc instanceof ec2.CfnVPC)) return;
    const off = (['enableDnsHostnames', 'enableDnsSupport'] as const).filter(attribute => cfnVpc[attribute] === false);
    if (off.length === 0) return;
    throw new Error(`RotationFunction ${this.node.path}: \`privateDnsEnabled\` is true, but VPC ${this.vpc.node.path} has ${off.map(a => `\`${a}: false\``).join(' and ')}; `
      + 'CreateVpcEndpoint takes private DNS only in a VPC with enableDnsHostnames and enableDnsSupport true '
      + '(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html). Set them to true on the VPC, or leave `privateDnsEnabled` off.');
  }

  /** Lets the function into `endpoint` and, where its DNS name is known, makes the AWS SDK call it by that name. */
  private useEndpoint(endpoint: ec2.IInterfaceVpcEndpoint, description: string, variable: string): void {
    this.endpoints.push(endpoint);
    // Both rules are written in the function's stack (aws-cdk-lib places the endpoint's ingress with its peer when
    // the stacks differ), so a function of another stack joining the endpoint does not make the VPC's stack depend on it.
    withStableRuleIds([...this.connections.securityGroups, ...endpoint.connections.securityGroups], () =>
      this.connections.allowTo(endpoint, ec2.Port.tcp(443), `Rotation function to ${description}`));
    if (endpoint instanceof ec2.InterfaceVpcEndpoint) {
      // The AWS SDK for JavaScript v3 reads AWS_ENDPOINT_URL_<serviceId> ("Secrets Manager", "RDS Data"):
      // https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html and
      // https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html (the Lambda tests point the bundled
      // handler at a local emulator through the same two variables: test/lambda/rotation-harness.ts). The first DNS entry is the endpoint's regional name ("<zone>:vpce-...vpce.amazonaws.com"),
      // which resolves from anywhere to the endpoint's addresses and is covered by the service's TLS certificate:
      // https://repost.aws/knowledge-center/vpc-interface-configure-dns
      const hostname = Fn.select(1, Fn.split(':', Fn.select(0, endpoint.vpcEndpointDnsEntries)));
      this.function.addEnvironment(variable, `https://${hostname}`);
    }
  }
}

/**
 * The function's code, pointing at an asset bound later (`RotationFunction.bindBundle`, from an aspect): the
 * function must exist before the databases that decide its bundle are added.
 */
class BundleCode extends lambda.Code {
  public readonly isInline = false;
  public location?: { bucketName: string; objectKey: string; objectVersion?: string };

  public bind(): lambda.CodeConfig {
    const read = (field: 'bucketName' | 'objectKey') => Lazy.string({
      produce: () => {
        if (!this.location) throw new Error('RotationFunction: the rotation bundle was not chosen before synthesis; synthesize through the app (app.synth() or Template.fromStack), which runs aspects.');
        return this.location[field];
      },
    });
    return { s3Location: { bucketName: read('bucketName'), objectKey: read('objectKey') } };
  }
}

/**
 * One interface endpoint of the library per VPC and service; only rotation functions are let in. The one per VPC is
 * per VPC construct (keyed by its path): two stacks that each import the same VPC get one each, which with private DNS
 * on cannot both deploy, so each such endpoint checks the app for another with private DNS for its service and VPC ID.
 */
class SharedEndpoint extends Construct {
  public readonly endpoint: ec2.InterfaceVpcEndpoint;
  public readonly privateDnsEnabled: boolean;
  /** The service's name, e.g. `com.amazonaws.eu-west-1.secretsmanager` (region as a token in a region-agnostic stack). */
  public readonly serviceName: string;
  /** The VPC's ID as written at synth, or undefined when it is a token or a lookup still pending. */
  public readonly knownVpcId?: string;
  /** What the endpoint is for, e.g. "Secrets Manager". */
  public readonly description: string;

  constructor(scope: Construct, id: string, props: {
    vpc: ec2.IVpc; subnets: ec2.SubnetSelection; service: ec2.InterfaceVpcEndpointAwsService; description: string; privateDnsEnabled: boolean;
  }) {
    super(scope, id);
    this.privateDnsEnabled = props.privateDnsEnabled;
    this.serviceName = props.service.name;
    this.description = props.description;
    // A pending Vpc.fromLookup carries the same placeholder ID (vpc-12345) in every stack until the CLI looks it up.
    const pendingLookup = props.vpc.selectSubnets(props.subnets).isPendingLookup;
    this.knownVpcId = Token.isUnresolved(props.vpc.vpcId) || pendingLookup ? undefined : props.vpc.vpcId;
    this.endpoint = new ec2.InterfaceVpcEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      service: props.service,
      subnets: props.subnets,
      // Private DNS would point every workload of the VPC at an endpoint that admits only rotation functions, and a
      // second endpoint with private DNS for the same service cannot be created in one VPC.
      privateDnsEnabled: props.privateDnsEnabled,
      // Only rotation functions may use it; 'open' would admit the whole VPC CIDR, and an endpoint never calls out.
      open: false,
      securityGroups: [new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: `${props.description} endpoint: only rotation functions may connect`,
        allowAllOutbound: false,
      })],
    });
    if (this.privateDnsEnabled && this.knownVpcId) {
      shareAppWalkInValidation(this);
      this.node.addValidation({ validate: () => this.duplicatePrivateDnsErrors() });
    }
  }

  /**
   * Another endpoint of the library with private DNS for the same service and VPC ID, in another stack (or under
   * another import of the VPC): CreateVpcEndpoint with PrivateDnsEnabled associates a private hosted zone for the
   * service's default name with the VPC (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html),
   * and EC2 refuses a second one ("private-dns-enabled cannot be set because there is already a conflicting DNS domain
   * for <service> in the VPC", as reported in https://github.com/hashicorp/terraform-provider-aws/issues/17535).
   */
  private duplicatePrivateDnsErrors(): string[] {
    const others = appConstructsOfKind(this, isSharedEndpoint)
      .filter((other): other is SharedEndpoint => other !== this && isSharedEndpoint(other))
      .filter(other => other.privateDnsEnabled && other.knownVpcId === this.knownVpcId
        && Stack.of(this).resolve(other.serviceName) === Stack.of(this).resolve(this.serviceName));
    return others.map(other => `The ${this.description} endpoint ${this.node.path} and ${other.node.path} both have private DNS `
      + `for VPC ${this.knownVpcId}, where only one endpoint with private DNS per service can exist: the second deploy fails `
      + '(EC2: "there is already a conflicting DNS domain ... in the VPC"). Create the endpoint in one stack only: set '
      + '`createSecretsManagerEndpoint: false` on the rotation functions (or RotatedDatabase; a RotatedAuroraCluster takes such a function as `rotationFunction`) '
      + 'of the other stack, which then reach the service through the first endpoint\'s private DNS, or create one RotationFunction for the VPC and pass it as `rotationFunction`.');
  }
}
markClass(SharedEndpoint, 'SharedEndpoint');

function isSharedEndpoint(c: unknown): boolean {
  return hasMarker(c, 'SharedEndpoint');
}

/**
 * The role as a principal that takes no statement in its own policies: aws-cdk-lib's grants (Grant.addToPrincipalOrResource)
 * then write them in the resource's policy, naming the role; key grants, through kms.ViaServicePrincipal, in the key's.
 */
/** The function role's statements for keys of other apps, by grantee (the function, or its policy in another stack) and actions. */
const KEY_STATEMENTS = new WeakMap<iam.IGrantable, Map<string, iam.PolicyStatement>>();

class ResourcePolicyGrantee implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly principalAccount?: string;

  constructor(private readonly role: iam.IRole) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public addToPolicy(): boolean {
    return false;
  }

  public addToPrincipalPolicy(): iam.AddToPrincipalPolicyResult {
    return { statementAdded: false };
  }

  /**
   * The same string for every grantee of one role: aws-cdk-lib's policy minimizing merges only statements whose
   * principals it can compare, so the secret key's read and write statements for the role become one.
   */
  public dedupeString(): string {
    return `RotationRole:${this.role.roleArn}`;
  }
}

markClass(ResourcePolicyGrantee, 'RotationGrantee');

/** The rotation role's grants written in another stack: a customer-managed policy there, attached to the role. */
class RotationAccess extends Construct implements iam.IGrantable {
  public readonly grantPrincipal: RolePolicyInScope;

  constructor(scope: Construct, id: string, role: iam.IRole, functionPath: string) {
    super(scope, id);
    this.grantPrincipal = new RolePolicyInScope(this, role, `Rotation function ${functionPath}: the secrets of this stack it rotates`);
  }

  /** Whether a grant wrote a statement here, which attaches this stack's managed policy to the role. */
  public get attachesPolicy(): boolean {
    return this.grantPrincipal.policy !== undefined;
  }
}

/** The role as a principal whose statements go to a managed policy in `scope`, created on the first statement. */
class RolePolicyInScope implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly principalAccount?: string;
  /** The managed policy, once a statement was added. */
  public policy?: iam.ManagedPolicy;

  constructor(private readonly scope: Construct, private readonly role: iam.IRole, private readonly description: string) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy ??= new iam.ManagedPolicy(this.scope, 'Policy', { description: this.description, roles: [this.role] });
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/** A role whose grants land in a customer-managed policy instead of an inline default policy. */
class ManagedPolicyRole extends iam.Role {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Rotation function: logs, network interfaces, and the secrets it rotates',
      roles: [this],
    });
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

markClass(RotationFunction, 'RotationFunction');

function defaultSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return { subnetType: vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
}

/** A password option's variable, only when the prop is set (the function applies AWS's default otherwise). */
function passwordFlag(name: string, value: boolean | undefined): Record<string, string> {
  return value === undefined ? {} : { [name]: String(value) };
}

function validate(scope: Construct, props: RotationFunctionProps): void {
  const errors = new PropErrors('RotationFunction', scope);
  if (!props.vpc) errors.add('`vpc` is required: pass the VPC of the databases whose secrets the function rotates.');
  // A token (a CloudFormation parameter) goes into PASSWORD_LENGTH as CloudFormation resolves it; the function refuses a
  // value that is not a whole number from 8 to 4096 when it rotates (lambda/rotation/password.ts), and the master
  // password limit (rotatedMasterPasswordErrors) cannot be checked for it at synth.
  const length = props.passwordLength;
  if (length !== undefined && !Token.isUnresolved(length) && !Number.isInteger(length)) {
    errors.add(`\`passwordLength\` must be a whole number, got ${length}: the function refuses any other PASSWORD_LENGTH, so every rotation would fail.`);
  } else if (length !== undefined && !Token.isUnresolved(length) && (length < 8 || length > 128)) {
    // CreateDBInstance's MasterUserPassword: "RDS for PostgreSQL - Must contain from 8 to 128 characters", "RDS for MySQL -
    // Must contain from 8 to 41 characters" (MariaDB alike); CreateDBCluster's: 8 to 41. The per-engine limit is checked
    // where a database rotates its master user with this function (rotatedMasterPasswordErrors).
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    errors.add('`passwordLength` must be between 8 and 128 (RDS for PostgreSQL\'s longest master password; RDS for MySQL and MariaDB and Aurora clusters '
      + `take at most 41, checked where a database uses the function), got ${props.passwordLength}.`);
  }
  const excludeCharacters = props.excludeCharacters ?? EXCLUDED_PASSWORD_CHARACTERS;
  const knownCharacters = Token.isUnresolved(excludeCharacters) ? undefined : excludeCharacters;
  if (knownCharacters !== undefined && knownCharacters.length > 4096) {
    errors.add(`\`excludeCharacters\` must be at most 4096 characters (GetRandomPassword's limit), got ${knownCharacters.length}.`);
  } else {
    errors.addAll(passwordRulesErrors(props, knownCharacters));
  }
  if (props.secretsManagerEndpoint && props.createSecretsManagerEndpoint === true) {
    errors.add('`createSecretsManagerEndpoint` cannot be true when `secretsManagerEndpoint` is given: remove one of them.');
  }
  if (props.privateDnsEnabled && (props.secretsManagerEndpoint || props.createSecretsManagerEndpoint === false)) {
    errors.add('`privateDnsEnabled` applies to the endpoints the library creates; it cannot be combined with `secretsManagerEndpoint` or `createSecretsManagerEndpoint: false`.');
  }
  errors.addAll(deployRoleErrors(props.deployRoles));
  if (props.vpc && props.vpcSubnets && selectsPublicSubnets(props.vpc, props.vpcSubnets)) {
    errors.add('`vpcSubnets` must not select public subnets: a Lambda function there gets no public IP and the rotation would be exposed for nothing; select private or isolated subnets.');
  }
  errors.throwIfAny();
}
