// createSecret: store a new password as the AWSPENDING version with the token, once.
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../clients';
import { RotationContext } from '../context';
import { engineFor } from '../engines';
import { SecretMalformedError } from '../errors';
import { log, redact } from '../log';
import { generatePassword, passwordRulesFromEnvironment } from '../password';
import { proofKey, withProof } from '../proof';
import { DatabaseSecret, getDatabaseSecret, requireDatabaseSecret } from '../secret';

/** The name of an alternating pair's second user: `<user>_clone`, as AWS's multi-user functions name it. */
export const CLONE_SUFFIX = '_clone';

/**
 * Longest user names, by engine: PostgreSQL's NAMEDATALEN - 1 bytes, MySQL 5.7.8+'s 32 characters, MariaDB's 80
 * (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS,
 * https://dev.mysql.com/doc/refman/8.0/en/user-names.html, https://mariadb.com/kb/en/create-user/).
 */
const USERNAME_LIMITS: Record<string, { max: number; unit: 'bytes' | 'characters' }> = {
  'postgres': { max: 63, unit: 'bytes' },
  'aurora-postgresql': { max: 63, unit: 'bytes' },
  'mysql': { max: 32, unit: 'characters' },
  'aurora-mysql': { max: 32, unit: 'characters' },
  'aurora': { max: 32, unit: 'characters' },
  'mariadb': { max: 80, unit: 'characters' },
};

/**
 * createSecret's two reads and its new password, started by `prefetch`. Each is marked handled (see `handledLater`): a
 * check that ends the invocation before they are awaited must not turn their failure into an unhandled rejection.
 */
export interface CreateSecretReads {
  /** AWSCURRENT, which must exist: the new version copies it. */
  readonly current: Promise<DatabaseSecret>;
  /** The token's AWSPENDING: a value there means an earlier try of this step stored it already. */
  readonly pending: Promise<DatabaseSecret | undefined>;
  /** A new password (made in the function: see ../password.ts). */
  readonly password: Promise<string>;
  /** The key that signs the pending version (../proof.ts), read once per container. */
  readonly proofKey: Promise<string>;
}

/**
 * Sends createSecret's reads. None writes and none depends on another's answer or on DescribeSecret's, so the handler
 * sends them with DescribeSecret when the event's step is createSecret (index.ts): a cold start then waits for two
 * round trips to Secrets Manager (those three requests, then PutSecretValue) instead of three. `secretId` is the
 * event's, as AWS's functions use it for every call: DescribeSecret's ARN is not known yet.
 */
export function prefetch(secretId: string, token: string): CreateSecretReads {
  return {
    current: handledLater(requireDatabaseSecret(secretId, 'AWSCURRENT')),
    pending: handledLater(getDatabaseSecret(secretId, 'AWSPENDING', token)),
    password: handledLater(newPassword()),
    proofKey: handledLater(proofKey()),
  };
}

/**
 * Stores a new password as the token's AWSPENDING version, once. `reads` are the handler's prefetch; called without
 * them (a direct call), the step sends them itself.
 */
export async function createSecret(ctx: RotationContext, reads: CreateSecretReads = prefetch(ctx.secretArn, ctx.token)): Promise<void> {
  // The answers are looked at in the order of AWS's functions (AWSCURRENT must exist, then the token's AWSPENDING,
  // then a new password:
  // https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/blob/master/SecretsManagerRDSPostgreSQLRotationSingleUser/lambda_function.py,
  // create_secret), so the same checks decide and the same error wins; a retry discards the password it did not need.
  const current = await reads.current;
  engineFor(current);
  if (await reads.pending) {
    // A retried createSecret keeps the pending password: setSecret may already have given it to the database. A
    // writer of the secret may have stored this version first: setSecret, the step that acts on it, refuses it then
    // (../proof.ts). Refusing here would also stop a retry whose setSecret had already set the password (a function
    // upgraded mid-rotation, before proofs), which setSecret recognises by the pending password logging in.
    log.info('createSecret: the pending version already has a value', { step: 'createSecret', secretArn: ctx.secretArn, token: ctx.token });
    return;
  }
  // Alternating users: the pending version belongs to the other user of the pair.
  const username = current.masterarn ? otherUser(current, ctx.secretArn) : current.username;
  const password = await reads.password;
  await secretsManager.send(new PutSecretValueCommand({
    SecretId: ctx.secretArn,
    ClientRequestToken: ctx.token,
    SecretString: JSON.stringify(withProof(await reads.proofKey, ctx.secretArn, ctx.token, { ...current, username, password })),
    VersionStages: ['AWSPENDING'],
    RotationToken: ctx.rotationToken,
  }));
  log.info('createSecret: stored a new AWSPENDING version', { step: 'createSecret', secretArn: ctx.secretArn, token: ctx.token, username });
}

/**
 * `promise`, marked as handled: when a check or an earlier answer ends the invocation (rotation not enabled, AWSCURRENT
 * missing, say), a failure of this request is never awaited, and an unhandled rejection would crash the Lambda
 * runtime. Awaiting it still throws.
 */
function handledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The other user of an alternating pair: `<name>` and `<name>_clone`; refuses a clone name the engine would refuse. */
export function otherUser(secret: DatabaseSecret, secretArn: string): string {
  const { username } = secret;
  if (username.endsWith(CLONE_SUFFIX)) return username.slice(0, -CLONE_SUFFIX.length);
  const clone = `${username}${CLONE_SUFFIX}`;
  const limit = USERNAME_LIMITS[secret.engine];
  const size = limit?.unit === 'bytes' ? Buffer.byteLength(clone, 'utf8') : [...clone].length;
  if (limit && size > limit.max) {
    throw new SecretMalformedError(`The clone user of ${username} in ${secretArn}, ${clone}, would be ${size} ${limit.unit}; ${secret.engine} allows ${limit.max} ${limit.unit}. Use a user name of at most ${limit.max - CLONE_SUFFIX.length} ${limit.unit} for alternating users.`);
  }
  return clone;
}

/**
 * A new password, shaped by the same seven variables AWS's rotation functions read, made here (../password.ts). A
 * promise, as the other reads of createSecret: a setting it refuses surfaces after the checks that come first.
 */
async function newPassword(): Promise<string> {
  const password = generatePassword(passwordRulesFromEnvironment());
  redact(password);
  return password;
}
