import { createHash } from 'crypto';
import * as path from 'path';
import {
  Duration,
  Lazy,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_secretsmanager as secretsmanager,
  ArnFormat,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EXCLUDED_PASSWORD_CHARACTERS } from './private/password-policy';

/** The pre-built rotation Lambda (see lambda/rotation); shipped in the package, so synth needs no bundler. */
const ASSET_DIR = path.join(__dirname, '..', 'assets', 'rotation');


/**
 * Properties for a `RotationFunction`.
 */
export interface RotationFunctionProps {
  /** The VPC of the databases whose secrets the function rotates. */
  readonly vpc: ec2.IVpc;

  /**
   * Where in the VPC the function runs.
   * @default - the VPC's private subnets with egress, or its isolated subnets when it has none
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * An existing interface endpoint for Secrets Manager in this VPC. The function's security group is allowed into it.
   * @default - the construct creates one, unless `createSecretsManagerEndpoint` is false
   */
  readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;

  /**
   * Create an interface VPC endpoint for Secrets Manager (private DNS on) so the function reaches the service
   * without a NAT gateway. Turn it off when the subnets already reach Secrets Manager (NAT, or an endpoint that
   * is not passed in).
   * @default true
   */
  readonly createSecretsManagerEndpoint?: boolean;

  /**
   * Length of the passwords the function generates.
   * @default 32
   */
  readonly passwordLength?: number;

  /**
   * Characters never used in generated passwords (replaces the default list).
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
}

/**
 * Options to find or create the shared rotation function of a stack.
 */
export interface SharedRotationFunctionOptions extends RotationFunctionProps {}

/**
 * The bundled four-step rotation Lambda (`createSecret`, `setSecret`, `testSecret`, `finishSecret`) for
 * PostgreSQL, MySQL and MariaDB, in a VPC, with its own security group and a private path to Secrets Manager.
 *
 * Its role starts with no access to any secret: `addSecret` grants it the one secret (and superuser secret) it
 * rotates. Use `RotationFunction.shared` to get one function per stack, VPC and subnet selection.
 */
export class RotationFunction extends Construct implements ec2.IConnectable, iam.IGrantable {
  /**
   * The rotation function of this stack for the given VPC and subnets, created on first use.
   */
  public static shared(scope: Construct, options: SharedRotationFunctionOptions): RotationFunction {
    const stack = Stack.of(scope);
    const subnetIds = stack.resolve(options.vpc.selectSubnets(options.vpcSubnets ?? defaultSubnets(options.vpc)).subnetIds);
    const key = `${Names.nodeUniqueId(options.vpc.node)}${JSON.stringify(subnetIds)}`;
    const id = `RotationFunction${createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase()}`;
    const existing = stack.node.tryFindChild(id);
    if (existing instanceof RotationFunction) return existing;
    return new RotationFunction(stack, id, options);
  }

  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** The function's security group and network rules. */
  public readonly connections: ec2.Connections;
  /** The function's role. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The Secrets Manager endpoint the construct created, if it created one. */
  public readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;

  private readonly vpc: ec2.IVpc;
  private readonly vpcSubnets: ec2.SubnetSelection;
  private readonly plaintextSecretArns: string[] = [];

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    validate(this, props);

