import {
  Annotations,
  ArnFormat,
  CfnDeletionPolicy,
  CfnResource,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_rds as rds,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AUDIT_EVENTS, databaseNameErrors, databaseParameterGroup, defaultDatabaseSubnets, deletionProtection, engineVersionErrors, enhancedMonitoring,
  retainGroupsInUse, sharedSubnetGroup,
} from './private/database';
import { addRotatedSecret, createDatabaseSecret, databaseBasePropErrors, rotatedMasterPasswordErrors } from './private/database-secret';
import { parameterErrors, postgresMd5Warning } from './private/engine-parameters';
import { duplicateInEnvironmentError } from './private/environment-claims';
import { iamConnectUserError } from './private/iam-connect';
import { keepKeyForDatabase } from './private/kept-keys';
import { reservedUsernameError } from './private/reserved-usernames';
import { scheduleRotation } from './private/rotation';
import { PropErrors } from './private/validation';
import { ProtectedSecret } from './protected-secret';
import { RotatedDatabaseBaseProps } from './rotated-database-options';
import { RotationEngine, RotationFunction } from './rotation-function';

/**
 * Properties for a `RotatedAuroraCluster`.
 */
export interface RotatedAuroraClusterProps extends RotatedDatabaseBaseProps {
  /**
   * The Aurora engine: `rds.DatabaseClusterEngine.auroraPostgres(...)` or `auroraMysql(...)`, of a version with the RDS
   * Data API on Serverless v2 (Aurora PostgreSQL 13.11, 14.8, 15.3, 16.1, 17.4, 18.3 and later minors; an earlier
   * Aurora PostgreSQL version is refused, and so is one that is not numerals, such as Aurora PostgreSQL Limitless
   * Database's `16.4-limitless`), or Aurora MySQL 3.07.0 or later (3.02 to 3.06 have Aurora Serverless v2 but no Data
   * API; an earlier version is refused). Aurora MySQL 8.4 warns at synth: AWS's Data API table does not list it. Some
   * Regions have no Data API at all, and Serverless v2's lowest Aurora MySQL version differs by Region: see both pages.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html
   */
  readonly engine: rds.IClusterEngine;

  /**
   * The cluster identifier; the secret's `dbClusterArn` is built from it: lowercase letters, digits and single hyphens,
   * starting with a letter, at most 63 characters. Unique per account and Region: another cluster of the app with the
   * same identifier in the same known environment is refused.
   * @default - a unique name derived from the construct path
   */
  readonly clusterIdentifier?: string;

  /**
   * The master user whose credentials the secret holds: a letter, then at most 15 letters, digits and underscores, and
   * not a name the engine or RDS reserves.
   * @default 'dbadmin'
   */
  readonly username?: string;

  /**
   * Lower bound of the writer's Serverless v2 capacity, in Aurora capacity units, in steps of 0.5. 0 pauses an idle
   * writer, on the engine versions that support auto-pause: Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 and later
   * minors (and later majors), Aurora MySQL 3.08.0 and later (second page below); RDS refuses less than 0.5 on the
   * others, and so does this construct when the version is known at synth. The rotation
   * function waits up to 90 s for a paused cluster to resume (AWS: 30 s or longer after a pause of more than 24 hours)
   * and otherwise fails the step saying so (rotate again once it is awake). A number at synth, not a token.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
   * @default 0.5
   */
  readonly serverlessV2MinCapacity?: number;

  /**
   * Upper bound of the writer's Serverless v2 capacity, in Aurora capacity units, in steps of 0.5: at least 1, at most
   * 256 "for recent Aurora versions, or 128 for older versions" (first page below). More than 128 needs both an engine
   * version and a platform version that allow it: "The available capacity range for Aurora Serverless v2 is a function
   * of both the DB engine version and the platform version" (third page below, which links AWS's table of the engine
   * versions). The platform version is not known at synth, so this construct checks only the limit of 256; above 128,
   * RDS refuses the range at deploy when either version is older. A number at synth, not a token.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2FeaturesSupport.html
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-administration.html
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-rds-dbcluster-serverlessv2scalingconfiguration.html
   * @default 2
   */
  readonly serverlessV2MaxCapacity?: number;
}

/** What the construct needs to know per engine. */
interface ClusterEngineTraits {
  /** Cluster parameters: TLS required, and Aurora MySQL's audit log (never DCL, where password changes are). */
  readonly parameters: Record<string, string>;
  /** The log types the engine can export to CloudWatch Logs. */
  readonly logExports: string[];
}

