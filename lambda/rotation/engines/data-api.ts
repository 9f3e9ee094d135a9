// Aurora through the RDS Data API. The Data API logs in with a secret, not a password, so every login here
// goes through a short-lived secret that holds exactly the credentials being tried (encrypted with the rotated
// secret's key, readable by the function's role alone, and deleted when the session closes): that is what proves a
// pending password works.
import { randomUUID } from 'crypto';
import { ExecuteStatementCommand, ExecuteStatementCommandOutput, RDSDataClient } from '@aws-sdk/client-rds-data';
import { CreateSecretCommand, DeleteSecretCommand, PutResourcePolicyCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { nativePasswordHash, postgresVerifier } from './password-hashes';
import { escapeIdentifier, escapeLiteral, mysqlEscape } from './sql-escape';
import { HTTP_TIMEOUTS, nameUnreachableService, secretsManager } from '../clients';
import { AuthenticationFailedError, DatabaseUnreachableError, FINISH_THIS_ROTATION, InvalidConfigurationError, PasswordChangeFailedError, UnsupportedEngineError } from '../errors';
import { log } from '../log';
import { DatabaseSecret } from '../secret';
import { ConnectContext, DatabaseEngine, DatabaseSession } from './engine';

/**
 * The waits between attempts while the Data API resumes a paused cluster: 90 s in all. A resume typically takes about
 * 15 s, but "If an Aurora Serverless v2 instance remains paused more than 24 hours ... the resume time can be 30
 * seconds or longer" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html),
 * and a monthly rotation usually finds such a cluster. With a statement after them that runs up to the Data API's own
 * limit (DATA_API_STATEMENT_LIMIT_S), within the function's timeout (src/rotation-function.ts;
 * test/rotation-function-options.test.ts checks the sum).
 */
export const RESUME_WAITS_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000, 15_000];

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * Sends `request` again after each of `waits` while the Data API answers that it is resuming a paused Aurora Serverless
 * v2 instance (minimum capacity 0): the request resumes it, and the Data API asks to "wait a few seconds and try again"
 * (https://docs.aws.amazon.com/botocore/latest/reference/services/rds-data/client/exceptions/DatabaseResumingException.html).
 * Past the last wait the step fails saying the cluster was still resuming; any other error passes unchanged.
 */
export async function whileResuming<T>(
  request: () => Promise<T>, cluster: string, waits: readonly number[] = RESUME_WAITS_MS, wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if ((error as Error).name !== 'DatabaseResumingException') throw error;
      if (attempt >= waits.length) {
        const waited = waits.reduce((sum, ms) => sum + ms, 0) / 1000;
        throw new DatabaseUnreachableError(`The Data API of ${cluster} was still resuming the paused cluster after ${waited} s (DatabaseResumingException). `
          + `A cluster paused for more than 24 hours can take longer to resume; it is resuming now, so in a few minutes ${FINISH_THIS_ROTATION}.`);
      }
      await wait(waits[attempt]);
    }
  }
}

/**
 * How long the Data API lets a statement run: "By default, the Data API cancels an operation and returns a timeout
 * error if the operation doesn't finish processing within 45 seconds"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-timeouts.html).
 */
export const DATA_API_STATEMENT_LIMIT_S = 45;

/**
 * The errors in which the Data API passes on what the database answered: `DatabaseErrorException` ("There was an
 * error in processing the SQL statement") from Aurora Serverless v2 and provisioned clusters, `BadRequestException`
 * from Serverless v1 ("This error only appears in calls from Aurora Serverless v1 databases",
 * https://docs.aws.amazon.com/botocore/latest/reference/services/rds-data/client/exceptions/BadRequestException.html).
 */
const SQL_ERRORS = ['DatabaseErrorException', 'BadRequestException'];

/**
 * A login the database refused for its password, as each engine words it: PostgreSQL "password authentication failed
 * for user" (SQLSTATE 28P01, invalid_password), MySQL "Access denied for user '<user>'@'<host>' (using password: YES)"
 * (error 1045). Not MySQL's "Access denied; you need ... privilege" (1227), which refuses a statement, not a login.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 * @see https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
 */
