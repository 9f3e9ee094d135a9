// What the database constructs share.
import { createHash } from 'crypto';
import { CfnResource, Duration, RemovalPolicy, Stack, Token, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_rds as rds } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { windowErrors } from './maintenance-windows';
import { namingPath } from './naming-path';
import { findOrCreate } from './singleton';
import { subnetSelectionKey } from './subnet-selection';

/** The secret's key is usable only through Secrets Manager; storage encryption also needs RDS to use it. */
export function allowRdsToUseKey(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowUseThroughRdsForStorageEncryption',
    principals: [new iam.AccountRootPrincipal()],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'kms:ViaService': `rds.${stack.region}.amazonaws.com`, 'kms:CallerAccount': stack.account },
    },
  }));
}

/**
 * Deletion protection unless the user set it: on, except with `removalPolicy: DESTROY`, which asks for the database to
 * go with the stack and which RDS would refuse ("The database can't be deleted when deletion protection is enabled",
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html, DeletionProtection).
 */
export function deletionProtection(props: { deletionProtection?: boolean; removalPolicy?: RemovalPolicy }): boolean {
  return props.deletionProtection ?? props.removalPolicy !== RemovalPolicy.DESTROY;
}

/** Where a database goes by default: the VPC's isolated subnets, or its private subnets with egress. */
export function defaultDatabaseSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return { subnetType: vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS };
}

/** Connections, DDL and failed statements; never DCL, where password changes would be written out. */
export const AUDIT_EVENTS = 'CONNECT,QUERY_DDL';

/** The Enhanced Monitoring props of an RDS instance or cluster. */
export interface EnhancedMonitoring {
  readonly monitoringInterval?: Duration;
  readonly monitoringRole?: iam.IRole;
}

/**
 * Enhanced Monitoring settings for an instance or cluster: every 60 seconds by default, with one monitoring
 * role per stack shared by all databases; an interval of 0 switches it off.
 */
export function enhancedMonitoring(scope: Construct, interval: Duration = Duration.seconds(60)): EnhancedMonitoring {
  if (interval.toSeconds() === 0) return {};
  const stack = Stack.of(scope);
  const id = 'ProtectedSecretsRdsMonitoringRole';
  const role = findOrCreate(stack, id, iam.Role, (roleScope, roleId) => new iam.Role(roleScope, roleId, {
    assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
    description: 'RDS Enhanced Monitoring: writes OS metrics to the RDSOSMetrics log group',
    // The policy RDS documents for this role; it allows writing to RDS's own log groups only.
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
  }));
  return { monitoringInterval: interval, monitoringRole: role };
}

/**
 * What is wrong with the props both database constructs share, one message per prop. RDS keeps backups for a whole
 * number of days (BackupRetentionPeriod, an integer, 1 to 35 here) and collects Enhanced Monitoring metrics every 0, 1,
 * 5, 10, 15, 30 or 60 seconds (MonitoringInterval): checked before aws-cdk-lib converts them with `toDays()` and
 * `toSeconds()`, which throw on a fraction with a message that names neither prop.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 */
export function databasePropErrors(props: {
  backupRetention?: Duration; monitoringInterval?: Duration; preferredMaintenanceWindow?: string; preferredBackupWindow?: string;
}): string[] {
  const errors: string[] = [...windowErrors(props)];
  const backups = props.backupRetention;
  const days = backups && !backups.isUnresolved() ? backups.toDays({ integral: false }) : undefined;
  if (days !== undefined && !Number.isInteger(days)) {
    errors.push(`\`backupRetention\` must be a whole number of days (RDS keeps backups by the day), got ${backups!.toHumanString()}; use \`Duration.days(n)\`.`);
  } else if (days !== undefined && (days < 1 || days > 35)) {
    errors.push(`\`backupRetention\` must be between 1 and 35 days, got ${backups!.toHumanString()}.`);
  }
  const seconds = props.monitoringInterval?.isUnresolved() ? undefined : props.monitoringInterval?.toSeconds({ integral: false });
  if (seconds !== undefined && ![0, 1, 5, 10, 15, 30, 60].includes(seconds)) {
    errors.push(`\`monitoringInterval\` must be 0 (off), 1, 5, 10, 15, 30 or 60 seconds, got ${seconds}.`);
  }
  return errors;
}

/**
 * The longest database name per engine: CreateDBInstance's DBName "Must contain 1 to 63 letters, numbers, or
 * underscores" on RDS for PostgreSQL and 1 to 63 alphanumeric characters on Aurora PostgreSQL; 1 to 64 on RDS for
 * MySQL, RDS for MariaDB and Aurora MySQL. Every engine: "Must begin with a letter. Subsequent characters can be
 * letters, underscores, or digits (0-9)". (Each also refuses "a word reserved by the database engine", a list per
 * engine and version that is not checked here.)
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
 */
