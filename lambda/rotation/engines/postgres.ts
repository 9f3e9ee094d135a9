// PostgreSQL through node-postgres, loaded on the first login: createSecret, the step a cold start usually answers,
// never logs in, so it does not pay for loading the driver (scripts/bundle-rotation.mjs ships it as its own file).
import type { Client } from 'pg';
import { AuthenticationFailedError, DatabaseUnreachableError, FINISH_THIS_ROTATION, PasswordChangeFailedError, unknownOutcome } from '../errors';
import { log } from '../log';
import { DatabaseSecret } from '../secret';
import { isTlsFailure, tlsFailureMessage, tlsOptions } from '../tls';
import { ConnectContext, DatabaseEngine, DatabaseSession, STATEMENT_TIMEOUT_S } from './engine';
import { postgresVerifier } from './password-hashes';
import { unknownPassword } from './unknown-password';

const CONNECT_TIMEOUT_MS = 5_000;
// invalid_password, invalid_authorization_specification
const AUTH_ERROR_CODES = new Set(['28P01', '28000']);
/** query_canceled: statement_timeout ran out. */
const CANCELED = '57014';

export const postgres: DatabaseEngine = {
  async connect(credentials: DatabaseSecret, target: DatabaseSecret, context: ConnectContext): Promise<DatabaseSession> {
    const where = `${target.host}:${target.port ?? 5432}`;
    const tls = tlsOptions(target, context.secretArn);
    const pg = await import('pg');
    const client = new pg.Client({
      host: target.host,
      port: target.port ?? 5432,
      database: target.dbname ?? 'postgres',
      user: credentials.username,
      password: credentials.password,
      ssl: tls ?? false,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // A server that goes away mid-session emits 'error'; without a listener that would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (code && AUTH_ERROR_CODES.has(code)) {
        throw new AuthenticationFailedError(`PostgreSQL at ${where} refused the password of user ${credentials.username}.`);
      }
      if (tls && isTlsFailure(error)) throw new DatabaseUnreachableError(tlsFailureMessage(`PostgreSQL at ${where}`, context.secretArn, error));
      throw new DatabaseUnreachableError(`PostgreSQL at ${where} could not be reached (${(error as Error).message}); check that it runs, and the security groups and TLS settings.`);
    }
    return new PostgresSession(client, where);
  },
};

/**
 * What every session runs before its first statement, in the same round trip. `search_path`: a database's owner sets
 * session defaults for every session in it, a superuser's too ("Whenever a new session is subsequently started in that
 * database, the specified value becomes the session default value", https://www.postgresql.org/docs/current/sql-alterdatabase.html),
 * and functions and operators of a schema placed before pg_catalog "override built-in names"
 * (https://www.postgresql.org/docs/current/ddl-schemas.html): an application user who owns the database could have the
 * superuser's session run its code. With pg_catalog first and pg_temp last, every name here is the built-in one (a SET
 * resolves no name through the search path). `statement_timeout`: the server aborts a statement that runs longer,
 * "including time spent waiting for locks" (https://www.postgresql.org/docs/current/runtime-config-client.html); set in
 * the session, not sent with the login, as a pooler such as PgBouncer refuses startup parameters it does not know.
 */
const SESSION_PREAMBLE = `SET search_path = pg_catalog, pg_temp; SET ROLE NONE; SET statement_timeout = ${STATEMENT_TIMEOUT_S * 1000}; `;

/**
 * The server's password_encryption as the session sees it, and where that value comes from
 * (https://www.postgresql.org/docs/current/view-pg-settings.html). One column list for every statement that reads it.
 */
const ENCRYPTION_COLUMNS = 's.setting AS encryption, s.source AS encryption_source';
const ENCRYPTION_FROM = "pg_settings s WHERE s.name = 'password_encryption'";


class PostgresSession implements DatabaseSession {
  /** The server's password_encryption: the verifier type it would store for a plaintext password. */
  private encryption?: string;
  private prepared = false;

  constructor(private readonly client: Client, private readonly where: string) {}

  /**
   * Runs `sql` (one statement, no bind parameters: values are quoted with the driver's escaping), after
   * SESSION_PREAMBLE on the session's first statement, in the same round trip. The statements of one message form one
   * implicit transaction, so a failure rolls the SETs back too (prepared stays false and the next statement sends
   * them again), and a BEGIN would take them into its own transaction, whose ROLLBACK would undo them: a transaction
   * never opens the session.
   */
  private async query(sql: string): Promise<{ rows: any[] }> {
    if (this.prepared) return this.client.query(sql);
    if (/^(BEGIN|COMMIT|ROLLBACK)\b/.test(sql)) {
      await this.client.query(SESSION_PREAMBLE);
      this.prepared = true;
      return this.client.query(sql);
    }
    const results = await this.client.query(SESSION_PREAMBLE + sql) as unknown as { rows: any[] }[];
    this.prepared = true;
    return results[results.length - 1];
  }

