// What the database constructs share.
import { createHash } from 'crypto';
import { CfnResource, Duration, RemovalPolicy, Stack, Token, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_rds as rds } from 'aws-cdk-lib';
import { Construct } from 'constructs';
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
    new rds.SubnetGroup(stack, id, { vpc, vpcSubnets, description: `Subnets of the rotated databases in ${vpc.node.path}` }));
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

/**
 * What is wrong with the user's `parameters` beside the library's own, which keep the database's promises (TLS
 * required; Aurora MySQL's audit log without DCL): giving one of those another value is refused, in any case, since
 * the engines read parameter names without regard to case (the same value, as a plain DatabaseInstance's parameters
 * may carry it, is accepted). So are parameters that would undo a promise another way: on Aurora MySQL, the lists of
 * users the audit log leaves out or keeps to ("Use the server_audit_incl_users and server_audit_excl_users parameters
 * to specify who gets audited", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Auditing.html);
 * on PostgreSQL, an md5 `password_encryption`, and statement logging where md5 is the default (see
 * `postgresPasswordLogErrors`).
 */
export function parameterErrors(
  library: Record<string, string>, user: Record<string, string> | undefined, engine: rds.IEngine | undefined,
): string[] {
  if (user === undefined) return [];
  const engineType = engine?.engineType;
  const owned = new Map(Object.entries(library).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  const errors = Object.entries(user).flatMap(([name, value]) => {
    const mine = Token.isUnresolved(name) ? undefined : owned.get(name.toLowerCase());
    // Only under the construct's own spelling, which the construct's value then replaces in the group.
    if (!mine || (name === mine.name && sameSetting(mine.value, value))) return [];
    return [`\`parameters\` must not set "${name}" to "${value}": the construct sets ${mine.name} to ${mine.value} on ${engineType} so that `
      + `${describeOwnedParameter(mine.name)}. Leave it out of \`parameters\`.`];
  });
  const named = (name: string) => Object.entries(user).find(([key]) => !Token.isUnresolved(key) && key.toLowerCase() === name);
  if (engineType === 'aurora-mysql') {
    for (const list of ['server_audit_excl_users', 'server_audit_incl_users']) {
      const entry = named(list);
      if (entry) {
        errors.push(`\`parameters\` must not set "${entry[0]}": it narrows whom the audit log covers, which records every login and DDL `
        + '(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Auditing.html). Leave it out of `parameters`.');
      }
    }
  }
  if (engineType === 'postgres' || engineType === 'aurora-postgresql') errors.push(...postgresPasswordLogErrors(named, engine));
  return errors;
}

/** Whether two values of a parameter are the same setting: alike in any case, `1`, `on` and `true` alike. */
function sameSetting(a: string, b: string): boolean {
  if (Token.isUnresolved(b)) return false;
  const normal = (v: string) => (isOn(v.trim().toLowerCase()) ? '1' : v.trim().toLowerCase());
  return normal(a) === normal(b);
}

/**
 * The PostgreSQL major version when it is before 14, whose `password_encryption` default is md5: "The default is md5"
 * (https://www.postgresql.org/docs/13/runtime-config-connection.html); "PostgreSQL 14 changes the default value for
 * password_encryption to scram-sha-256" (RDS for PostgreSQL,
 * https://aws.amazon.com/blogs/database/scram-authentication-in-rds-for-postgresql-13/); "Aurora PostgreSQL version 14
 * and higher support scram-sha-256 for password encryption by default"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html).
 * `unknown` for a version given as a token; undefined for 14 and later.
 */
function md5ByDefault(engine: rds.IEngine | undefined): string | undefined {
  // A versionless engine is refused on its own (engineVersionErrors).
  if (engine?.engineVersion === undefined) return undefined;
  const major = engine.engineVersion.majorVersion;
  if (Token.isUnresolved(major)) return 'unknown';
  return Number(major.split('.')[0]) < 14 ? major : undefined;
}

/**
 * The rotation function gives PostgreSQL the password as a verifier of the server's `password_encryption`
 * (lambda/rotation/engines/postgres.ts), in `ALTER USER ... PASSWORD '<verifier>'`. An md5 verifier is enough to log in:
 * the md5 method "provides no protection if an attacker manages to steal the password hash from the server"
 * (https://www.postgresql.org/docs/current/auth-password.html). So none may reach a log: `password_encryption` may
 * only be `scram-sha-256`, and on a version whose default is md5, a parameter that writes such statements to the log
 * (exported to CloudWatch Logs) needs it pinned (RDS writes them to the log as sent:
 * https://repost.aws/knowledge-center/rds-postgresql-cleartext-logging). From 14 on, the statements carry SCRAM
 * verifiers, from which no login can be made, and the pin would change nothing.
 */
function postgresPasswordLogErrors(named: (name: string) => [string, string] | undefined, engine: rds.IEngine | undefined): string[] {
  const errors: string[] = [];
  const encryption = named('password_encryption');
  const scram = encryption !== undefined && !Token.isUnresolved(encryption[1]) && encryption[1].toLowerCase() === 'scram-sha-256';
  if (encryption && !scram && !Token.isUnresolved(encryption[1])) {
    errors.push(`\`parameters\` must not set "${encryption[0]}" to "${encryption[1]}": the rotation gives the database passwords as verifiers of that `
      + 'type, and an md5 verifier logs in as the user wherever it is seen (a statement log, an error). Use "scram-sha-256", or leave it out.');
  }
  const major = md5ByDefault(engine);
  const logging = Object.keys(STATEMENT_LOGGING).map(named).filter((entry): entry is [string, string] =>
    entry !== undefined && !Token.isUnresolved(entry[1]) && logsDdl(entry[0].toLowerCase(), entry[1].toLowerCase()));
  // A token password_encryption may be md5 on any version.
  const unknownEncryption = encryption !== undefined && Token.isUnresolved(encryption[1]);
  if (logging.length > 0 && !scram && (major !== undefined || unknownEncryption)) {
    errors.push(`\`parameters\` ${logging.map(([name, value]) => `"${name}": "${value}"`).join(', ')} write${logging.length === 1 ? 's' : ''} the rotation's `
      + '`ALTER USER ... PASSWORD` statements to the log, exported to CloudWatch Logs, with the password\'s verifier of `password_encryption`, '
      + `${major === undefined ? 'here a token that may be md5' : `md5 by default on PostgreSQL ${major === 'unknown' ? 'before 14 (the engine version is a token here)' : major}`}, `
      + 'which logs in as the user. '
      + 'Add `password_encryption: \'scram-sha-256\'` to `parameters`.');
  }
  return errors;
}

/** pgaudit's statement classes (https://github.com/pgaudit/pgaudit#pgauditlog); ROLE holds CREATE/ALTER/DROP ROLE. */
const PGAUDIT_CLASSES = ['read', 'write', 'function', 'role', 'ddl', 'misc', 'misc_set'];

/** The classes a `pgaudit.log` value logs: listed in order, `all` for every class, a class with "-" taken out. */
function pgauditClasses(value: string): Set<string> {
  const classes = new Set<string>();
  // pgaudit reads the list as identifiers: quotes are dropped, case is ignored.
  for (const item of value.split(',').map(part => part.trim().replace(/"/g, '').toLowerCase())) {
    const removed = item.startsWith('-');
    const name = removed ? item.slice(1) : item;
    for (const c of name === 'all' ? PGAUDIT_CLASSES : [name]) {
      if (removed) classes.delete(c);
      else classes.add(c);
    }
  }
  return classes;
}

/**
 * PostgreSQL parameters that write a statement's text to the log, and whether a value does for ALTER USER
 * (https://www.postgresql.org/docs/current/runtime-config-logging.html): statements by kind, statements slower than a
 * threshold (-1 turns it off), sampled statements and transactions, statements waiting on a lock, the parse and plan
 * trees, and pgaudit's ROLE class ("ROLE: Statements related to roles and privileges: GRANT, REVOKE, CREATE/ALTER/DROP
 * ROLE"; DDL is "All DDL that is not included in the ROLE class").
 */
const STATEMENT_LOGGING: Record<string, (value: string) => boolean> = {
  'log_statement': value => ['ddl', 'mod', 'all'].includes(value),
  'log_min_duration_statement': value => value !== '-1',
  'log_min_duration_sample': value => value !== '-1',
  'log_transaction_sample_rate': value => Number(value) !== 0,
  'log_lock_waits': isOn,
  'debug_print_parse': isOn,
  'debug_print_rewritten': isOn,
  'debug_print_plan': isOn,
  'pgaudit.log': value => pgauditClasses(value).has('role'),
};

function isOn(value: string): boolean {
  return ['1', 'on', 'true', 'yes'].includes(value);
}

/** Whether a PostgreSQL logging parameter's value writes the text of statements such as ALTER USER. */
function logsDdl(name: string, value: string): boolean {
  return STATEMENT_LOGGING[name]?.(value.trim()) ?? false;
}

/**
 * Why a PostgreSQL database before version 14, without `password_encryption: 'scram-sha-256'` in `parameters`, gets
 * md5 verifiers (see `md5ByDefault`): with PostgreSQL's default `log_min_error_statement = error` a statement that
 * fails (a lock timeout of the rotation's ALTER USER) is logged with its text
 * (https://www.postgresql.org/docs/current/runtime-config-logging.html). A warning: the databases deployed so are
 * working, and pinning SCRAM changes the verifier their clients must support.
 */
export function postgresMd5Warning(engine: rds.IEngine | undefined, user: Record<string, string> | undefined): string | undefined {
  const type = engine?.engineType;
  if (type !== 'postgres' && type !== 'aurora-postgresql') return undefined;
  const major = md5ByDefault(engine);
  if (major === undefined || major === 'unknown') return undefined;
  const pinned = Object.entries(user ?? {}).some(([name, value]) => name.toLowerCase() === 'password_encryption' && value.toLowerCase() === 'scram-sha-256');
  if (pinned) return undefined;
  return `\`engine\` is PostgreSQL ${major}, whose default password_encryption is md5: the rotation then sets passwords as md5 verifiers, which log in `
    + 'as the user, and PostgreSQL logs the text of a statement that fails (log_min_error_statement = error by default), so an ALTER USER that '
    + 'times out on a lock writes one to the log exported to CloudWatch Logs. Add `parameters: { password_encryption: \'scram-sha-256\' }` '
    + '(clients must support SCRAM), or use PostgreSQL 14 or later.';
}

function describeOwnedParameter(name: string): string {
  if (name === 'rds.force_ssl' || name === 'require_secure_transport') return 'connections without TLS are refused';
  return 'the audit log records logins and DDL, never DCL, where password changes would be written';
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const CLOCK = '([01][0-9]|2[0-3]):([0-5][0-9])';

/** A window as [start, length] in minutes from Monday 00:00 UTC (or from 00:00 for a daily one), or undefined when malformed. */
function parseWindow(text: string, weekly: boolean): [number, number] | undefined {
  const day = weekly ? `(${DAYS.join('|')}):` : '()';
  const match = new RegExp(`^${day}${CLOCK}-${day}${CLOCK}$`, 'i').exec(text);
  if (!match) return undefined;
  const at = (d: string, h: string, m: string) => (weekly ? DAYS.indexOf(d.toLowerCase()) * MINUTES_PER_DAY : 0) + Number(h) * 60 + Number(m);
  const start = at(match[1], match[2], match[3]);
  const period = weekly ? MINUTES_PER_WEEK : MINUTES_PER_DAY;
  // A window may run past midnight (or past Sunday into Monday).
  return [start, (at(match[4], match[5], match[6]) - start + period) % period];
}

/**
 * What is wrong with the maintenance and backup windows. CreateDBInstance and CreateDBCluster: PreferredMaintenanceWindow
 * "Must be in the format ddd:hh24:mi-ddd:hh24:mi. The day values must be mon | tue | wed | thu | fri | sat | sun. Must
 * be in Universal Coordinated Time (UTC). Must not conflict with the preferred backup window. Must be at least 30
 * minutes"; PreferredBackupWindow "Must be in the format hh24:mi-hh24:mi. [...] Must not conflict with the preferred
 * maintenance window. Must be at least 30 minutes". RDS's guide: the maintenance window and the backup window "can't
 * overlap" (AdjustingTheMaintenanceWindow.html). Tokens are left to RDS.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
 */
export function windowErrors(props: { preferredMaintenanceWindow?: string; preferredBackupWindow?: string }): string[] {
  const errors: string[] = [];
  const check = (prop: string, text: string | undefined, weekly: boolean, example: string): [number, number] | undefined => {
    if (text === undefined || Token.isUnresolved(text)) return undefined;
    const window = parseWindow(text, weekly);
    if (!window) {
      errors.push(`\`${prop}\` must be ${weekly ? 'ddd:hh24:mi-ddd:hh24:mi (days mon to sun)' : 'hh24:mi-hh24:mi'} in UTC, for example "${example}", got "${text}".`);
    } else if (window[1] < 30) {
      errors.push(`\`${prop}\` must be at least 30 minutes long (RDS's minimum), got "${text}" (${window[1]} minutes).`);
    } else {
      return window;
    }
    return undefined;
  };
  const maintenance = check('preferredMaintenanceWindow', props.preferredMaintenanceWindow, true, 'sun:03:00-sun:04:00');
  const backup = check('preferredBackupWindow', props.preferredBackupWindow, false, '01:00-02:00');
  if (maintenance && backup && DAYS.some((_, day) => overlaps(maintenance, [day * MINUTES_PER_DAY + backup[0], backup[1]]))) {
    errors.push(`\`preferredBackupWindow\` "${props.preferredBackupWindow}" overlaps \`preferredMaintenanceWindow\` "${props.preferredMaintenanceWindow}", `
      + 'which RDS refuses (the backup window is daily, both in UTC): move one of them.');
  }
  return errors;
}

/** Whether two windows of the week, [start, length] in minutes, share a minute (one that ends as the other starts does not). */
function overlaps([a, aLength]: [number, number], [b, bLength]: [number, number]): boolean {
  const from = (x: number, y: number) => (y - x + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return from(a, b) < aLength || from(b, a) < bLength;
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
