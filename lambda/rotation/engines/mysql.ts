// MySQL and MariaDB through mysql2, loaded on the first login: createSecret, the step a cold start usually answers,
// never logs in, so it does not pay for loading the driver (scripts/bundle-rotation.mjs ships it as its own file).
import type { Connection } from 'mysql2/promise';
import { AuthenticationFailedError, DatabaseUnreachableError, FINISH_THIS_ROTATION, PasswordChangeFailedError, SecretMalformedError, unknownOutcome } from '../errors';
import { DatabaseSecret } from '../secret';
import { isTlsFailure, tlsFailureMessage, tlsOptions } from '../tls';
import { ConnectContext, DatabaseEngine, DatabaseSession, STATEMENT_TIMEOUT_S } from './engine';
import { nativePasswordHash } from './password-hashes';
import { unknownPassword } from './unknown-password';

const CONNECT_TIMEOUT_MS = 5_000;
/** ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR. */
const AUTH_ERRNOS = new Set([1044, 1045, 1698]);
/** ER_LOCK_WAIT_TIMEOUT, and MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time). */
const SERVER_TIMEOUTS = new Set([1205, 1969]);
// A quoted string as SHOW GRANTS writes it: MariaDB doubles a quote inside (`O''Brien`) and a backslash.
const QUOTED = "'(?:[^'\\\\]|\\\\.|'')*'";
/**
 * MariaDB's SHOW GRANTS repeats the password hash (`IDENTIFIED BY PASSWORD '*…'`, `IDENTIFIED VIA plugin USING '…'`,
 * several plugins joined by OR: "IDENTIFIED {VIA|WITH} authentication_plugin [{USING|AS} 'authentication_string']
 * [OR ...]", https://mariadb.com/kb/en/create-user/#identified-viawith-authentication_plugin).
 */
const PLUGIN = `(?:VIA|WITH)\\s+\\S+(?:\\s+(?:USING|AS)\\s+${QUOTED})?`;
const IDENTIFIED_CLAUSE = new RegExp(`\\s+IDENTIFIED\\s+(?:BY\\s+PASSWORD\\s+${QUOTED}|${PLUGIN}(?:\\s+OR\\s+\\S+(?:\\s+(?:USING|AS)\\s+${QUOTED})?)*)`, 'i');
/** ... and the TLS requirement, which is copied by its own statement (MySQL 8 refuses REQUIRE in GRANT). */
const REQUIRE_CLAUSE = new RegExp(`\\s+REQUIRE\\s+(?:NONE|SSL|X509|(?:CIPHER|ISSUER|SUBJECT)\\s+${QUOTED}(?:\\s+AND\\s+(?:CIPHER|ISSUER|SUBJECT)\\s+${QUOTED})*)`, 'i');

/**
 * The lines of `SHOW GRANTS FOR like@USER_HOST` as the statements that give the same to `target`, all or none. A line
 * names the application user's objects as they are, and an object's name may hold any text (a column named
 * `` `x TO 'q'@'r` ``): only the grantee clause, the last ` TO <like>@<host>` of the line, and what follows it (the
 * password hash and TLS requirement MariaDB repeats there) are rewritten, never the names before it. MariaDB's
 * `SET DEFAULT ROLE r FOR <like>@<host>` gets the same treatment of its `FOR` clause: the clone needs the default role
 * active at login too (https://mariadb.com/kb/en/set-default-role/). MySQL 8's partial revokes (a `REVOKE ... FROM`
 * line after the global GRANT, https://dev.mysql.com/doc/refman/8.0/en/partial-revokes.html) are refused before any
 * statement runs: granting the global privilege first would leave the other user without the restriction if the
 * REVOKE failed.
 */