const LOGIN_REFUSED = /password authentication failed for user|SQLState: 28P01|Access denied for user .*\(using password/i;

/** Name prefix of the short-lived login secrets; the function's role may create and delete only these. */
export const LOGIN_SECRET_PREFIX = 'rotation-login/';

// Built once per container, here rather than in clients.ts: only the bundles that carry this engine load the RDS
// Data client. Built on the first statement, not at load: createSecret, the step a cold start usually answers, never
// sends one, and building the client took about 1.5 ms of a cold start of 70 (bench/cold-start.ts).
// The SDK reads AWS_ENDPOINT_URL_RDS_DATA itself (the tests point it at a local emulator).
// A connection timeout only: a statement may take a while to answer, and the step retries a resuming cluster itself.
let rdsDataClient: RDSDataClient | undefined;
const rdsData = (): RDSDataClient => rdsDataClient ??= nameUnreachableService(
  new RDSDataClient({ requestHandler: { connectionTimeout: HTTP_TIMEOUTS.connectionTimeout } }), 'The RDS Data API', 'AWS_ENDPOINT_URL_RDS_DATA');

/** The environment variable that holds the function's role ARN, the one reader of its login secrets (RotationFunction sets it). */
export const LOGIN_READER_VARIABLE = 'LOGIN_SECRET_READER_ARN';

export const dataApi: DatabaseEngine = {
  async connect(credentials: DatabaseSecret, target: DatabaseSecret, context: ConnectContext): Promise<DatabaseSession> {
    const reader = process.env[LOGIN_READER_VARIABLE];
    if (!reader) {
      throw new InvalidConfigurationError(`${LOGIN_READER_VARIABLE} is not set, so a login secret for the Data API could not be kept from other readers; `
        + 'declare the engine with `rotationFunction.addEngine(RotationEngine.DATA_API)` (RotatedAuroraCluster does) and deploy again.');
    }
    // Created without a value, closed to every other principal, and only then given the credentials: no moment
    // exists, not even when the function is stopped between two calls, at which the credentials are readable by others.
    const created = await secretsManager.send(new CreateSecretCommand({
      Name: `${LOGIN_SECRET_PREFIX}${randomUUID()}`,
      Description: 'Short-lived login for a rotation through the RDS Data API; deleted by the rotation function',
      KmsKeyId: context.kmsKeyId,
    }));
    const session = new DataApiSession(target, created.ARN!);
    try {
      // BlockPublicPolicy: a deny-only policy passes the check, and an organization may require the flag
      // (secretsmanager:BlockPublicPolicy, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
      await secretsManager.send(new PutResourcePolicyCommand({
        SecretId: created.ARN,
        ResourcePolicy: loginSecretPolicy(reader),
        BlockPublicPolicy: true,
      }));
      await secretsManager.send(new PutSecretValueCommand({
        SecretId: created.ARN,
        SecretString: JSON.stringify({ username: credentials.username, password: credentials.password }),
      }));
      await session.ping();
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  },
};

/**
 * A login secret's resource policy: nobody but the function's role may read or change it. It holds a password that
 * works (AWSCURRENT's, or the pending one), encrypted with the rotated secret's key, which the account's principals
 * may use through Secrets Manager; without this policy, any principal allowed `GetSecretValue` on `*` (an
 * administrator) could read the credential the rotated secret's own policy denies it, while the login exists or,
 * after a step stopped before its cleanup (a timeout), until someone deletes it. The Data API reads the secret as the
 * caller ("Data API transparently calls Secrets Manager, which allows (or denies) the user's request for the secret",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html), so the role is the one reader
 * needed; `aws:PrincipalArn` of a role session is the role's ARN
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 */
export function loginSecretPolicy(readerRoleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'OnlyTheRotationFunctionUsesThisLogin',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      // The value actions, and the policy's own removal (which would open a left-behind login to the account's readers).
      Action: [
        'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage',
        'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy',
      ],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': readerRoleArn } },
    }],
  });
}