const ENGINE_TRAITS: Record<string, ClusterEngineTraits> = {
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

  /** The master user the secret holds and the function rotates by password. */
  private readonly username: string;

  constructor(scope: Construct, id: string, props: RotatedAuroraClusterProps) {
    super(scope, id);
    this.username = props.username ?? 'dbadmin';
    const clusterIdentifier = props.clusterIdentifier
      ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '');
    const traits = validate(this, props, clusterIdentifier);
    const vpcSubnets = props.vpcSubnets ?? defaultDatabaseSubnets(props.vpc);

    this.secret = this.createSecret(props, clusterIdentifier);
    this.cluster = this.createCluster(props, traits, clusterIdentifier, vpcSubnets);
    this.connections = this.cluster.connections;
    this.rotationFunction = props.rotationFunction ?? RotationFunction.shared(this, { vpc: props.vpc, vpcSubnets });
    // The cluster's secret is the master user's: the function sets the master password.
    const errors = new PropErrors('RotatedAuroraCluster', this);
    errors.addAll(rotatedMasterPasswordErrors(this.rotationFunction));
    errors.throwIfAny();
    addRotatedSecret(this.rotationFunction, this.secret, undefined, props.deployRoles);
    this.rotationFunction.addEngine(RotationEngine.DATA_API);
    this.rotationFunction.addDataApiEndpoint();
    this.grantDataApiRotation();
    this.rotationSchedule = scheduleRotation(this, this.secret, this.rotationFunction, this.cluster.secret!, props);
    // The first rotation may start as soon as the schedule exists, and the Data API runs "queries on writer instances
    // in a DB cluster" only (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
    // The secret's attachment names the cluster, which CloudFormation completes before the writer (a DBInstance of
    // its own): the schedule waits for the whole cluster construct, writer included.
    this.rotationSchedule.node.addDependency(this.cluster);
  }

  /**
   * Grants `rds-db:connect` on this cluster as `dbUser`, a database user of your own that logs in with IAM (on Aurora
   * PostgreSQL, one granted `rds_iam`; on Aurora MySQL, one identified with `AWSAuthenticationPlugin`): IAM database
   * authentication is always on. Not empty (aws-cdk-lib would grant the master user), and not the master user the
   * secret rotates by password (`username`): "a specific user can log in to a database using only one authentication
   * method", so that user would no longer log in with the secret and rotation would fail. The statement names
   * `dbuser:<DbClusterResourceId>/<dbUser>`. Use this, not `cluster.grantConnect`, which takes any user.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/database-authentication.html
   * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_rds-db.html
   */
  public grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    const refused = iamConnectUserError(`RotatedAuroraCluster ${this.node.path}`, dbUser, { rotated: [this.username] });
    if (refused) throw new Error(refused);
    return this.cluster.grantConnect(grantee, dbUser);
  }

  /** The master credentials, with the `dbClusterArn` that switches the rotation function to the Data API. */
  private createSecret(props: RotatedAuroraClusterProps, clusterIdentifier: string): ProtectedSecret {
    // Built from the identifier, not read from the cluster: the cluster depends on the secret.
    const clusterArn = Stack.of(this).formatArn({ service: 'rds', resource: 'cluster', resourceName: clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    return createDatabaseSecret(this, props, `Master credentials of ${this.node.path}, rotated through the RDS Data API`,
      { username: this.username, dbClusterArn: clusterArn });
  }

  private createCluster(
    props: RotatedAuroraClusterProps, traits: ClusterEngineTraits, clusterIdentifier: string, vpcSubnets: ec2.SubnetSelection,
  ): rds.DatabaseCluster {
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    const parameterGroup = databaseParameterGroup(this, props.engine, traits.parameters, 'TLS required (Aurora MySQL: audit log without DCL)', props.parameters);
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: props.engine,
      clusterIdentifier,
      vpc: props.vpc,
      vpcSubnets,
      credentials: rds.Credentials.fromSecret(this.secret),
      defaultDatabaseName: props.databaseName,
      // The writer has a maintenance window of its own; given the cluster's, the user's window covers it too.
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        publiclyAccessible: false, autoMinorVersionUpgrade: true, preferredMaintenanceWindow: props.preferredMaintenanceWindow,
      }),
      serverlessV2MinCapacity: props.serverlessV2MinCapacity ?? 0.5,
      serverlessV2MaxCapacity: props.serverlessV2MaxCapacity ?? 2,
      enableDataApi: true,
      storageEncrypted: true,
      storageEncryptionKey: this.secret.encryptionKey!,
      subnetGroup: sharedSubnetGroup(this, props.vpc, vpcSubnets, props.removalPolicy),
      parameterGroup,
      cloudwatchLogsExports: traits.logExports,
      cloudwatchLogsRetention: props.cloudwatchLogsRetention,
      ...enhancedMonitoring(this, props.monitoringInterval),
      deletionProtection: deletionProtection(props),
      backup: { retention: props.backupRetention ?? Duration.days(7), preferredWindow: props.preferredBackupWindow },
      preferredMaintenanceWindow: props.preferredMaintenanceWindow,
      removalPolicy,
      iamAuthentication: true,
    });
    retainGroupsInUse(this, removalPolicy, { parameterGroup });
    keepKeyForDatabase(this.secret.encryptionKey, this, cluster.node.defaultChild as CfnResource, removalPolicy);
    this.keepWriterWhileProtected(cluster, props);
    const md5 = postgresMd5Warning(props.engine, props.parameters);
    if (md5) Annotations.of(this).addWarningV2('cdk-protected-secrets:postgres-md5-verifiers', `RotatedAuroraCluster ${this.node.path}: ${md5}`);
    const undocumented = undocumentedDataApiWarning(props.engine);
    if (undocumented) Annotations.of(this).addWarningV2('cdk-protected-secrets:data-api-undocumented', `RotatedAuroraCluster ${this.node.path}: ${undocumented}`);
    return cluster;
  }

  /**
   * While the cluster is protected, its writer outlives a stack deletion: RDS deletes a cluster's instances "even when
   * deletion protection is enabled for the DB cluster" (DeletionProtection,
   * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html), so `cdk destroy` would leave a
   * protected cluster with no instance to serve it. Deploying `deletionProtection: false` (the README's way to delete on
   * purpose) gives the writer back to the deletion. A writer replaced by an update still goes (UpdateReplacePolicy).
   */
  private keepWriterWhileProtected(cluster: rds.DatabaseCluster, props: RotatedAuroraClusterProps): void {
    if (!deletionProtection(props)) return;
    const writer = cluster.node.tryFindChild('Writer')?.node.defaultChild as CfnResource | undefined;
    if (writer) writer.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
  }

  /**
   * Data API calls run as the function with the secret it names: the function already reads that secret. Written in
   * this stack, like every grant naming this cluster or its secret.
   */
  private grantDataApiRotation(): void {
    const grantee = this.rotationFunction.grantableIn(this);
    // One statement per function and stack lists every cluster: a statement per cluster (aws-cdk-lib's
    // grantDataApiAccess, which also grants the secret the function already reads through the secret's own policy)
    // outgrew IAM's 6,144 characters of a managed policy at 30 clusters (test/policy-quotas.test.ts). The function
    // calls ExecuteStatement only (lambda/rotation/engines/data-api.ts).
    const existing = DATA_API_STATEMENTS.get(grantee);
    if (existing) {
      existing.addResources(this.cluster.clusterArn);
      return;
    }
    const statement = new iam.PolicyStatement({ actions: ['rds-data:ExecuteStatement'], resources: [this.cluster.clusterArn] });
    DATA_API_STATEMENTS.set(grantee, statement);
    grantee.grantPrincipal.addToPrincipalPolicy(statement);
    // The login secrets the Data API engine uses are the function's own (RotationFunction.addEngine).
  }
}