    const vpcSubnets = props.vpcSubnets ?? defaultSubnets(props.vpc);
    this.vpc = props.vpc;
    this.vpcSubnets = vpcSubnets;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Rotation function: reaches only its databases and Secrets Manager',
      allowAllOutbound: false,
    });

    // Every grant goes to one customer-managed policy rather than an inline one, so it can be reviewed and audited
    // as a policy of its own.
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rotation function: secret access is added per rotated secret',
    });

    // The log holds step outcomes and secret ARNs, never values; encrypted all the same, with a key for logs only.
    const stack = Stack.of(this);
    const logKey = new kms.Key(this, 'LogKey', {
      description: `Encrypts the log of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }));
    // What a VPC function needs to write logs and manage its network interfaces, without the managed policy's '*'.
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: logKey,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      // These EC2 actions do not support resource-level permissions.
      actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: ['*'],
    }));

    this.function = new lambda.Function(this, 'Function', {
      description: 'Rotates database credentials in Secrets Manager (createSecret, setSecret, testSecret, finishSecret)',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(ASSET_DIR),
      timeout: Duration.seconds(60),
      memorySize: 256,
      role,
      logGroup,
      vpc: props.vpc,
      vpcSubnets,
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
    this.connections = this.function.connections;
    this.grantPrincipal = role;

    if (props.secretsManagerEndpoint) {
      props.secretsManagerEndpoint.connections.allowDefaultPortFrom(this.connections, 'Rotation function to Secrets Manager');
    } else if (props.createSecretsManagerEndpoint ?? true) {
      this.secretsManagerEndpoint = new ec2.InterfaceVpcEndpoint(this, 'SecretsManagerEndpoint', {
        vpc: props.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        subnets: vpcSubnets,
        privateDnsEnabled: true,
        // Only the function may use it; 'open' would admit the whole VPC CIDR, and an endpoint never calls out.
        open: false,
        securityGroups: [new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
          vpc: props.vpc,
          description: 'Secrets Manager endpoint: only the rotation function may connect',
          allowAllOutbound: false,
        })],
      });
      this.secretsManagerEndpoint.connections.allowDefaultPortFrom(this.connections, 'Rotation function to Secrets Manager');
    } else {
      // The subnets reach Secrets Manager some other way (NAT or an endpoint we were not given).
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager over HTTPS');
    }
  }

  /** The ARN of the Lambda function. */
  public get functionArn(): string {
    return this.function.functionArn;
  }

  /**
   * Lets the function rotate `secret`: read and write its versions (and use its key through Secrets Manager),
   * and read `superuserSecret` when alternating users.
   */
  public addSecret(secret: secretsmanager.ISecret, superuserSecret?: secretsmanager.ISecret): void {
    secret.grantRead(this);
    secret.grantWrite(this);
    superuserSecret?.grantRead(this);
  }

  /**
   * Gives the function a private path to the RDS Data API (an interface endpoint, created once per function)
   * for Aurora clusters rotated through it.
   */
  public addDataApiEndpoint(): ec2.IInterfaceVpcEndpoint {
    const existing = this.node.tryFindChild('DataApiEndpoint') as ec2.InterfaceVpcEndpoint | undefined;
    if (existing) return existing;
    const endpoint = new ec2.InterfaceVpcEndpoint(this, 'DataApiEndpoint', {
      vpc: this.vpc,
      service: ec2.InterfaceVpcEndpointAwsService.RDS_DATA,
      subnets: this.vpcSubnets,
      privateDnsEnabled: true,
      open: false,
      securityGroups: [new ec2.SecurityGroup(this, 'DataApiEndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'RDS Data API endpoint: only the rotation function may connect',
        allowAllOutbound: false,
      })],
    });
    endpoint.connections.allowDefaultPortFrom(this.connections, 'Rotation function to the RDS Data API');
    return endpoint;
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

  /** Allows the function into a database on its port. */
  public allowConnectionsTo(database: ec2.IConnectable): void {
    database.connections.allowDefaultPortFrom(this.connections, 'Rotation function');
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

function defaultSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return { subnetType: vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
}

/** A password option's variable, only when the prop is set (the function applies AWS's default otherwise). */
function passwordFlag(name: string, value: boolean | undefined): Record<string, string> {
  return value === undefined ? {} : { [name]: String(value) };
}

function validate(scope: Construct, props: RotationFunctionProps): void {
  const fail = (message: string) => { throw new Error(`RotationFunction ${scope.node.path}: ${message}`); };
  if (props.passwordLength !== undefined && (props.passwordLength < 8 || props.passwordLength > 128)) {
    fail(`\`passwordLength\` must be between 8 and 128 (RDS's limit for master passwords is 128), got ${props.passwordLength}.`);
  }
  if (props.excludeNumbers && props.excludePunctuation && props.excludeUppercase && props.excludeLowercase) {
    fail('`excludeNumbers`, `excludePunctuation`, `excludeUppercase` and `excludeLowercase` are all true: no character is left to make a password from; include at least one type.');
  }
  if (props.excludeCharacters !== undefined && !Token.isUnresolved(props.excludeCharacters) && props.excludeCharacters.length > 4096) {
    fail(`\`excludeCharacters\` must be at most 4096 characters (GetRandomPassword's limit), got ${props.excludeCharacters.length}.`);
  }
  if (props.secretsManagerEndpoint && props.createSecretsManagerEndpoint === true) {
    fail('`createSecretsManagerEndpoint` cannot be true when `secretsManagerEndpoint` is given.');
  }
  if (props.vpcSubnets?.subnetType === ec2.SubnetType.PUBLIC) {
    fail('`vpcSubnets` must not select public subnets: a Lambda function there gets no public IP and the rotation would be exposed for nothing.');
  }
}
