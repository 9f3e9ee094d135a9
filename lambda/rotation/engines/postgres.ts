// PostgreSQL through node-postgres.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';
import { Client } from 'pg';
import { AuthenticationFailedError, DatabaseUnreachableError, PasswordChangeFailedError } from '../errors';
import { DatabaseSecret } from '../secret';
import { tlsOptions } from '../tls';
import { DatabaseEngine, DatabaseSession } from './engine';

const CONNECT_TIMEOUT_MS = 5_000;
// invalid_password, invalid_authorization_specification
const AUTH_ERROR_CODES = new Set(['28P01', '28000']);

export const postgres: DatabaseEngine = {
  async connect(credentials: DatabaseSecret, target: DatabaseSecret): Promise<DatabaseSession> {
    const where = `${target.host}:${target.port ?? 5432}`;
    const client = new Client({
      host: target.host,
      port: target.port ?? 5432,
      database: target.dbname ?? 'postgres',
      user: credentials.username,
      password: credentials.password,
      ssl: tlsOptions() ?? false,
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
      throw new DatabaseUnreachableError(`PostgreSQL at ${where} could not be reached (${(error as Error).message}); check that it runs, and the security groups and TLS settings.`);
    }
    return new PostgresSession(client, where);
  },
};

class PostgresSession implements DatabaseSession {
  constructor(private readonly client: Client, private readonly where: string) {}

  public async setPassword(username: string, password: string): Promise<void> {
    // Utility statements take no bind parameters: quote with the driver's escaping instead.
    await this.run(`ALTER USER ${this.client.escapeIdentifier(username)} WITH PASSWORD ${this.client.escapeLiteral(scramVerifier(password))}`, username);
  }

  public async setOwnPassword(password: string): Promise<void> {
    const result = await this.client.query('SELECT current_user AS username');
    await this.setPassword(result.rows[0].username, password);
  }

  public async ensureUser(username: string, password: string, likeUsername: string): Promise<void> {
    const exists = async (name: string) => (await this.client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
    if (await exists(username)) {
      await this.setPassword(username, password);
      return;
    }
    await this.run(`CREATE ROLE ${this.client.escapeIdentifier(username)} WITH LOGIN PASSWORD ${this.client.escapeLiteral(scramVerifier(password))}`, username);
    // Membership in the original role gives the clone its privileges, as AWS's multi-user function does.
    if (await exists(likeUsername)) {
      await this.run(`GRANT ${this.client.escapeIdentifier(likeUsername)} TO ${this.client.escapeIdentifier(username)}`, username);
    }
  }

  public async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  public async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async run(sql: string, username: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (error) {
      // The driver's message names the statement's failure, never its text (which holds the password).
      throw new PasswordChangeFailedError(`PostgreSQL at ${this.where} refused to change user ${username}: ${(error as Error).message}`);
    }
  }
}

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 and 7677, PostgreSQL's text format).
 * PostgreSQL accepts it in place of the password and stores it as is, so the password itself never reaches the
 * server, where statement or error logging would write it out. The generated passwords are printable ASCII, for
 * which SASLprep changes nothing.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
