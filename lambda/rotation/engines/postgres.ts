// PostgreSQL through node-postgres, loaded on the first login: createSecret, the step a cold start usually answers,
// never logs in, so it does not pay for loading the driver (scripts/bundle-rotation.mjs ships it as its own file).
import type { Client } from 'pg';
import { AuthenticationFailedError, DatabaseUnreachableError, FINISH_THIS_ROTATION, PasswordChangeFailedError } from '../errors';
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
      await this.setPassword(username, password);
      return;
    }
    // Membership in the original role gives the clone its privileges, now and as the DBA changes them later
    // (grants reach members through the role), as AWS's multi-user function does. setSecret proved the original
    // logs in, so it exists. One transaction, as AWS's function commits once at the end: a clone whose GRANT failed
    // must not stay behind with the pending password, or the retry (which stops at a pending password that logs in)
    // would promote a clone without the original's privileges.
    await this.inTransaction(async () => {
      await this.createRole(username, password);
      await this.run(`GRANT ${this.client.escapeIdentifier(likeUsername)} TO ${this.client.escapeIdentifier(username)}`, username);
    });
  }

  public async userExists(username: string): Promise<boolean> {
    const { rows } = await this.query(`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${this.client.escapeLiteral(username)}) AS exists`);
    return rows[0].exists;
  }

  public async createPair(username: string, clone: string, clonePassword: string): Promise<void> {
    await this.readEncryption();
    // Role statements are transactional in PostgreSQL: a retry finds both roles or neither.
    await this.inTransaction(async () => {
      await this.createRole(username, unknownPassword());
      await this.createRole(clone, clonePassword);
      await this.run(`GRANT ${this.client.escapeIdentifier(username)} TO ${this.client.escapeIdentifier(clone)}`, clone);
    });
  }

  private async createRole(username: string, password: string): Promise<void> {
    await this.run(`CREATE ROLE ${this.client.escapeIdentifier(username)} WITH LOGIN PASSWORD ${this.client.escapeLiteral(this.verifier(username, password))}`, username);
  }

  private async inTransaction(work: () => Promise<void>): Promise<void> {
    await this.query('BEGIN');
    try {
      await work();
      await this.query('COMMIT');
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

  private async run(sql: string, username: string): Promise<void> {
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
          + `(${(error as Error).message}), so whether it made the change is unknown; the pending password may be the only one that logs in: ${FINISH_THIS_ROTATION} (setSecret first tries the pending password).`);
      }
      throw new PasswordChangeFailedError(`PostgreSQL at ${this.where} refused to change user ${username}: ${(error as Error).message}`);
    }
  }
}

// The verifiers live in a driver-free module so the Data API bundle can use them without node-postgres.
export { md5Verifier, scramVerifier } from './password-hashes';
