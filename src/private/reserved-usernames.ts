/**
 * User names a database engine on RDS already has or refuses. RDS refuses a reserved master user name only at
 * deploy time ("MasterUsername ... cannot be used as it is a reserved word used by the engine"), and the
 * rotation function would fail to create an application user of that name; both are caught at synth instead.
 *
 * RDS documents that the master user name "can't be a reserved word for the chosen database engine" without
 * listing the words, so the list is built from what RDS documents each engine to have:
 * - every engine: `rdsadmin` and `rdsrepladmin`, the users RDS creates to manage and replicate the instance
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.MySQL.CommonDBATasks.html#Appendix.MySQL.CommonDBATasks.users,
 *   and the roles listed in https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.html);
 * - PostgreSQL and Aurora PostgreSQL: `admin` (refused by RDS: aws-cdk changed its default user name for
 *   PostgreSQL because of it, aws/aws-cdk#10597, and cfn-lint checks it, aws-cloudformation/cfn-lint#4425),
 *   the roles RDS predefines (`rds_superuser`, `rds_replication`, `rds_iam`, `rds_password`, from the roles
 *   page above), and the names PostgreSQL itself keeps: `public`, and every name starting with `pg_`
 *   (https://www.postgresql.org/docs/current/sql-createrole.html).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (MasterUsername)
 */
const RESERVED_EVERYWHERE = ['rdsadmin', 'rdsrepladmin'];
const RESERVED_ON_POSTGRES = ['admin', 'public', 'rds_superuser', 'rds_replication', 'rds_iam', 'rds_password'];

/** The engine types of RDS and Aurora whose names follow PostgreSQL's rules. */
const POSTGRES_ENGINES = ['postgres', 'aurora-postgresql'];

/** Why `username` cannot be used on `engineType`, or undefined when it can. Compared without case. */
export function reservedUsernameError(engineType: string, username: string): string | undefined {
  const name = username.toLowerCase();
  const postgres = POSTGRES_ENGINES.includes(engineType);
  const reserved = RESERVED_EVERYWHERE.includes(name)
    || (postgres && (RESERVED_ON_POSTGRES.includes(name) || name.startsWith('pg_')));
  if (!reserved) return undefined;
  return `\`username\` "${username}" is reserved on ${engineType} (RDS or the engine already uses it); choose another name, e.g. "dbadmin".`;
}