const MAX_DATABASE_NAME_LENGTH: Record<string, number> = {
  'postgres': 63, 'aurora-postgresql': 63, 'mysql': 64, 'mariadb': 64, 'aurora-mysql': 64,
};

/** What is wrong with `databaseName` on `engineType`; a token, or an engine not known here, is left to RDS. */
export function databaseNameErrors(engineType: string | undefined, name: string | undefined): string[] {
  if (name === undefined || Token.isUnresolved(name)) return [];
  const maxLength = engineType === undefined ? undefined : MAX_DATABASE_NAME_LENGTH[engineType];
  if (maxLength === undefined) return [];
  if (/^[A-Za-z][A-Za-z0-9_]*$/.test(name) && name.length <= maxLength) return [];
  return [`\`databaseName\` must be 1 to ${maxLength} letters, digits and underscores starting with a letter on ${engineType}, got "${name}"`
    + `${name.length > maxLength ? ` (${name.length} characters)` : ''}; leave it out for no database of your own `
    + '(DBName, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).'];
}

/**
 * The construct of `scope`'s stack that `key` identifies, created at the stack's root on first use. The databases of
 * a stack share what does not differ between them, so each adds only what is its own (see README, "Footprint").
 */
function oncePerStack<T extends Construct>(scope: Construct, prefix: string, key: unknown, create: (stack: Stack, id: string) => T): T {
  const stack = Stack.of(scope);
  const id = `${prefix}${createHash('sha256').update(JSON.stringify(stack.resolve(key))).digest('hex').slice(0, 8).toUpperCase()}`;
  return stack.node.tryFindChild(id) as T ?? create(stack, id);
}

/**
 * The context key that keeps one DB subnet group per database, as versions before the shared group made them: set it
 * to `false` in an app whose databases are already deployed. Moving a deployed instance or cluster to the shared group
 * changes its DBSubnetGroupName, which CloudFormation carries out by REPLACING it, an empty new database
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html and
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbcluster.html, "Updating DB
 * instances" / "Updating DB clusters"). cdk.json: `"context": { "cdk-protected-secrets:shareDbSubnetGroups": false }`.
 */
export const SHARE_DB_SUBNET_GROUPS_CONTEXT = 'cdk-protected-secrets:shareDbSubnetGroups';

/**
 * One DB subnet group per VPC and subnet selection (as written: `subnetSelectionKey`) in the database's stack, kept
 * when a database that uses it is retained (CloudFormation could not delete a group a retained database still uses).
 * With
 * SHARE_DB_SUBNET_GROUPS_CONTEXT `false` (or `"false"`, as `cdk -c` passes it): undefined, so aws-cdk-lib creates the
 * database's own group under the construct path and logical ID it always had.
 */
export function sharedSubnetGroup(
  scope: Construct, vpc: ec2.IVpc, vpcSubnets: ec2.SubnetSelection, removalPolicy?: RemovalPolicy,
): rds.ISubnetGroup | undefined {
  const share = scope.node.tryGetContext(SHARE_DB_SUBNET_GROUPS_CONTEXT);
  if (share === false || share === 'false') return undefined;
  const group = oncePerStack(scope, 'ProtectedSecretsDbSubnets', subnetSelectionKey(vpc, vpcSubnets), (stack, id) =>
    new rds.SubnetGroup(stack, id, { vpc, vpcSubnets, description: `Subnets of the rotated databases in ${namingPath(vpc)}` }));
  keepWhileDatabaseKept(group, removalPolicy);
  return group;
}

/**
 * The database's parameter group. Without parameters of the user's: one group per engine family and settings in the
 * database's stack, which instances and clusters with the same family and the library's same parameters (the TLS
 * requirement, the audit settings) share, under the ID it always had. With them: a group of the database's own, as
 * aws-cdk-lib gives one, so that a later change of them modifies that group in place, and RDS applies a dynamic
 * parameter at once ("Changes to dynamic parameters are applied to the DB instance immediately without a reboot");
 * moving to another group would wait for a reboot for every parameter ("When you associate a new DB parameter group
 * with a DB instance, RDS applies the modified static and dynamic parameters only after the DB instance is rebooted").
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.Modifying.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RebootInstance.html
 */
export function databaseParameterGroup(
  scope: Construct, engine: rds.IEngine, library: Record<string, string>, purpose: string, user?: Record<string, string>,
): rds.IParameterGroup {
  if (user === undefined || Object.keys(user).length === 0) {
    const description = `${purpose}: the ${engine.parameterGroupFamily} databases of this stack`;
    return oncePerStack(scope, 'ProtectedSecretsParameters', [engine.engineType, engine.parameterGroupFamily, library], (stack, id) =>
      new rds.ParameterGroup(stack, id, { engine, description, parameters: library }));
  }
  return new rds.ParameterGroup(scope, 'Parameters', {
    engine,
    description: `${purpose}, and the database's own parameters`,
    parameters: { ...user, ...library },
  });
}