  /**
   * Takes the password_encryption a statement read (ENCRYPTION_COLUMNS). One set for the database (`ALTER DATABASE
   * ... SET`, pg_settings source `database`), which the database's owner may choose, is not followed when it is md5: the
   * owner could otherwise have the superuser store md5 verifiers (an md5 verifier logs in as the user wherever it is
   * seen; on a server that accepts SCRAM only, no login at all). SCRAM is stored instead, which a server's md5
   * authentication accepts too ("If md5 is specified ... and the user's password is encrypted for SCRAM, then SCRAM-based
   * authentication will automatically be chosen instead", https://www.postgresql.org/docs/current/auth-password.html).
   * A role's own setting (source `user` or `database user`), which only the role itself or a role administrator sets,
   * is followed.
   */
  private takeEncryption(row: { encryption: string; encryption_source: string }): void {
    if (row.encryption === 'md5' && row.encryption_source === 'database') {
      log.warn('password_encryption md5 set for the database is not followed: the password is stored as scram-sha-256', { host: this.where });
      this.encryption = 'scram-sha-256';
      return;
    }
    this.encryption = row.encryption;
  }

  private async readEncryption(): Promise<void> {
    if (this.encryption === undefined) this.takeEncryption((await this.query(`SELECT ${ENCRYPTION_COLUMNS} FROM ${ENCRYPTION_FROM}`)).rows[0]);
  }

  public async setPassword(username: string, password: string): Promise<void> {
    await this.readEncryption();
    // Utility statements take no bind parameters: quote with the driver's escaping instead.
    await this.run(`ALTER USER ${this.client.escapeIdentifier(username)} WITH PASSWORD ${this.client.escapeLiteral(this.verifier(username, password))}`, username);
  }

  public async setOwnPassword(password: string): Promise<void> {
    // One round trip for both: who we are, and which verifier the server stores.
    const result = await this.query(`SELECT current_user AS username, ${ENCRYPTION_COLUMNS} FROM ${ENCRYPTION_FROM}`);
    this.takeEncryption(result.rows[0]);
    await this.setPassword(result.rows[0].username, password);
  }

  private verifier(username: string, password: string): string {
    return postgresVerifier(this.encryption, username, password, `PostgreSQL at ${this.where}`);
  }

  public async ensureUser(username: string, password: string, likeUsername: string): Promise<void> {
    const { rows } = await this.query(
      `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${this.client.escapeLiteral(username)}) AS exists, ${ENCRYPTION_COLUMNS} FROM ${ENCRYPTION_FROM}`);
    this.takeEncryption(rows[0]);
    if (rows[0].exists) {
      // The password last: a retry stops at a pending password that logs in, which must find the settings copied.
      await this.copySettings(likeUsername, username);
      await this.setPassword(username, password);
      return;
    }
    // Membership in the original role gives the clone its privileges, now and as the DBA changes them later
    // (grants reach members through the role), as AWS's multi-user function does. setSecret proved the original
    // logs in, so it exists. One transaction, as AWS's function commits once at the end: a clone whose GRANT or
    // settings failed must not stay behind with the pending password, or the retry would promote it.
    await this.inTransaction(username, async () => {
      await this.createRole(username, password);
      await this.run(`GRANT ${this.client.escapeIdentifier(likeUsername)} TO ${this.client.escapeIdentifier(username)}`, username);
      await this.copySettings(likeUsername, username);
    });
  }

