// A HAND-WRITTEN STAND-IN for what cannot run on this machine: Aurora's password check behind the RDS Data API.
// moto's Data API accepts every statement from every login, so a rotation could never fail a login there. This
// sits in front of moto (as a recording proxy's hook) and does what Aurora would do with the function's requests:
// it refuses a statement whose login secret holds a password other than the user's current one, and it takes the
// user's new password from the hash an ALTER USER statement sends. Everything else goes to moto unchanged.
// A refused login is answered as Aurora Serverless v2 and provisioned clusters answer a database error,
// DatabaseErrorException with the server's message and SQLSTATE (as in aws/aws-cli#8577: "ERROR: database ... does not
// exist; SQLState: 3D000"), or, with `serverlessV1`, as Serverless v1 does, BadRequestException with the message alone
// ("FATAL: password authentication failed for user ...", ArsenyYankovsky/typeorm-aurora-data-api-driver#86;
// "Access denied for user '...'@'...' (using password: YES)", aws-amplify/amplify-cli#4384).
import { createHash, createHmac, pbkdf2Sync } from 'crypto';
import { ErrorAnswer, ResultAnswer } from './recording-proxy';

export class AuroraPasswordCheck {
  /** The password each database user has now, as Aurora would check it. */
  private readonly current = new Map<string, string>();
  /** Credentials of the login secrets the function created, by secret name. */
  private readonly logins = new Map<string, { username: string; password: string }>();
  /** The stored hash of a changed password; the plaintext is never seen, as on a real server. */
  private readonly hashes = new Map<string, string>();
  /** The engine of each user's cluster, which words the refusal. */
  private readonly engines = new Map<string, 'postgres' | 'mysql'>();
  /** Answer as an Aurora Serverless v1 cluster does (BadRequestException) rather than v2 (DatabaseErrorException). */
  public serverlessV1 = false;
  /** An answer to every request, as from a cluster that cannot open a session (too many clients, unavailable). */
  public sessionError?: ErrorAnswer;
  /** A MySQL error that refuses every ALTER USER (a user without the privilege), or undefined. */
  public refuseAlterWith?: { code: number; sqlState: string; message: string };
  /**
   * The PostgreSQL cluster's `password_encryption`, which `current_setting` answers: scram-sha-256 from Aurora
   * PostgreSQL 14's default parameter group, md5 before (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html).
   */
  public passwordEncryption: 'scram-sha-256' | 'md5' = 'scram-sha-256';
  /**
   * The PostgreSQL cluster's `server_version_num`. From version 14 the Data API logs in with SCRAM only: "For Aurora
   * PostgreSQL version 14 and higher databases, Data API only supports scram-sha-256 for password encryption"
   * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html), so a user whose stored
   * verifier is md5 is refused there.
   */
  public serverVersionNum = 160004;
  /** Where `passwordEncryption` comes from, as pg_settings' `source` says: the server's configuration, or `database` (ALTER DATABASE ... SET). */
  public passwordEncryptionSource = 'configuration file';

  public setPassword(username: string, password: string, engine: 'postgres' | 'mysql' = 'postgres'): void {
    this.current.set(username, password);
    this.hashes.delete(username);
    this.engines.set(username, engine);
  }

  /** Called with every Secrets Manager request body: remembers what each login secret holds. */
  public onSecretsManager(action: string, body: string): void {
    const request = JSON.parse(body);
    // The value arrives with CreateSecret or, for a secret created empty, with PutSecretValue (which names it by ARN).
    const name = action === 'CreateSecret' ? String(request.Name) : action === 'PutSecretValue' ? loginSecretName(String(request.SecretId)) : '';
    if (name.startsWith('rotation-login/') && request.SecretString !== undefined) this.logins.set(name, JSON.parse(request.SecretString));
  }

  /** Called with every Data API request body: the error to answer with, or undefined to pass it on. */
  public onDataApi(body: string): string | ErrorAnswer | ResultAnswer | undefined {
    if (this.sessionError) return this.sessionError;
    const request = JSON.parse(body);
    const name = loginSecretName(String(request.secretArn));
    const login = this.logins.get(name);
    const username = login?.username ?? 'unknown';
    if (!login || !this.accepts(login.username, login.password)) {
      return this.engines.get(username) === 'mysql'
        ? this.databaseError(`Access denied for user '${username}'@'10.0.1.23' (using password: YES)`, '28000')
        : this.databaseError(`FATAL: password authentication failed for user "${username}"`, '28P01');
    }
    if (this.refuseAlterWith && /^ALTER USER/.test(request.sql)) {
      return this.databaseError(this.refuseAlterWith.message, this.refuseAlterWith.sqlState);
    }
    // moto's Data API answers every query with no rows: the setting is answered here, in the Data API's shape
    // (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html, records of Fields).
    if (/^SELECT s\.setting, s\.source, pg_catalog\.current_setting\('server_version_num'\) FROM pg_catalog\.pg_settings s WHERE s\.name OPERATOR\(pg_catalog\.=\) 'password_encryption'$/.test(request.sql)) {
      const values = [this.passwordEncryption, this.passwordEncryptionSource, String(this.serverVersionNum)];
      return { result: { records: [values.map(stringValue => ({ stringValue }))], numberOfRecordsUpdated: 0 } };
    }
    if (/^SELECT (?:pg_catalog\.)?current_setting\(/.test(request.sql)) {
      const settings: Record<string, string> = { password_encryption: this.passwordEncryption, server_version_num: String(this.serverVersionNum) };
      const asked = [...request.sql.matchAll(/current_setting\('([a-z_]+)'\)/g)].map(m => ({ stringValue: settings[m[1]] }));
      return { result: { records: [asked], numberOfRecordsUpdated: 0 } };
    }
    const changed = /^ALTER USER ["'`]?([^"'`@]+)["'`]?.* (?:PASSWORD|AS) '([^']+)'$/.exec(request.sql);
    if (changed) {
      this.current.delete(changed[1]);
      this.hashes.set(changed[1], changed[2]);
    }
    return undefined;
  }

  private databaseError(message: string, sqlState: string): string | ErrorAnswer {
    return this.serverlessV1 ? message : { status: 400, errorType: 'DatabaseErrorException', message: `${message}; SQLState: ${sqlState}` };
  }

  private accepts(username: string, password: string): boolean {
    const hash = this.hashes.get(username);
    if (hash === undefined) return this.current.get(username) === password;
    if (hash.startsWith('md5')) {
      return this.serverVersionNum < 140000 && hash === `md5${createHash('md5').update(password + username, 'utf8').digest('hex')}`;
    }
    if (hash.startsWith('SCRAM-SHA-256$')) {
      const [, iterations, salt, keys] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$(.+)$/.exec(hash)!;
      const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), 32, 'sha256');
      const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
      return keys.split(':')[0] === storedKey;
    }
    const inner = createHash('sha1').update(password, 'utf8').digest();
    return hash === `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
  }
}

/** A secret's name from its ARN: what follows `:secret:`, less the six characters Secrets Manager appends. */
function loginSecretName(arnOrName: string): string {
  return arnOrName.includes(':secret:') ? arnOrName.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '') : arnOrName;
}
