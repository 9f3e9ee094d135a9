// Reading database secrets: the JSON shape AWS's RDS rotation functions use.
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from './clients';
import { SecretMalformedError, TokenNotStagedError, UnsupportedEngineError } from './errors';
import { redact } from './log';

export interface DatabaseSecret {
  readonly engine: string;
  readonly host?: string;
  readonly port?: number;
  readonly username: string;
  readonly password: string;
  readonly dbname?: string;
  /** ARN of the superuser secret: present means alternating users. */
  readonly masterarn?: string;
  /** ARN of an Aurora cluster: present means rotation through the RDS Data API. */
  readonly dbClusterArn?: string;
  readonly [field: string]: unknown;
}

export interface ReadOptions {
  /**
   * A superuser secret: `{username, password}` is all the reader requires. It is read as a superuser's, so its host
   * and port are where the superuser may log in; setSecret (steps/set-secret.ts) refuses one without a host, such as
   * the master secrets RDS manages (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
   */
  readonly superuser?: boolean;
}

/** Parses and checks a secret's JSON. `which` names the version in messages ("AWSCURRENT of <arn>"). */
export function parseDatabaseSecret(secretString: string | undefined, which: string, options: ReadOptions = {}): DatabaseSecret {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    throw new SecretMalformedError(`${which} is not a JSON object; a database secret needs engine, host, username and password fields.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SecretMalformedError(`${which} is not a JSON object; a database secret needs engine, host, username and password fields.`);
  }
  redact(typeof value.password === 'string' ? value.password : undefined);
  const required = options.superuser ? ['username', 'password']
    : value.dbClusterArn ? ['engine', 'username', 'password'] : ['engine', 'host', 'username', 'password'];
  const missing = required.filter(field => typeof value[field] !== 'string' || value[field] === '');
  if (missing.length > 0) {
    throw new SecretMalformedError(`${which} is missing ${missing.join(', ')}; add ${missing.length > 1 ? 'them' : 'it'} to the secret's JSON (attaching the secret to the database writes host, port, engine and dbname).`);
  }
  // The Data API engine rotates single users only. Refused on every read of the rotated secret, so createSecret stores
  // no `_clone` version and setSecret neither reads the superuser secret nor logs in as it.
  if (!options.superuser && value.dbClusterArn && value.masterarn) {
    throw new UnsupportedEngineError(`${which} has masterarn and dbClusterArn. Alternating users are not supported through the RDS Data API; remove masterarn to rotate single-user.`);
  }
  if (value.port !== undefined && !Number.isInteger(Number(value.port))) {
    throw new SecretMalformedError(`${which} has a port that is not a number.`);
  }
  return { ...value, port: value.port === undefined ? undefined : Number(value.port) } as DatabaseSecret;
}

/** A version of a secret by stage, and optionally version id; undefined when that version has no value yet. */
export async function getDatabaseSecret(
  secretArn: string, stage: string, versionId?: string, options: ReadOptions = {},
): Promise<DatabaseSecret | undefined> {
  try {
    const result = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage, VersionId: versionId }));
    return parseDatabaseSecret(result.SecretString, `${stage}${versionId ? ` version ${versionId}` : ''} of ${secretArn}`, options);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Like getDatabaseSecret, for versions that must exist. */
export async function requireDatabaseSecret(
  secretArn: string, stage: string, versionId?: string, options: ReadOptions = {},
): Promise<DatabaseSecret> {
  const secret = await getDatabaseSecret(secretArn, stage, versionId, options);
  if (!secret) {
    throw new TokenNotStagedError(`${stage}${versionId ? ` version ${versionId}` : ''} of ${secretArn} has no value${stage === 'AWSPENDING' ? ': createSecret has not run for this token; start the rotation again' : ''}.`);
  }
  return secret;
}