  /**
   * Gives `member`, when it is a member of `role` (the clone about to become AWSCURRENT), the settings `role` has: a
   * role's `ALTER ROLE ... [IN DATABASE ...] SET` defaults (search_path, statement_timeout, ...) are its own,
   * "applied only at login" (https://www.postgresql.org/docs/current/sql-alterrole.html), and membership passes on
   * privileges, not settings (https://www.postgresql.org/docs/current/role-membership.html). The clone's settings
   * become exactly the original's, per database; the original, whose members hold its privileges, is never changed:
   * a DBA sets them on it, whichever user is in use. Only settings that differ are written, so one the function's
   * superuser may not set (a superuser-only parameter, set by a real superuser) fails the rotation only until it is
   * set on the clone too. Values as pg_db_role_setting stores them ("name=value", a list quoted element by element);
   * written back as pg_dumpall writes them (each element of a list that quotes its elements a literal of its own).
   */
  private async copySettings(role: string, member: string): Promise<void> {
    const id = (name: string) => this.client.escapeIdentifier(name);
    const [roleName, memberName] = [role, member].map(name => this.client.escapeLiteral(name));
    // One row per setting (the bundle carries no parser of arrays), and one for a role with none.
    const { rows } = await this.query(`SELECT r.rolname = ${roleName} AS source, d.datname AS database, c.entry, EXISTS (SELECT 1 FROM pg_auth_members m `
      + `JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ${roleName} AND u.rolname = ${memberName}) AS member `
      + 'FROM pg_roles r LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid LEFT JOIN pg_database d ON d.oid = s.setdatabase '
      + `LEFT JOIN LATERAL unnest(s.setconfig) c(entry) ON true WHERE r.rolname IN (${roleName}, ${memberName})`);
    if (!rows[0]?.member) return;
    // Per database (null: every database), each setting's value.
    const settingsOf = (source: boolean) => {
      const byDatabase = new Map<string | null, Map<string, string>>();
      for (const { database, entry } of rows.filter(row => row.source === source && row.entry !== null)) {
        if (!byDatabase.has(database)) byDatabase.set(database, new Map());
        byDatabase.get(database)!.set(entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1));
      }
      return byDatabase;
    };
    const [wanted, has] = [settingsOf(true), settingsOf(false)];
    const alter = (database: string | null) => `ALTER ROLE ${id(member)}${database === null ? '' : ` IN DATABASE ${id(database)}`}`;
    const refused = (name: string) => `give ${member}, a member of ${role}, the setting ${name} of ${role} (a role's settings apply at its own login only); `
      + 'make it the same on both as a role allowed to, and the rotation leaves it';
    for (const [database, values] of wanted) {
      for (const [name, value] of values) {
        if (has.get(database)?.get(name) === value) continue;
        const literals = LIST_QUOTED_SETTINGS.has(name.toLowerCase()) ? listElements(name, value) : [value];
        await this.run(`${alter(database)} SET ${id(name)} TO ${literals.map(literal => this.client.escapeLiteral(literal)).join(', ')}`, member, refused(name));
      }
    }
    for (const [database, values] of has) {
      for (const name of values.keys()) {
        if (!wanted.get(database)?.has(name)) await this.run(`${alter(database)} RESET ${id(name)}`, member, refused(name));
      }
    }
  }

  public async userExists(username: string): Promise<boolean> {
    const { rows } = await this.query(`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${this.client.escapeLiteral(username)}) AS exists`);
    return rows[0].exists;
  }

  public async createPair(username: string, clone: string, clonePassword: string): Promise<void> {
    await this.readEncryption();
    // Role statements are transactional in PostgreSQL: a retry finds both roles or neither.
    await this.inTransaction(clone, async () => {
      await this.createRole(username, unknownPassword());
      await this.createRole(clone, clonePassword);
      await this.run(`GRANT ${this.client.escapeIdentifier(username)} TO ${this.client.escapeIdentifier(clone)}`, clone);
    });
  }

  private async createRole(username: string, password: string): Promise<void> {
    await this.run(`CREATE ROLE ${this.client.escapeIdentifier(username)} WITH LOGIN PASSWORD ${this.client.escapeLiteral(this.verifier(username, password))}`, username);
  }

  private async inTransaction(username: string, work: () => Promise<void>): Promise<void> {
    await this.query('BEGIN');
    try {
      await work();
      // Through run: a connection lost before the answer to COMMIT leaves the outcome unknown, as for any change.
      await this.run('COMMIT', username);
    } catch (error) {
      await this.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  public async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  public async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async run(sql: string, username: string, action = `change user ${username}`): Promise<void> {
    try {
      // Bounded by the preamble's statement_timeout.
      await this.query(sql);
    } catch (error) {
      if ((error as { code?: string }).code === CANCELED) {
        throw new PasswordChangeFailedError(`PostgreSQL at ${this.where}: changing user ${username} did not finish within ${STATEMENT_TIMEOUT_S} s, waiting for a lock `
          + `another session holds (an open transaction that changed the role?). The server cancelled it: the password is unchanged. Once that session ends, ${FINISH_THIS_ROTATION}.`);
      }
      // The driver's message names the statement's failure, never its text (which holds the password). Only the
      // server's own errors (a DatabaseError, which carries a severity) say the change was refused: a connection lost
      // before the answer leaves it unknown whether the statement committed (review DV).
      if ((error as { severity?: string }).severity === undefined) {
        throw new PasswordChangeFailedError(`PostgreSQL at ${this.where}: the connection ended before the server answered the change of user ${username} `
          + `(${(error as Error).message}), so whether it made the change is unknown; ${unknownOutcome(username === this.client.user)}`);
      }
      throw new PasswordChangeFailedError(`PostgreSQL at ${this.where} refused to ${action}: ${(error as Error).message}`);
    }
  }
}

/**
 * The settings whose value is a list that PostgreSQL stores element by element, each quoted as an identifier where it
 * needs to be: given as one literal, such a list would be taken as one element. The list pg_dump keeps for the same
 * purpose (variable_is_guc_list_quote); an extension's own list setting is copied as one value.
 */
const LIST_QUOTED_SETTINGS = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories']);

/** The elements of such a stored list (`"$user", public`): bare, or in double quotes with a quote inside doubled. */
function listElements(name: string, value: string): string[] {
  const element = /\s*(?:"((?:[^"]|"")*)"|([^",]*?))\s*(,|$)/y;
  const elements: string[] = [];
  for (let match; (match = element.exec(value)) !== null;) {
    elements.push(match[1] === undefined ? match[2] : match[1].replace(/""/g, '"'));
    if (match[3] === '') return elements;
  }
  throw new PasswordChangeFailedError(`The stored value of the role setting ${name} is not a list the rotation can read; the pending password was not set.`);
}

// The verifiers live in a driver-free module so the Data API bundle can use them without node-postgres.
export { md5Verifier, scramVerifier } from './password-hashes';
