// MySQL and MariaDB through mysql2.
import { createHash } from 'crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { AuthenticationFailedError, DatabaseUnreachableError, PasswordChangeFailedError } from '../errors';
import { DatabaseSecret } from '../secret';
import { tlsOptions } from '../tls';
import { DatabaseEngine, DatabaseSession } from './engine';

const CONNECT_TIMEOUT_MS = 5_000;
/** ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR. */
const AUTH_ERRNOS = new Set([1044, 1045, 1698]);
/** RDS creates users for any host; the rotation keeps to that. */
const USER_HOST = '%';

export const mysql: DatabaseEngine = {
  async connect(credentials: DatabaseSecret, target: DatabaseSecret): Promise<DatabaseSession> {
    const where = `${target.host}:${target.port ?? 3306}`;
    const tls = tlsOptions();
    let connection: Connection;
    try {
      connection = await createConnection({
        host: target.host,
        port: target.port ?? 3306,
        user: credentials.username,
        password: credentials.password,
        database: target.dbname,
        ssl: tls ? { ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized } : undefined,
        connectTimeout: CONNECT_TIMEOUT_MS,
      });
    } catch (error) {
      const { code, errno } = error as { code?: string; errno?: number };
      if ((errno !== undefined && AUTH_ERRNOS.has(errno)) || /ACCESS_DENIED/.test(code ?? '')) {
        throw new AuthenticationFailedError(`MySQL/MariaDB at ${where} refused the password of user ${credentials.username}.`);
      }
      throw new DatabaseUnreachableError(`MySQL/MariaDB at ${where} could not be reached (${(error as Error).message}); check that it runs, and the security groups and TLS settings.`);
    }
    connection.on('error', () => undefined);
    return new MysqlSession(connection, where);
  },
};

class MysqlSession implements DatabaseSession {
  private mariadb?: boolean;

  constructor(private readonly connection: Connection, private readonly where: string) {}

  public async setPassword(username: string, password: string): Promise<void> {
    if (await this.isMariaDb()) {
      await this.run('ALTER USER ?@? IDENTIFIED BY PASSWORD ?', [username, USER_HOST, nativePasswordHash(password)], username);
    } else {
      await this.run('ALTER USER ?@? IDENTIFIED BY ?', [username, USER_HOST, password], username);
    }
  }

  public async setOwnPassword(password: string): Promise<void> {
    // ALTER USER needs CREATE USER on MariaDB even for oneself; SET PASSWORD does not. MySQL 8 dropped PASSWORD().
    const [rows] = await this.connection.query('SELECT CURRENT_USER() AS account');
    const username = (rows as { account: string }[])[0].account.split('@')[0];
    if (await this.isMariaDb()) await this.run('SET PASSWORD = ?', [nativePasswordHash(password)], username);
    else await this.run('ALTER USER CURRENT_USER() IDENTIFIED BY ?', [password], username);
  }

  public async ensureUser(username: string, password: string, likeUsername: string): Promise<void> {
    if (await this.exists(username)) {
      await this.setPassword(username, password);
      return;
    }
    if (await this.isMariaDb()) {
      await this.run('CREATE USER ?@? IDENTIFIED BY PASSWORD ?', [username, USER_HOST, nativePasswordHash(password)], username);
    } else {
      await this.run('CREATE USER ?@? IDENTIFIED BY ?', [username, USER_HOST, password], username);
    }
    if (!(await this.exists(likeUsername))) return;
    // Replay the original's grants for the clone, as AWS's multi-user function does; never its password hash.
    const [rows] = await this.connection.query('SHOW GRANTS FOR ?@?', [likeUsername, USER_HOST]);
    for (const row of rows as Record<string, string>[]) {
      const grant = Object.values(row)[0]
        .replace(/\s+IDENTIFIED BY PASSWORD\s+'[^']*'/i, '')
        .replace(/ TO [`'][^`']+[`']@[`'][^`']+[`']/, ` TO ${this.connection.escape(username)}@${this.connection.escape(USER_HOST)}`);
      await this.run(grant, [], username);
    }
  }

  public async ping(): Promise<void> {
    await this.connection.query('SELECT 1');
  }

  public async close(): Promise<void> {
    await this.connection.end().catch(() => undefined);
  }

  private async run(sql: string, values: unknown[], username: string): Promise<void> {
    try {
      await this.connection.query(sql, values);
    } catch (error) {
      throw new PasswordChangeFailedError(`MySQL/MariaDB at ${this.where} refused to change user ${username}: ${(error as { code?: string }).code ?? 'error'} ${(error as { sqlMessage?: string }).sqlMessage ?? ''}`.trim());
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

/** The mysql_native_password hash: '*' and the upper-case hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}
