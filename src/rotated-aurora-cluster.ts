import {
  ArnFormat,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_kms as kms,
  aws_rds as rds,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AUDIT_EVENTS, allowRdsToUseKey, databasePropErrors, defaultDatabaseSubnets, enhancedMonitoring, sharedParameterGroup, sharedSubnetGroup } from './private/database';
import { databaseNetworkErrors } from './private/database-network';
import { EXCLUDED_PASSWORD_CHARACTERS } from './private/password-policy';
import { reservedUsernameError } from './private/reserved-usernames';
import { rotationOptionErrors, scheduleRotation } from './private/rotation';
import { PropErrors } from './private/validation';
import { ProtectedSecret } from './protected-secret';
import { RotationEngine, RotationFunction } from './rotation-function';
import { RotationOptions } from './rotation-options';
import { MonitoringOptions } from './secret-monitoring';

/**
 * Properties for a `RotatedAuroraCluster`.
 */
export interface RotatedAuroraClusterProps extends RotationOptions {
  /** The Aurora engine: `rds.DatabaseClusterEngine.auroraPostgres(...)` or `auroraMysql(...)`. */
  readonly engine: rds.IClusterEngine;

  /** The VPC to place the cluster and the rotation function in. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets for the cluster.
   * @default - the VPC's isolated subnets, or its private subnets with egress when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The cluster identifier; the secret's `dbClusterArn` is built from it.
   * @default - a unique name derived from the construct path
   */
  readonly clusterIdentifier?: string;

  /**
   * The master user whose credentials the secret holds.
   * @default 'dbadmin'
   */
  readonly username?: string;

  /**
   * The name of a database to create in the cluster.
   * @default - none (the engine's default database)
   */
  readonly databaseName?: string;

  /**
   * Principals that may read the database credentials.
   * @default - only the rotation function
   */
  readonly secretReaders?: iam.IPrincipal[];

  /**
   * Alerts on changes to the credentials, on their rotations (with an alarm on the rotation function's errors)
   * and on use of deprecated versions.
   * @default - monitoring on, alerts to the stack's shared KMS-encrypted SNS topic
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * The customer-managed key for the secret and the cluster storage.
   * @default - the secret's new key, with a policy statement that lets RDS use it
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Serverless v2 capacity range of the writer, in Aurora capacity units.
   * @default - 0.5 to 2
   */
  readonly serverlessV2MinCapacity?: number;

  /**
   * Upper bound of the writer's serverless v2 capacity, in Aurora capacity units.
   * @default 2
   */
  readonly serverlessV2MaxCapacity?: number;

  /**
   * The rotation function to use, e.g. one in a shared network stack: the grants, invoke permission and schedule
   * that name this cluster and its secret are written in this construct's stack.
   * @default - the shared function of this VPC and the cluster's subnets, created in the VPC's stack
   */
  readonly rotationFunction?: RotationFunction;

  /**
   * Refuse deletion of the cluster.
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * How long automated backups are kept, between 1 and 35 days.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;

  /**
   * What happens to the cluster when it leaves the stack.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How often RDS Enhanced Monitoring collects OS metrics of the writer; `Duration.seconds(0)` switches it off.
   * One monitoring role per stack is shared by all databases.
   * @default Duration.seconds(60)
   */
  readonly monitoringInterval?: Duration;
}

/** What the construct needs to know per engine. */
interface EngineTraits {
  /** Cluster parameters: TLS required, and Aurora MySQL's audit log (never DCL, where password changes are). */
  readonly parameters: Record<string, string>;
  /** The log types the engine can export to CloudWatch Logs. */
  readonly logExports: string[];
}

const ENGINE_TRAITS: Record<string, EngineTraits> = {
  'aurora-postgresql': { parameters: { 'rds.force_ssl': '1' }, logExports: ['postgresql'] },
  'aurora-mysql': {
    parameters: { require_secure_transport: 'ON', server_audit_logging: '1', server_audit_events: AUDIT_EVENTS },
    logExports: ['audit', 'error', 'general', 'slowquery'],
  },
};

/**
 * An Aurora Serverless v2 cluster with the RDS Data API on, whose master credentials live in a
 * `ProtectedSecret` and are rotated single-user by the bundled function through the Data API (the secret
 * carries `dbClusterArn`, which switches the function to the Data API). The function reaches the Data API
 * and Secrets Manager through the library's interface endpoints of the VPC (private DNS off).
 */