/** One option group per engine, major version and options in the database's stack. */
export function sharedOptionGroup(
  scope: Construct, engine: rds.IInstanceEngine, configurations: rds.OptionConfiguration[], purpose: string,
): rds.IOptionGroup {
  const description = `${purpose}: the ${engine.engineType} ${engine.engineVersion?.majorVersion} databases of this stack`;
  return oncePerStack(scope, 'ProtectedSecretsOptions', [engine.engineType, engine.engineVersion?.majorVersion, configurations], (stack, id) =>
    new rds.OptionGroup(stack, id, { engine, description, configurations }));
}

/**
 * Keeps the groups a database still uses after CloudFormation leaves it, or its final snapshot, behind: CloudFormation
 * would otherwise try to delete them and the stack's deletion would end in DELETE_FAILED, as for the shared subnet
 * group (`sharedSubnetGroup`).
 * - `RETAIN` (`RETAIN_ON_UPDATE_OR_DELETE`: the same, as `RetainExceptOnCreate`): the parameter groups ("can't be
 *   associated with any DB instances",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBParameterGroup.html; "any DB clusters",
 *   API_DeleteDBClusterParameterGroup.html), the option group, and the database's own security groups ("If you attempt
 *   to delete a security group that is associated with an instance or network interface ... the operation fails with
 *   DependencyViolation", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html).
 * - `SNAPSHOT` (the default) too: the option group, which the final snapshot keeps using. AWS's API reference names
 *   only "isn't in the available state"; the refusal "cannot be deleted because it is in use" after the instance is
 *   gone is reported for final snapshots and CloudFormation's Snapshot policy by AWS's own CloudFormation roadmap
 *   (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/272) and by users of other tools.
 * Only groups this library or aws-cdk-lib created for the database are touched, never one the user passed.
 */
export function retainGroupsInUse(
  database: Construct,
  removalPolicy: RemovalPolicy,
  groups: { parameterGroup?: rds.IParameterGroup; optionGroup?: rds.IOptionGroup },
): void {
  // The final snapshot exists only once a created database is deleted, so a failed first deploy leaves nothing behind.
  if (removalPolicy === RemovalPolicy.SNAPSHOT) keepAtLeast(groups.optionGroup as Construct | undefined, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
  keepWhileDatabaseKept(groups.optionGroup as Construct | undefined, removalPolicy);
  keepWhileDatabaseKept(groups.parameterGroup as Construct | undefined, removalPolicy);
  // The security group aws-cdk-lib creates inside the database, and its own subnet group (SHARE_DB_SUBNET_GROUPS_CONTEXT
  // false), which aws-cdk-lib keeps under RETAIN only; groups the user passed live elsewhere and are not touched.
  for (const construct of database.node.findAll()) {
    if (construct instanceof ec2.SecurityGroup || construct instanceof rds.SubnetGroup) keepWhileDatabaseKept(construct, removalPolicy);
  }
}

/**
 * Keeps a group as long as a database that uses it is kept: `Retain` with a retained database (which stays even when
 * the deploy that creates it rolls back), `RetainExceptOnCreate` with one kept except then. Nothing for a database
 * that is deleted (SNAPSHOT, DESTROY).
 */
export function keepWhileDatabaseKept(group: Construct | undefined, removalPolicy: RemovalPolicy | undefined): void {
  if (removalPolicy === RemovalPolicy.RETAIN || removalPolicy === RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE) keepAtLeast(group, removalPolicy);
}

/** The CloudFormation deletion policies that keep a resource, weakest first. */
const KEEPING = ['RetainExceptOnCreate', 'Retain'];

/**
 * Gives the resources of `group` `policy`, unless they already keep themselves more strongly: a group shared by the
 * databases of a stack is kept as the most strongly kept of them, whatever their order.
 */
function keepAtLeast(group: Construct | undefined, policy: RemovalPolicy): void {
  const wanted = policy === RemovalPolicy.RETAIN ? 'Retain' : 'RetainExceptOnCreate';
  for (const child of group?.node.children ?? []) {
    if (!CfnResource.isCfnResource(child)) continue;
    if (KEEPING.indexOf(child.cfnOptions.deletionPolicy ?? '') >= KEEPING.indexOf(wanted)) continue;
    child.applyRemovalPolicy(policy);
  }
}

/**
 * A versionless engine (`rds.DatabaseInstanceEngine.POSTGRES`) leaves the parameter group, whose family comes from
 * the version, and the option group without what they need: aws-cdk-lib would fail naming neither the construct nor
 * the prop.
 */
export function engineVersionErrors(engine: rds.IEngine | undefined, example: string): string[] {
  if (!engine || engine.engineVersion !== undefined) return [];
  return [`\`engine\` must name a version (the shared parameter group's family comes from it), got ${engine.engineType} without one; for example \`${example}\`.`];
}
