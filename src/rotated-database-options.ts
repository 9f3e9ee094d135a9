import { Duration, RemovalPolicy, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import type { RotationFunction } from './rotation-function';
import { RotationOptions } from './rotation-options';
import { MonitoringOptions } from './secret-monitoring';

/**
 * What `RotatedDatabase` and `RotatedAuroraCluster` share: where the database goes, who reads its credentials,
 * how they are encrypted, monitored and rotated, and how the database is kept.
 */
export interface RotatedDatabaseBaseProps extends RotationOptions {
  /** The VPC to place the database and the rotation function in. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets for the database. The databases of a stack with the same VPC and subnets share one DB subnet group; an
   * app whose databases were deployed with an earlier version of this library keeps one per database with the context
   * key `cdk-protected-secrets:shareDbSubnetGroups: false` (moving a deployed database to another group replaces it).
   * @default - the VPC's isolated subnets, or its private subnets with egress when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The name of a database to create; `RotatedDatabase` also writes it to the secret as `dbname`. A letter, then
   * letters, digits and underscores: at most 63 characters on PostgreSQL, 64 on MySQL and MariaDB. Changing it on a
   * deployed database replaces its instance or cluster (an empty new one).
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
   * @default - none (the engine's default database)
   */
  readonly databaseName?: string;

  /**
   * Principals that may read the database credentials.
   * @default - only the rotation function
   */
  readonly secretReaders?: iam.IPrincipal[];

  /**
   * Roles or users that deploy this stack with their own credentials (no CloudFormation service role: the
   * `CliCredentialsStackSynthesizer`, or `cdk deploy` without a role), exempt from the secret's deny. CloudFormation,
   * acting as them, resolves the database's `{{resolve:secretsmanager:...}}` master password and writes the host
   * into the secret; the deny refuses both to anyone else. See `ProtectedSecretProps.deployRoles`. With
   * `superuserSecret`, the instance's master password is that secret's: exempt the deployers there too. The rotation
   * function exempts them too, from its proof key's deny of changes, when it is in this stack; a function in another
   * stack (the VPC's, when this stack is not the VPC's) does not (see `RotationFunctionProps.deployRoles`).
   * @default - only the synthesizer's CloudFormation execution role, when the synthesizer names one
   */
  readonly deployRoles?: iam.IPrincipal[];

  /**
   * Principals exempt from the deny of the database's own `secret`, for emergency access (a DBA's break-glass role).
   * They still need an IAM policy that allows the action. A `superuserSecret` is yours: give it its own
   * `breakGlassPrincipals`. See `ProtectedSecretProps.breakGlassPrincipals`.
   * @default - none
   */
  readonly breakGlassPrincipals?: iam.IPrincipal[];

  /**
   * Alerts on changes to the credentials, on their rotations (with an alarm on the rotation function's errors)
   * and on use of deprecated versions.
   * @default - monitoring on, alerts to the stack's shared KMS-encrypted SNS topic
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * The customer-managed key for the secret and the database storage. While the database keeps its data (a
   * `removalPolicy` other than `DESTROY`), a key whose removal policy would delete it is refused at synth. A key of
   * this app must be a symmetric encryption key (the default `keySpec` and `keyUsage`), and enabled.
   * @default - the secret's new key, with a policy statement that lets RDS use it
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The rotation function to use, e.g. one in a shared network stack: the grants, invoke permission, schedule and
   * security-group rules that name this database and its secret are written in this construct's stack. Changing it on
   * a deployed database (or setting it in place of the shared one) moves the rotations to that function, whose proof
   * key differs: see "Changes a deployed database cannot take" in the README.
   * @default - the shared function of this VPC and the database's subnets (or `rotationFunctionSubnets`), created in the VPC's stack
   */
  readonly rotationFunction?: RotationFunction;

  /**
   * Refuse deletion of the database. With deletion protection on, `cdk destroy` (or any removal of the database from
   * the stack) fails: RDS refuses to delete it. See "Deleting a stack" in the README.
   * @default true, false when `removalPolicy` is `RemovalPolicy.DESTROY`
   */
  readonly deletionProtection?: boolean;

  /**
   * How long automated backups are kept: a whole number of days, between 1 and 35.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;

  /**
   * The weekly time range, in UTC, during which RDS may apply maintenance that takes the database offline:
   * `ddd:hh24:mi-ddd:hh24:mi` (days `mon` to `sun`), at least 30 minutes, not overlapping `preferredBackupWindow`
   * (set both: a window given alone is not checked against the one RDS picked for the other). `RotatedAuroraCluster`
   * gives it to the cluster and its writer instance.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
   * @default - a 30-minute window RDS picks at random from an 8-hour block of the Region
   */
  readonly preferredMaintenanceWindow?: string;

  /**
   * The daily time range, in UTC, during which RDS takes the automated backups: `hh24:mi-hh24:mi`, at least 30 minutes,
   * not overlapping `preferredMaintenanceWindow`.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
   * @default - a 30-minute window RDS picks at random from an 8-hour block of the Region
   */
  readonly preferredBackupWindow?: string;

  /**
   * Engine parameters of the database's parameter group (`RotatedAuroraCluster`: its DB cluster parameter group),
   * beside the construct's own, which it refuses to let you change (their own values, under their own names, are accepted): the TLS
   * requirement (`rds.force_ssl`, `require_secure_transport`) and Aurora MySQL's audit settings (`server_audit_logging`,
   * `server_audit_events`). Also refused: Aurora MySQL's `server_audit_excl_users`/`server_audit_incl_users`,
   * PostgreSQL's `password_encryption` other than `scram-sha-256`, and on PostgreSQL before 14 (md5 by default)
   * statement logging (`log_statement` `ddl`/`mod`/`all`, `log_min_duration_statement`, `log_min_duration_sample`,
   * `log_transaction_sample_rate`, `log_lock_waits`, `debug_print_*`; not pgaudit, which redacts passwords) unless
   * `password_encryption: 'scram-sha-256'` is in `parameters` too: the rotation's password statements would reach the
   * log with an md5 hash, which logs in. PostgreSQL before 14 warns without `password_encryption: 'scram-sha-256'`.
   * A database with parameters gets a group of its own (without, it shares its stack's), so a later change of them
   * updates the group in place: dynamic parameters apply at once, static ones at the next reboot. Giving a deployed
   * database its first parameters, or removing them all, moves it to another group, whose parameters RDS applies
   * only after a reboot (see the README, "Engine parameters").
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RebootInstance.html
   * @default - only the construct's own parameters
   */
  readonly parameters?: Record<string, string>;

  /**
   * What happens to the database when it leaves the stack. The secret and its key keep their own policy (retained):
   * for a stack you destroy and deploy again, also call `applyRemovalPolicy` on `secret`, or a secret with a
   * `secretName` left behind makes the next CreateSecret of that name fail. The secret's key also encrypts the
   * database's storage: unless this is `DESTROY`, it is kept even when `secret.applyRemovalPolicy(DESTROY)` deletes the
   * secret, since the final snapshot or the retained database needs it.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How often RDS Enhanced Monitoring collects OS metrics (of the writer, for a cluster); `Duration.seconds(0)`
   * switches it off. One monitoring role per stack is shared by all databases.
   * @default Duration.seconds(60)
   */
  readonly monitoringInterval?: Duration;

  /**
   * How long CloudWatch Logs keeps the logs the database exports (PostgreSQL: `postgresql` and `upgrade`; MySQL and
   * MariaDB: `audit`, `error`, `general` and `slowquery`; Aurora: its engine's). RDS writes each to a log group of its
   * own, such as `/aws/rds/instance/<id>/<log>`, which RDS creates
   * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.MySQLDB.PublishtoCloudWatchLogs.html), so
   * aws-cdk-lib sets the retention after the fact: one `Custom::LogRetention` resource per log and one function per
   * stack. Logs are billed for storage for as long as they are kept; the audit log is the evidence of who changed what.
   * @see https://docs.aws.amazon.com/cdk/api/latest/docs/@aws-cdk_aws-logs.RetentionDays.html
   * @default - kept forever (aws-cdk-lib's default: "never expire logs"), no resource added
   */
  readonly cloudwatchLogsRetention?: logs.RetentionDays;
}