export class RotatedAuroraCluster extends Construct implements ec2.IConnectable {
  /** The secret with the rotated master credentials. */
  public readonly secret: ProtectedSecret;
  /** The Aurora cluster. */
  public readonly cluster: rds.DatabaseCluster;
  /** The function that rotates the secret. */
  public readonly rotationFunction: RotationFunction;
  /** The rotation schedule of the secret. */
  public readonly rotationSchedule: secretsmanager.RotationSchedule;
  /** The cluster's network rules. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: RotatedAuroraClusterProps) {
    super(scope, id);
    const traits = validate(this, props);
    const stack = Stack.of(this);
    const clusterIdentifier = props.clusterIdentifier
      ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '');
    // Built from the identifier, not read from the cluster: the cluster depends on the secret.
    const clusterArn = stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    this.secret = new ProtectedSecret(this, 'Secret', {
      description: `Master credentials of ${this.node.path}, rotated through the RDS Data API`,
      encryptionKey: props.encryptionKey,
      readers: props.secretReaders,
      monitoring: props.monitoring,
      generateSecretString: {
        secretStringTemplate: stack.toJsonString({ username: props.username ?? 'dbadmin', dbClusterArn: clusterArn }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludeCharacters: EXCLUDED_PASSWORD_CHARACTERS,
      },
    });
    allowRdsToUseKey(this.secret.key);

    const vpcSubnets = props.vpcSubnets ?? defaultDatabaseSubnets(props.vpc);
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: props.engine,
      clusterIdentifier,
      vpc: props.vpc,
      vpcSubnets,
      credentials: rds.Credentials.fromSecret(this.secret),
      defaultDatabaseName: props.databaseName,
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false, autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: props.serverlessV2MinCapacity ?? 0.5,
      serverlessV2MaxCapacity: props.serverlessV2MaxCapacity ?? 2,
      enableDataApi: true,
      storageEncrypted: true,
      storageEncryptionKey: this.secret.key,
      subnetGroup: sharedSubnetGroup(this, props.vpc, vpcSubnets, props.removalPolicy),
      parameterGroup: sharedParameterGroup(this, props.engine, traits.parameters, 'TLS required (Aurora MySQL: audit log without DCL)'),
      cloudwatchLogsExports: traits.logExports,
      ...enhancedMonitoring(this, props.monitoringInterval),
      deletionProtection: props.deletionProtection ?? true,
      backup: { retention: props.backupRetention ?? Duration.days(7) },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      iamAuthentication: true,
    });
    this.connections = this.cluster.connections;

    this.rotationFunction = props.rotationFunction ?? RotationFunction.shared(this, { vpc: props.vpc, vpcSubnets });
    this.rotationFunction.addSecret(this.secret);
    this.rotationFunction.addEngine(RotationEngine.DATA_API);
    this.secret.monitoring?.addRotationFunction(this.rotationFunction.function);
    this.rotationFunction.addDataApiEndpoint();
    // Data API calls run as the function with the secret it names: the function already reads that secret.
    // Written in this stack, like every grant naming this cluster or its secret.
    const grantee = this.rotationFunction.grantableIn(this);
    this.cluster.grantDataApiAccess(grantee);
    // The Data API logs in with a secret, so the function proves a pending password through a short-lived
    // secret of its own (created, used and deleted within one step), under a name prefix only it may use.
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rotation-login/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));

    this.rotationSchedule = scheduleRotation(this, this.secret, this.rotationFunction, this.cluster.secret!, props);
  }
}

function validate(scope: Construct, props: RotatedAuroraClusterProps): EngineTraits {
  const errors = new PropErrors('RotatedAuroraCluster', scope);
  if (!props.engine) errors.add('`engine` is required: pass `rds.DatabaseClusterEngine.auroraPostgres(...)` or `auroraMysql(...)`.');
  const traits = props.engine ? ENGINE_TRAITS[props.engine.engineType] : undefined;
  if (props.engine && !traits) errors.add(`\`engine\` must be Aurora PostgreSQL or Aurora MySQL (the Data API engines), got ${props.engine.engineType}.`);
  errors.addAll(databaseNetworkErrors(props));
  const id = props.clusterIdentifier;
  if (id !== undefined && !Token.isUnresolved(id) && !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) {
    errors.add(`\`clusterIdentifier\` must be lowercase letters, digits and single hyphens, starting with a letter, got "${id}".`);
  }
  if (id !== undefined && id.length > 63) errors.add(`\`clusterIdentifier\` must be at most 63 characters, got ${id.length}.`);
  const username = props.username;
  if (username !== undefined && !Token.isUnresolved(username)) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/.test(username)) {
      errors.add(`\`username\` must start with a letter and have at most 16 letters, digits and underscores, got "${username}".`);
    }
    const reserved = props.engine ? reservedUsernameError(props.engine.engineType, username) : undefined;
    if (reserved) errors.add(reserved);
  }
  const min = props.serverlessV2MinCapacity ?? 0.5;
  const max = props.serverlessV2MaxCapacity ?? 2;
  if (min < 0 || max > 256 || min > max) errors.add(`\`serverlessV2MinCapacity\` (${min}) and \`serverlessV2MaxCapacity\` (${max}) must satisfy 0 <= min <= max <= 256.`);
  errors.addAll(databasePropErrors(props));
  errors.addAll(rotationOptionErrors(props));
  errors.throwIfAny();
  return traits!;
}