/** The Data API statement of each rotation grantee (a function, or its policy in another stack), shared by clusters. */
const DATA_API_STATEMENTS = new WeakMap<iam.IGrantable, iam.PolicyStatement>();

/**
 * The first Aurora PostgreSQL minor version of each major with the RDS Data API on Serverless v2 and provisioned
 * clusters. The rotation function reaches Aurora only through the Data API. A later major is taken to have it.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html
 */
const AURORA_POSTGRES_DATA_API_SINCE: Record<number, number> = { 13: 11, 14: 8, 15: 3, 16: 1, 17: 4, 18: 3 };

/**
 * The first Aurora MySQL version with the RDS Data API on Serverless v2 and provisioned clusters: "Aurora MySQL version
 * 3 | Version 3.07 and higher" in every Region that has it (the page above); 3.02 to 3.06 have Serverless v2 but no
 * Data API.
 */
const AURORA_MYSQL_DATA_API_SINCE = { major: 3, minor: 7 };

/** Why the cluster's engine version has no Data API, when its version is known at synth. */
function dataApiVersionError(engine: rds.IClusterEngine): string | undefined {
  const version = engine.engineVersion?.fullVersion;
  if (version === undefined || Token.isUnresolved(version)) return undefined;
  if (engine.engineType === 'aurora-mysql') return auroraMysqlDataApiError(version);
  const numerals = auroraPostgresVersion(engine);
  if (!numerals) return undefined;
  const { major, minor } = numerals;
  const since = AURORA_POSTGRES_DATA_API_SINCE[major];
  const lowest = Math.min(...Object.keys(AURORA_POSTGRES_DATA_API_SINCE).map(Number));
  if (major >= lowest && (since === undefined || minor >= since)) return undefined;
  const use = since === undefined ? `${lowest}.${AURORA_POSTGRES_DATA_API_SINCE[lowest]} or a later major` : `${major}.${since} or later`;
  return `\`engine\` is Aurora PostgreSQL ${version}, which has no RDS Data API, the only way the rotation function reaches Aurora: the `
    + `HTTP endpoint this construct turns on is not offered there, and no rotation could run. Use ${use} `
    + '(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).';
}