export function grantStatements(lines: string[], like: string, target: string): string[] {
  // checkName allows no quote in a user name; a backtick SHOW GRANTS doubles inside one. So these are the grantee
  // exactly as SHOW GRANTS writes it.
  const grantees = [`\`${like.replace(/`/g, '``')}\`@\`${USER_HOST}\``, `'${like}'@'${USER_HOST}'`];
  return lines.map(line => {
    if (/^REVOKE\s/i.test(line)) {
      throw new PasswordChangeFailedError(`SHOW GRANTS for ${like}@${USER_HOST} lists a partial revoke (REVOKE ... FROM), which the rotation does not copy `
        + '(https://dev.mysql.com/doc/refman/8.0/en/partial-revokes.html). Nothing was copied; the other user is unchanged. Give the user its privileges '
        + 'without partial revokes, or rotate it single-user.');
    }
    for (const keyword of [' TO ', ' FOR ']) {
      const at = Math.max(...grantees.map(grantee => line.lastIndexOf(`${keyword}${grantee}`)));
      if (at < 0) continue;
      const grantee = grantees.find(g => line.startsWith(`${keyword}${g}`, at))!;
      const rest = line.slice(at + keyword.length + grantee.length).replace(IDENTIFIED_CLAUSE, '').replace(REQUIRE_CLAUSE, '');
      return `${line.slice(0, at)}${keyword}${target}${rest}`;
    }
    // Not the line itself in the message: MariaDB's repeat the password hash.
    throw new PasswordChangeFailedError(`SHOW GRANTS for ${like}@${USER_HOST} returned a line that names no grantee ${like}@${USER_HOST} (it starts `
      + `"${line.split(' ')[0]}"). Nothing was copied; the other user is unchanged.`);
  });
}
/** The characters mysql2 escapes with a backslash in a string value (its sql-escaper's escape set). */
const ESCAPED_BY_MYSQL2 = /[\0\b\t\n\r\x1a"'\\]/;
/** RDS creates users for any host; the rotation keeps to that. */
const USER_HOST = '%';

export const mysql: DatabaseEngine = {
  async connect(credentials: DatabaseSecret, target: DatabaseSecret, context: ConnectContext): Promise<DatabaseSession> {
    const where = `${target.host}:${target.port ?? 3306}`;
    const tls = tlsOptions(target, context.secretArn);
    const { createConnection } = await import('mysql2/promise');
    let connection: Connection;
    try {
      connection = await createConnection({
        host: target.host,
        port: target.port ?? 3306,
        user: credentials.username,
        password: credentials.password,
        database: target.dbname,
        // mysql2 checks the certificate's host name only when asked (verifyIdentity): without it, any certificate
        // of the trusted CA, any RDS instance's of any account, would pass for this database.
        ssl: tls ? { ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized, verifyIdentity: tls.rejectUnauthorized } : undefined,
        connectTimeout: CONNECT_TIMEOUT_MS,
      });
    } catch (error) {
      const { code, errno } = error as { code?: string; errno?: number };
      if ((errno !== undefined && AUTH_ERRNOS.has(errno)) || /ACCESS_DENIED/.test(code ?? '')) {
        // The server answers a login without the client certificate a user requires with the same error.
        throw new AuthenticationFailedError(`MySQL/MariaDB at ${where} refused the password of user ${credentials.username} (or the user requires a client `
          + 'certificate, REQUIRE X509, ISSUER or SUBJECT, which the rotation function does not present).');
      }
      if (tls && isTlsFailure(error)) throw new DatabaseUnreachableError(tlsFailureMessage(`MySQL/MariaDB at ${where}`, context.secretArn, error));
      throw new DatabaseUnreachableError(`MySQL/MariaDB at ${where} could not be reached (${(error as Error).message}); check that it runs, and the security groups and TLS settings.`);
    }
    connection.on('error', () => undefined);
    return new MysqlSession(connection, where);
  },
};

class MysqlSession implements DatabaseSession {
  private mariadb?: boolean;
  private backslashIsOrdinary?: boolean;
  private timeoutsSet = false;

  constructor(private readonly connection: Connection, private readonly where: string) {}

  public async setPassword(username: string, password: string): Promise<void> {
    checkName(username);
    if (await this.isMariaDb()) {
      await this.run('ALTER USER ?@? IDENTIFIED BY PASSWORD ?', [username, USER_HOST, nativePasswordHash(password)], username);
    } else {
      await this.run(`ALTER USER ${this.account(username)} IDENTIFIED BY ${await this.stringLiteral(password)}`, [], username);
    }
  }

  public async setOwnPassword(password: string): Promise<void> {
    // ALTER USER needs CREATE USER on MariaDB even for oneself; SET PASSWORD does not. MySQL 8 dropped PASSWORD().
    const [rows] = await this.connection.query('SELECT CURRENT_USER() AS account');
    const username = (rows as { account: string }[])[0].account.split('@')[0];
    if (await this.isMariaDb()) {
      await this.run('SET PASSWORD = ?', [nativePasswordHash(password)], username);
    } else {
      await this.run(`ALTER USER CURRENT_USER() IDENTIFIED BY ${await this.stringLiteral(password)}`, [], username);
    }
  }

  public async ensureUser(username: string, password: string, likeUsername: string): Promise<void> {
    checkName(username);
    checkName(likeUsername);
    // A new user starts with a password nobody is given; the pending one is set last, once the grants and the TLS
    // requirement are in place (AWS's multi-user function also sets it last). Account statements commit one by one
    // here, and a retried setSecret stops at a pending password that logs in: it must never find one on a user whose
    // grants were not all copied.
    if (!(await this.exists(username))) await this.createUsers([[username, unknownPassword()]]);
    // On every rotation, as AWS's multi-user functions do: the grants and TLS requirements a DBA gave the original
    // since the last rotation must reach the user about to become AWSCURRENT. Never the password hash.
    const [grants] = await this.connection.query('SHOW GRANTS FOR ?@?', [likeUsername, USER_HOST]);
    const target = `${this.connection.escape(username)}@${this.connection.escape(USER_HOST)}`;
    // Every line is turned into its statement before any runs: a line that cannot be copied changes nothing.
    for (const grant of grantStatements((grants as Record<string, string>[]).map(row => Object.values(row)[0]), likeUsername, target)) {
      await this.run(grant, [], username);
    }
    await this.copyTlsRequirement(likeUsername, username);
    await this.setPassword(username, password);
  }

  public async userExists(username: string): Promise<boolean> {
    checkName(username);
    const [rows] = await this.connection.query('SELECT 1 FROM mysql.user WHERE User = ?', [username]);
    return (rows as unknown[]).length > 0;
  }

  public async createPair(username: string, clone: string, clonePassword: string): Promise<void> {
    checkName(username);
    checkName(clone);
    // One statement: MySQL 8 creates all its accounts or none (https://dev.mysql.com/doc/refman/8.0/en/atomic-ddl.html);
    // MariaDB skips only accounts that exist, and setSecret has just found that neither does. The user is new, so
    // the clone has nothing to copy from it.
    await this.createUsers([[username, unknownPassword()], [clone, clonePassword]]);
  }

  /** CREATE USER for each [name, password] at RDS's host, in one statement; MariaDB gets hashes (see isMariaDb). */
  private async createUsers(users: [string, string][]): Promise<void> {
    const mariadb = await this.isMariaDb();
    const clauses: string[] = [];
    for (const [name, password] of users) {
      const literal = mariadb ? `PASSWORD ${this.connection.escape(nativePasswordHash(password))}` : await this.stringLiteral(password);
      clauses.push(`${this.account(name)} IDENTIFIED BY ${literal}`);
    }
    await this.run(`CREATE USER ${clauses.join(', ')}`, [], users[users.length - 1][0]);
  }

  /** `'name'@'%'`: names and the host hold no character the two escaping modes treat differently. */
  private account(username: string): string {
    return `${this.connection.escape(username)}@${this.connection.escape(USER_HOST)}`;
  }

  /**
   * A string literal as the server reads it: escaped by mysql2 with backslashes, or, on a server whose sql_mode has
   * NO_BACKSLASH_ESCAPES (a backslash is then "an ordinary character like any other",
   * https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sqlmode_no_backslash_escapes), with the doubled quote as
   * its only escape. For MySQL's `IDENTIFIED BY` (the password itself) and a certificate subject or issuer, which may
   * hold `\` or `'`. The mode is read only for a value holding a character mysql2 would escape: the default
   * excludeCharacters leaves none in a password, so a default rotation costs no round trip more. The statements carry
   * no placeholder, which mysql2 would also look for inside the literal.
   */
  private async stringLiteral(value: string): Promise<string> {
    if (!ESCAPED_BY_MYSQL2.test(value) || !(await this.noBackslashEscapes())) return this.connection.escape(value);
    return `'${value.replace(/'/g, "''")}'`;
  }

  private async noBackslashEscapes(): Promise<boolean> {
    if (this.backslashIsOrdinary === undefined) {
      const [rows] = await this.connection.query('SELECT @@SESSION.sql_mode AS mode');
      this.backslashIsOrdinary = /NO_BACKSLASH_ESCAPES/i.test(String((rows as { mode: string }[])[0].mode));
    }
    return this.backslashIsOrdinary;
  }

  /**
   * Gives `username` the TLS requirement (REQUIRE SSL, X509, or issuer/subject/cipher) of `likeUsername` when that
   * one is stricter. Never weaker: a DBA who tightens one user of the pair (whichever is not AWSCURRENT at the
   * time) must not be undone by copying the other's looser setting back onto it; the next rotation copies it over.
   */
  private async copyTlsRequirement(likeUsername: string, username: string): Promise<void> {
    const [rows] = await this.connection.query('SELECT User AS user, ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE Host = ? AND User IN (?, ?)',
      [USER_HOST, likeUsername, username]);
    const byUser = new Map((rows as Record<string, string | Buffer | null>[]).map(row => [String(row.user), row]));
    const like = byUser.get(likeUsername);
    const own = byUser.get(username);
    if (!like || !own || strictness(like) <= strictness(own)) return;
    const text = (value: string | Buffer | null | undefined) => (value === null || value === undefined ? '' : value.toString());
    const specified = [['CIPHER', like.ssl_cipher], ['ISSUER', like.x509_issuer], ['SUBJECT', like.x509_subject]]
      .filter(([, value]) => text(value) !== '');
    const literals: string[] = [];
    for (const [keyword, value] of specified) literals.push(`${keyword} ${await this.stringLiteral(text(value))}`);
    const require = { ANY: 'SSL', X509: 'X509' }[text(like.ssl_type)] ?? literals.join(' AND ');
    await this.run(`ALTER USER ${this.account(username)} REQUIRE ${require}`, [], username);
  }

  public async ping(): Promise<void> {
    await this.connection.query('SELECT 1');
  }

  public async close(): Promise<void> {
    await this.connection.end().catch(() => undefined);
  }

  private async run(sql: string, values: unknown[], username: string): Promise<void> {
    try {
      // The server ends a change that waits longer: closing the connection would not, the server runs the statement
      // once the lock is released. MySQL: lock_wait_timeout, "the timeout in seconds for attempts to acquire metadata
      // locks" (https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_lock_wait_timeout; not
      // tested here, no MySQL server installs). MariaDB kept a user change waiting on FLUSH TABLES WITH READ LOCK past it (seen here),
      // so it also gets max_statement_time, which covers "all queries, not just SELECT statements"
      // (https://mariadb.com/kb/en/server-system-variables/#max_statement_time); MySQL has no such variable.
      if (!this.timeoutsSet) {
        const mariadb = await this.isMariaDb();
        await this.connection.query(`SET SESSION lock_wait_timeout = ${STATEMENT_TIMEOUT_S}${mariadb ? `, max_statement_time = ${STATEMENT_TIMEOUT_S}` : ''}`);
        this.timeoutsSet = true;
      }
      // mysql2's own timeout, for a server that does not answer at all, only stops waiting.
      await this.connection.query({ sql, values, timeout: (STATEMENT_TIMEOUT_S + 5) * 1000 });
    } catch (error) {
      const { code, errno, sqlMessage, sqlState } = error as { code?: string; errno?: number; sqlMessage?: string; sqlState?: string };
      const change = `MySQL/MariaDB at ${this.where}: changing user ${username}`;
      const own = username === this.connection.config.user;
      if (errno !== undefined && SERVER_TIMEOUTS.has(errno)) {
        throw new PasswordChangeFailedError(`${change} did not finish within ${STATEMENT_TIMEOUT_S} s, waiting for a lock another session holds `
          + `(a backup's FLUSH TABLES WITH READ LOCK?). The server cancelled it: the password is unchanged. Once the lock is released, ${FINISH_THIS_ROTATION}.`);
      }
      if (code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
        this.connection.destroy();
        throw new PasswordChangeFailedError(`${change} got no answer within ${STATEMENT_TIMEOUT_S + 5} s; the function closed the connection, and whether the `
          + `server made the change is unknown; ${unknownOutcome(own)}`);
      }
      // Only the server's own errors (with a SQLSTATE) say the change was refused: a connection lost before the answer
      // (PROTOCOL_CONNECTION_LOST, ECONNRESET) leaves it unknown whether the statement committed (review DV).
      if (sqlState === undefined) {
        this.connection.destroy();
        throw new PasswordChangeFailedError(`${change}: the connection ended before the server answered (${code ?? 'error'}), so whether the server made the change `
          + `is unknown; ${unknownOutcome(own)}`);
      }
      throw new PasswordChangeFailedError(`MySQL/MariaDB at ${this.where} refused to change user ${username}: ${code ?? 'error'} ${withoutHashes(sqlMessage ?? '')}`.trim());
    }
  }

  /**
   * MariaDB writes statements to its general and audit logs as sent, passwords included; MySQL rewrites them.
   * So MariaDB gets the password's hash, never the password.
   */
  private async isMariaDb(): Promise<boolean> {
    if (this.mariadb === undefined) {
      const [rows] = await this.connection.query('SELECT VERSION() AS version');
      this.mariadb = /mariadb/i.test((rows as { version: string }[])[0].version);
    }
    return this.mariadb;
  }

  private async exists(username: string): Promise<boolean> {
    const [rows] = await this.connection.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [username, USER_HOST]);
    return (rows as unknown[]).length > 0;
  }
}