class DataApiSession implements DatabaseSession {
  private readonly postgres: boolean;
  /** The cluster's password_encryption and server_version_num (PostgreSQL), read on the first password change. */
  private settings?: { encryption?: string; version: number };

  constructor(private readonly target: DatabaseSecret, private readonly loginSecretArn: string) {
    this.postgres = /postgres/.test(target.engine);
  }

  public async setPassword(username: string, password: string): Promise<void> {
    try {
      // Hashes, never the password: the statement may be recorded (Data API events in CloudTrail, the server's logs).
      // PostgreSQL: the verifier type the cluster stores, as for a direct connection (engines/postgres.ts). Aurora
      // PostgreSQL's default parameter group sets scram-sha-256 from version 14 only, and Serverless v1 does not
      // support SCRAM (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html):
      // a SCRAM verifier would lock out a cluster's clients that only do md5.
      const encryption = this.postgres ? await this.postgresEncryption() : undefined;
      const sql = this.postgres
        ? `ALTER USER ${escapeIdentifier(username)} WITH PASSWORD ${escapeLiteral(postgresVerifier(encryption, username, password, `Aurora cluster ${this.target.dbClusterArn}`))}`
        : `ALTER USER ${mysqlEscape(username)}@'%' IDENTIFIED WITH mysql_native_password AS ${mysqlEscape(nativePasswordHash(password))}`;
      await this.execute(sql);
    } catch (error) {
      const known = [AuthenticationFailedError, DatabaseUnreachableError, InvalidConfigurationError, PasswordChangeFailedError];
      if (known.some(kind => error instanceof kind)) throw error;
      throw new PasswordChangeFailedError(`The Data API of ${this.target.dbClusterArn} refused to change user ${username}.`);
    }
  }

  /**
   * The verifier type the cluster stores, read once with its version (one statement). From Aurora PostgreSQL 14 the
   * Data API logs in with SCRAM only: "For Aurora PostgreSQL version 14 and higher databases, Data API only supports
   * scram-sha-256 for password encryption" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
   * An md5 verifier there would lock the user out of the Data API, the function's only way in, with the password
   * already changed: refused before any change. The stack's parameter group refuses md5 at synth; this catches a
   * setting changed outside it (the parameter group in the console, ALTER ROLE ... SET). md5 set for the database is
   * not followed at all: SCRAM is stored.
   */
  private async postgresEncryption(): Promise<string | undefined> {
    if (!this.settings) {
      // Schema-qualified, the operator too: the Data API keeps no session to SET a search_path in, and the database
      // (the secret's dbname) may be owned by a user who put functions and operators of its own ahead of PostgreSQL's
      // (engines/postgres.ts).
      const row = (await this.execute('SELECT s.setting, s.source, pg_catalog.current_setting(\'server_version_num\') FROM pg_catalog.pg_settings s '
        + 'WHERE s.name OPERATOR(pg_catalog.=) \'password_encryption\'')).records?.[0];
      const [encryption, source] = [row?.[0]?.stringValue, row?.[1]?.stringValue];
      // md5 set for the database, which its owner chooses, is not followed (engines/postgres.ts takeEncryption).
      const chosen = encryption === 'md5' && source === 'database' ? 'scram-sha-256' : encryption;
      if (chosen !== encryption) log.warn('password_encryption md5 set for the database is not followed: the password is stored as scram-sha-256');
      this.settings = { encryption: chosen, version: Number(row?.[2]?.stringValue ?? 0) };
    }
    const { encryption, version } = this.settings;
    if (version >= 140000 && encryption !== undefined && encryption !== 'scram-sha-256') {
      throw new InvalidConfigurationError(`The session's password_encryption is ${encryption} on ${this.target.dbClusterArn}, but on Aurora PostgreSQL 14 and later `
        + 'the Data API logs in with scram-sha-256 only (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html): '
        + 'the new password would lock the user out of it. Set password_encryption to scram-sha-256 in the cluster parameter group, and remove any '
        + `per-user or per-database setting (ALTER ROLE ${this.target.username} RESET password_encryption), then ${FINISH_THIS_ROTATION}. Nothing was changed.`);
    }
    return encryption;
  }

