// The engine parameters a user may add to a database's parameter group, beside the library's own.
import { Token, aws_rds as rds } from 'aws-cdk-lib';

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
    if (sameSetting(mine.value, value)) {
      return [`\`parameters\` names "${name}", the construct's own ${mine.name} spelt otherwise, which the group would hold beside it: `
        + `write "${mine.name}", or leave it out.`];
    }
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
  if (engineType === 'aurora-postgresql') errors.push(...babelfishErrors(named));
  return errors;
}

/**
 * Babelfish on an Aurora PostgreSQL cluster: `rds.babelfish_status` turns it on
 * ("ParameterName=rds.babelfish_status,ParameterValue=on",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-create.html), `datatypesonly` keeps its data
 * types (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-remove.html), and "Babelfish doesn't
 * support the following Aurora features: ... RDS Data API with Aurora PostgreSQL Serverless v2 and provisioned"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-limitations.html). The rotation function
 * reaches Aurora only through the Data API, so any value but `off` (a token included, which may be anything) is refused.
 */
function babelfishErrors(named: (name: string) => [string, string] | undefined): string[] {
  const status = named('rds.babelfish_status');
  if (!status || (!Token.isUnresolved(status[1]) && status[1].trim().toLowerCase() === 'off')) return [];
  return [`\`parameters\` must not set "${status[0]}" to "${status[1]}": that turns Babelfish on (or keeps its data types), and "Babelfish doesn't support `
    + 'the following Aurora features: ... RDS Data API with Aurora PostgreSQL Serverless v2 and provisioned" '
    + '(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-limitations.html), the only way the rotation function reaches '
    + 'Aurora: no rotation could run. Leave it out of `parameters`, or set it to "off".'];
}

/**
 * Whether two values of a parameter are the same setting: alike in any case, `1`, `on` and `true` alike, and a list
 * (`CONNECT,QUERY_DDL`) in any order.
 */
function sameSetting(a: string, b: string): boolean {
  if (Token.isUnresolved(b)) return false;
  const normal = (v: string) => v.split(',').map(item => item.trim().toLowerCase()).map(item => (isOn(item) ? '1' : item)).sort().join(',');
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

/**
 * PostgreSQL parameters that write a statement's text to the log, and whether a value does for ALTER USER
 * (https://www.postgresql.org/docs/current/runtime-config-logging.html): statements by kind, statements slower than a
 * threshold (-1 turns it off), sampled statements and transactions, statements waiting on a lock, the parse and plan
 * trees. Not pgaudit: it writes CREATE/ALTER ROLE with everything after the password token replaced by <REDACTED>
 * (https://github.com/pgaudit/pgaudit/blob/main/pgaudit.c, "redact all text in the command after the password token").
 */
const STATEMENT_LOGGING: Record<string, (value: string) => boolean> = {
  log_statement: value => ['ddl', 'mod', 'all'].includes(value),
  log_min_duration_statement: value => value !== '-1',
  log_min_duration_sample: value => value !== '-1',
  log_transaction_sample_rate: value => Number(value) !== 0,
  log_lock_waits: isOn,
  debug_print_parse: isOn,
  debug_print_rewritten: isOn,
  debug_print_plan: isOn,
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
    + 'times out on a lock writes one to the log exported to CloudWatch Logs; every snapshot and restored copy holds the current one too. '
    + 'Add `parameters: { password_encryption: \'scram-sha-256\' }` '
    + '(clients must support SCRAM), or use PostgreSQL 14 or later.';
}

function describeOwnedParameter(name: string): string {
  if (name === 'rds.force_ssl' || name === 'require_secure_transport') return 'connections without TLS are refused';
  return 'the audit log records logins and DDL, never DCL, where password changes would be written';
}