/**
 * Refuses a user name holding a character mysql2 escapes with a backslash: names go into statements with mysql2's
 * escaping, which a server with NO_BACKSLASH_ESCAPES reads otherwise (see stringLiteral). RotatedDatabase allows
 * letters, digits and underscores only; a secret written by hand may hold anything.
 */
function checkName(username: string): void {
  if (ESCAPED_BY_MYSQL2.test(username)) {
    throw new SecretMalformedError(`The user name ${JSON.stringify(username)} holds a quote, a backslash or a control character, which the rotation does not put in MySQL statements; rename the user.`);
  }
}

/** How much TLS a mysql.user row demands: none, any TLS, a client certificate, a specific certificate or cipher. */
function strictness(row: Record<string, string | Buffer | null>): number {
  const type = row.ssl_type === null ? '' : row.ssl_type.toString();
  return { '': 0, 'ANY': 1, 'X509': 2, 'SPECIFIED': 3 }[type] ?? 3;
}

// In a driver-free module so the Data API bundle can use it without mysql2.
export { nativePasswordHash } from './password-hashes';

/**
 * A server message without what could be a password or its hash: a syntax error quotes the statement near the error
 * ("near '...'"), and the statements here carry hashes (MariaDB) or passwords (MySQL's IDENTIFIED BY), so the quote is
 * dropped; quoted strings longer than a user or host name are dropped from any other message.
 */
function withoutHashes(message: string): string {
  return message.replace(/ near '[\s\S]*$/, ' near (the statement is not shown: it may hold a password hash)').replace(/'[^']{33,}'/g, "'…'");
}