/**
 * Why an Aurora MySQL version of Aurora Serverless v2 has no Data API (a version before Serverless v2 is
 * serverlessV2VersionError's to name).
 */
function auroraMysqlDataApiError(version: string): string | undefined {
  const aurora = auroraMysqlVersion(version);
  if (!aurora) return undefined;
  const { major, minor } = aurora;
  const { major: sinceMajor, minor: sinceMinor } = AURORA_MYSQL_DATA_API_SINCE;
  if (major !== sinceMajor || minor < 2 || minor >= sinceMinor) return undefined;
  return `\`engine\` is Aurora MySQL ${aurora.text}, which has no RDS Data API, the only way the rotation function reaches Aurora: the `
    + `HTTP endpoint this construct turns on is not offered there, and no rotation could run. Use ${AURORA_MYSQL_ADVICE} `
    + '(the Data API: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).';
}

/**
 * Why an Aurora MySQL major after version 3 (MySQL 8.0) cannot be rotated by the function: it sets Aurora MySQL
 * passwords through the Data API as `mysql_native_password` hashes (the Data API's statements may be recorded, so it
 * never sends a password: lambda/rotation/engines/data-api.ts), and Aurora MySQL 8.4 creates the master user with
 * `caching_sha2_password` unless the cluster's `authentication_policy` is `*:mysql_native_password` ("If you use the
 * default parameter group, the master user is created with the caching_sha2_password authentication plugin. If you use
 * a custom parameter group and set the authentication_policy parameter to *:mysql_native_password, the master user is
 * created with the mysql_native_password authentication plugin",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Upgrade-v3-v84-security.html): every
 * rotation would move such a master user back to the deprecated plugin (the MySQL major as `mysqlAfter80` reads it).
 */
function passwordPluginError(engine: rds.IClusterEngine, parameters: Record<string, string> | undefined): string | undefined {
  const mysql = mysqlAfter80(engine);
  if (!mysql) return undefined;
  if (parameters?.authentication_policy === '*:mysql_native_password') return undefined;
  return `\`engine\` is Aurora MySQL ${mysql.version} (MySQL ${mysql.mysql}), which creates the master user with caching_sha2_password `
    + '(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Upgrade-v3-v84-security.html): the rotation '
    + 'function sets Aurora MySQL passwords as mysql_native_password hashes (the Data API may record its statements, so it never '
    + `sends a password), and every rotation would move the master user to that deprecated plugin. Use ${AURORA_MYSQL_ADVICE}, `
    + 'or keep the master user on mysql_native_password from the start with '
    + '`parameters: { authentication_policy: \'*:mysql_native_password\' }`.';
}

/**
 * The Aurora MySQL version to suggest. Serverless v2's lowest Aurora MySQL version differs by Region (Asia Pacific
 * (Taipei): "Version 3.04.3 and higher, 3.08.1 and higher"; Asia Pacific (Malaysia): "Versions 3.04.3, 3.05.2, 3.06.1,
 * 3.07.1, and higher",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html),
 * so no one `AuroraMysqlEngineVersion` constant is right in every Region.
 */