  public async setOwnPassword(password: string): Promise<void> {
    await this.setPassword(this.target.username, password);
  }

  // Alternating users only: not supported through the Data API.
  public async ensureUser(): Promise<void> {
    alternatingUsersUnsupported();
  }

  public async userExists(): Promise<boolean> {
    alternatingUsersUnsupported();
  }

  public async createPair(): Promise<void> {
    alternatingUsersUnsupported();
  }

  public async ping(): Promise<void> {
    try {
      await this.execute('SELECT 1');
    } catch (error) {
      // `SELECT 1` fails as a statement only when the session does (too many connections, a database starting up or
      // not there): the database is unreachable for this login, as the direct engines report it, which finishSecret
      // tells apart from a refused password (a refused login is already AuthenticationFailedError here).
      const name = (error as Error).name;
      if (SQL_ERRORS.includes(name)) {
        throw new DatabaseUnreachableError(`The Data API of ${this.target.dbClusterArn} could not open a session (${name}: ${(error as Error).message}).`);
      }
      throw error;
    }
  }

  public async close(): Promise<void> {
    // A login that could not be deleted stays readable by the function's role alone (its policy); say which it is.
    await secretsManager.send(new DeleteSecretCommand({ SecretId: this.loginSecretArn, ForceDeleteWithoutRecovery: true })).catch((error: Error) => {
      log.warn('could not delete a Data API login secret; only the rotation function can read it: delete it by hand', { secretArn: this.loginSecretArn, error: error.name });
    });
  }

  private async execute(sql: string): Promise<ExecuteStatementCommandOutput> {
    try {
      return await whileResuming(() => rdsData().send(new ExecuteStatementCommand({
        resourceArn: this.target.dbClusterArn,
        secretArn: this.loginSecretArn,
        // Aurora PostgreSQL always has a database named postgres, the one a direct connection uses too
        // (engines/postgres.ts); without one, the Data API is reported to try a database named after the user.
        database: this.target.dbname ?? (this.postgres ? 'postgres' : undefined),
        sql,
      })), String(this.target.dbClusterArn));
    } catch (error) {
      if (error instanceof DatabaseUnreachableError) throw error;
      this.fail(error);
    }
  }

  /** Throws what a failed request means for the rotation. */
  private fail(error: unknown): never {
    const message = (error as Error).message ?? '';
    const name = (error as Error).name;
    // The Data API could not read the login secret ("The secret couldn't be decrypted", not found, timed out:
    // https://docs.aws.amazon.com/botocore/latest/reference/services/rds-data/client/exceptions/SecretsErrorException.html),
    // found it invalid (InvalidSecretException), or the function may not call it: not a matter of the password.
    if (['SecretsErrorException', 'InvalidSecretException', 'AccessDeniedException', 'ForbiddenException'].includes(name)) {
      throw new InvalidConfigurationError(`The Data API of ${this.target.dbClusterArn} refused the request with the login secret ${this.loginSecretArn} (${name}); `
        + `check that the function's role may call rds-data:ExecuteStatement on the cluster and that the rotated secret's key lets it encrypt and decrypt through Secrets Manager (or whether it timed out), then ${FINISH_THIS_ROTATION}.`);
    }
    if (SQL_ERRORS.includes(name) && LOGIN_REFUSED.test(message)) {
      throw new AuthenticationFailedError(`The Data API of ${this.target.dbClusterArn} refused the login of user ${this.target.username}.`);
    }
    // Any other error of the database (a statement it refused): setPassword reports it as a refused password change.
    if (SQL_ERRORS.includes(name)) throw error;
    throw new DatabaseUnreachableError(`The Data API of ${this.target.dbClusterArn} did not answer (${(error as Error).name}); check that the Data API is enabled and the function can reach it.`);
  }
}

function alternatingUsersUnsupported(): never {
  throw new UnsupportedEngineError('Alternating users are not supported through the RDS Data API; rotate Aurora clusters single-user.');
}