const AURORA_MYSQL_ADVICE = 'Aurora MySQL 3.07.0 or later: the newest Aurora MySQL 3 version your Region lists for Aurora Serverless v2 '
  + '(the lowest differs by Region: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html)';

/**
 * The version of an Aurora MySQL engine after MySQL 8.0 (Aurora MySQL 8.4), read from the full version
 * (`8.0.mysql_aurora.3.08.0`, `8.4.7`: AWS writes 8.4 versions so,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.MySQL84.html), which aws-cdk-lib's
 * `AuroraMysqlEngineVersion.of(full)` pairs with a major of `5.7` when none is given; else from the major.
 */
function mysqlAfter80(engine: rds.IClusterEngine): { version: string; mysql: string } | undefined {
  if (engine.engineType !== 'aurora-mysql') return undefined;
  const full = engine.engineVersion?.fullVersion;
  const major = engine.engineVersion?.majorVersion;
  const version = full !== undefined && !Token.isUnresolved(full) ? full : major !== undefined && !Token.isUnresolved(major) ? major : undefined;
  const match = version === undefined ? null : /^(\d+)\.(\d+)/.exec(version);
  if (!match || Number(match[1]) * 100 + Number(match[2]) <= 800) return undefined;
  return { version: version!, mysql: `${match[1]}.${match[2]}` };
}

/**
 * Why the cluster may have no RDS Data API although its version is accepted: AWS's Data API table lists Aurora MySQL
 * only as "Aurora MySQL version 3 | Version 3.07 and higher", not Aurora MySQL 8.4
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).
 * A warning, not an error: AWS may offer it there without documenting it yet, which a deploy shows.
 */
function undocumentedDataApiWarning(engine: rds.IClusterEngine): string | undefined {
  const mysql = mysqlAfter80(engine);
  if (!mysql) return undefined;
  return `\`engine\` is Aurora MySQL ${mysql.version} (MySQL ${mysql.mysql}), for which the RDS Data API, the only way the rotation function `
    + 'reaches Aurora, is not documented: AWS lists Aurora MySQL only as "Aurora MySQL version 3 | Version 3.07 and higher" '
    + '(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html). '
    + 'Without it the HTTP endpoint is not offered and no rotation can run: deploy to a test account first, or use '
    + `${AURORA_MYSQL_ADVICE}.`;
}

/** The numerals of an Aurora PostgreSQL version known at synth (`16.4`, `16.6.8`); undefined otherwise. */
function auroraPostgresVersion(engine: rds.IClusterEngine): { major: number; minor: number } | undefined {
  const version = engine.engineVersion?.fullVersion;
  if (engine.engineType !== 'aurora-postgresql' || version === undefined || Token.isUnresolved(version)) return undefined;
  const match = /^(\d+)\.(\d+)(\.\d+)?$/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/**
 * Why an Aurora PostgreSQL version known at synth is not `major.minor[.patch]` numerals: Aurora PostgreSQL Limitless
 * Database "uses special Aurora PostgreSQL DB engine versions ... 16.4-limitless", and there "Your DB cluster can't
 * have any writer or reader DB instances"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/limitless-reqs-limits.html), while this construct
 * creates a Serverless v2 writer and the Data API runs statements on a writer only. The Data API's versions are
 * numerals; any other spelling would also slip past the Data API check.
 */
function postgresVersionFormatError(engine: rds.IClusterEngine): string | undefined {
  const version = engine.engineVersion?.fullVersion;
  if (engine.engineType !== 'aurora-postgresql' || version === undefined || Token.isUnresolved(version) || auroraPostgresVersion(engine)) return undefined;
  return `\`engine\` is Aurora PostgreSQL ${version}, not a version of numerals (major.minor or major.minor.patch), which the RDS Data API `
    + 'versions are: a special version such as Aurora PostgreSQL Limitless Database\'s `16.4-limitless` makes a cluster that "can\'t have any '
    + 'writer or reader DB instances" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/limitless-reqs-limits.html), while '
    + 'this construct creates a Serverless v2 writer and the rotation function reaches Aurora only through the Data API of a writer. Use a '
    + 'standard Aurora PostgreSQL version with the Data API (13.11, 14.8, 15.3, 16.1, 17.4, 18.3 or a later minor, '
    + 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).';
}

/**
 * The first minor of each Aurora PostgreSQL major with Serverless v2 auto-pause (a minimum of 0 ACUs): "If you're
 * using Aurora PostgreSQL, the database engine must be running at least version 16.3, 15.7, 14.12, or 13.15". A later
 * major is taken to have it.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 */
const AURORA_POSTGRES_AUTO_PAUSE_SINCE: Record<number, number> = { 13: 15, 14: 12, 15: 7, 16: 3 };

/** Auto-pause with Aurora MySQL: "the database engine must be running version 3.08.0 or higher" (the page above). */
const AURORA_MYSQL_AUTO_PAUSE_SINCE = { major: 3, minor: 8 };

/**
 * Why a `serverlessV2MinCapacity` of 0 is refused: the engine version, known at synth, has no auto-pause, and RDS
 * accepts 0 only "for Aurora versions that support the Aurora Serverless v2 auto-pause feature"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html).
 */
function autoPauseVersionError(engine: rds.IClusterEngine, min: number | undefined): string | undefined {
  if (min !== 0) return undefined;
  let version: string | undefined;
  let needed: string | undefined;
  const postgres = auroraPostgresVersion(engine);
  const since = postgres ? AURORA_POSTGRES_AUTO_PAUSE_SINCE[postgres.major] : undefined;
  if (postgres && since !== undefined && postgres.minor < since) {
    version = `Aurora PostgreSQL ${engine.engineVersion!.fullVersion}`;
    needed = `Aurora PostgreSQL ${postgres.major}.${since} or a later minor`;
  }
  const full = engine.engineType === 'aurora-mysql' ? engine.engineVersion?.fullVersion : undefined;
  const mysql = full !== undefined && !Token.isUnresolved(full) ? auroraMysqlVersion(full) : undefined;
  const { major, minor } = AURORA_MYSQL_AUTO_PAUSE_SINCE;
  if (mysql && mysql.major === major && mysql.minor < minor) {
    version = `Aurora MySQL ${mysql.text}`;
    needed = 'Aurora MySQL 3.08.0 or later';
  }
  if (!version) return undefined;
  return `\`serverlessV2MinCapacity\` is 0 (auto-pause), which ${version} does not offer: auto-pause needs ${needed} `
    + '(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html), and RDS refuses a minimum under '
    + `0.5 ACUs on earlier versions. Use ${needed}, or a \`serverlessV2MinCapacity\` of 0.5 or more.`;
}

/** The Aurora version of an Aurora MySQL engine version as aws-cdk-lib spells it (`8.0.mysql_aurora.3.08.0`). */
function auroraMysqlVersion(version: string): { major: number; minor: number; text: string } | undefined {
  const match = /mysql_aurora\.(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]), text: `${match[1]}.${match[2]}.${match[3]}` } : undefined;
}

/**
 * Why the cluster's engine version has no Aurora Serverless v2, the only writer this construct creates: Aurora MySQL
 * has it from version 3.02.0 ("Aurora MySQL version 3: Version 3.02.0 and higher"; version 2 is not listed), when the
 * version is known at synth.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html
 */
function serverlessV2VersionError(engine: rds.IClusterEngine): string | undefined {
  const version = engine.engineVersion?.fullVersion;
  if (engine.engineType !== 'aurora-mysql' || version === undefined || Token.isUnresolved(version)) return undefined;
  // aws-cdk-lib spells Aurora MySQL versions `<MySQL major>.mysql_aurora.<Aurora version>`, e.g. 5.7.mysql_aurora.2.11.2.
  const aurora = auroraMysqlVersion(version);
  if (!aurora) return undefined;
  const { major, minor } = aurora;
  if (major > 3 || (major === 3 && minor >= 2)) return undefined;
  return `\`engine\` is Aurora MySQL ${aurora.text}, which has no Aurora Serverless v2, the only writer this construct creates `
    + `(Serverless v2 from 3.02.0, and the RDS Data API the function needs from 3.07.0): use ${AURORA_MYSQL_ADVICE}.`;
}

/**
 * What is wrong with the Serverless v2 capacity range: values "in half-step increments" from 0 to 256
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html), a maximum that
 * "must be higher than 0.5 ACUs"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-rds-dbcluster-serverlessv2scalingconfiguration.html).
 * Checked before aws-cdk-lib's DatabaseCluster, whose own check names neither prop of this construct.
 */
function capacityErrors(props: RotatedAuroraClusterProps): string[] {
  const min = props.serverlessV2MinCapacity ?? 0.5;
  const max = props.serverlessV2MaxCapacity ?? 2;
  const errors: string[] = [];
  for (const [prop, value] of [['serverlessV2MinCapacity', min], ['serverlessV2MaxCapacity', max]] as const) {
    if (Token.isUnresolved(value)) {
      // aws-cdk-lib's DatabaseCluster compares the range at synth, where a token is a meaningless number.
      errors.push(`\`${prop}\` must be a number at synth, not a token: the capacity range is checked when the cluster is synthesized. Pass a literal number of ACUs.`);
    } else if (!Number.isInteger(value * 2)) {
      errors.push(`\`${prop}\` must be a multiple of 0.5 ACUs, got ${value}: Aurora Serverless v2 capacity goes in half steps (e.g. ${[...new Set([Math.floor(value * 2) / 2 || 0.5, Math.ceil(value * 2) / 2])].join(' or ')}).`);
    }
  }
  if (errors.length > 0) return errors;
  if (max <= 0.5) errors.push(`\`serverlessV2MaxCapacity\` must be higher than 0.5 ACUs (at least 1), got ${max}.`);
  if (min < 0 || max > 256 || min > max) errors.push(`\`serverlessV2MinCapacity\` (${min}) and \`serverlessV2MaxCapacity\` (${max}) must satisfy 0 <= min <= max <= 256.`);
  return errors;
}

function validate(scope: Construct, props: RotatedAuroraClusterProps, clusterIdentifier: string): ClusterEngineTraits {
  const errors = new PropErrors('RotatedAuroraCluster', scope);
  if (!props.engine) errors.add('`engine` is required: pass `rds.DatabaseClusterEngine.auroraPostgres(...)` or `auroraMysql(...)`.');
  const traits = props.engine ? ENGINE_TRAITS[props.engine.engineType] : undefined;
  if (props.engine && !traits) errors.add(`\`engine\` must be Aurora PostgreSQL or Aurora MySQL (the Data API engines), got ${props.engine.engineType}.`);
  errors.addAll(engineVersionErrors(props.engine, 'rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 })'));
  errors.addAll(databaseBasePropErrors(scope, props));
  const id = props.clusterIdentifier;
  if (id !== undefined && !Token.isUnresolved(id) && !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) {
    errors.add(`\`clusterIdentifier\` must be lowercase letters, digits and single hyphens, starting with a letter, got "${id}".`);
  }
  if (id !== undefined && id.length > 63) errors.add(`\`clusterIdentifier\` must be at most 63 characters, got ${id.length}.`);
  // "DBClusterAlreadyExistsFault: The user already has a DB cluster with the given identifier"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
  const duplicate = duplicateInEnvironmentError(scope, scope.node.path, 'clusterIdentifier', clusterIdentifier, 'clusterIdentifier', 'give each cluster its own identifier.');
  if (duplicate) errors.add(duplicate);
  errors.addAll(databaseNameErrors(props.engine?.engineType, props.databaseName));
  if (traits) errors.addAll(parameterErrors(traits.parameters, props.parameters, props.engine));
  const username = props.username;
  if (username !== undefined && !Token.isUnresolved(username)) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/.test(username)) {
      errors.add(`\`username\` must start with a letter and have at most 16 letters, digits and underscores, got "${username}".`);
    }
    const reserved = props.engine ? reservedUsernameError(props.engine.engineType, username) : undefined;
    if (reserved) errors.add(reserved);
  }
  const plugin = props.engine ? passwordPluginError(props.engine, props.parameters) : undefined;
  if (plugin) errors.add(plugin);
  const dataApi = props.engine ? dataApiVersionError(props.engine) ?? postgresVersionFormatError(props.engine) : undefined;
  if (dataApi) errors.add(dataApi);
  const serverlessV2 = props.engine ? serverlessV2VersionError(props.engine) : undefined;
  if (serverlessV2) errors.add(serverlessV2);
  errors.addAll(capacityErrors(props));
  const autoPause = props.engine ? autoPauseVersionError(props.engine, props.serverlessV2MinCapacity) : undefined;
  if (autoPause) errors.add(autoPause);
  errors.throwIfAny();
  return traits!;
}
