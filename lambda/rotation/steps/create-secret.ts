// createSecret: store a new password as the AWSPENDING version with the token, once.
import { GetRandomPasswordCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../clients';
import { RotationContext } from '../context';
import { engineFor } from '../engines';
import { InvalidEventError } from '../errors';
import { log, redact } from '../log';
import { getDatabaseSecret, requireDatabaseSecret } from '../secret';

/** Characters that break connection strings, URLs and shell quoting, and those RDS refuses in passwords. */
export const DEFAULT_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';
const CLONE_SUFFIX = '_clone';

export async function createSecret(ctx: RotationContext): Promise<void> {
  const current = await requireDatabaseSecret(ctx.secretArn, 'AWSCURRENT');
  engineFor(current);
  if (await getDatabaseSecret(ctx.secretArn, 'AWSPENDING', ctx.token)) {
    log.info('createSecret: the pending version already has a value', { step: 'createSecret', secretArn: ctx.secretArn, token: ctx.token });
    return;
  }
  const password = await newPassword();
  // Alternating users: the pending version belongs to the other user of the pair.
  const username = current.masterarn ? otherUser(current.username) : current.username;
  await secretsManager.send(new PutSecretValueCommand({
    SecretId: ctx.secretArn,
    ClientRequestToken: ctx.token,
    SecretString: JSON.stringify({ ...current, username, password }),
    VersionStages: ['AWSPENDING'],
    RotationToken: ctx.rotationToken,
  }));
  log.info('createSecret: stored a new AWSPENDING version', { step: 'createSecret', secretArn: ctx.secretArn, token: ctx.token, username });
}

export function otherUser(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : `${username}${CLONE_SUFFIX}`;
}

async function newPassword(): Promise<string> {
  const length = Number(process.env.PASSWORD_LENGTH ?? 32);
  if (!Number.isInteger(length) || length < 8 || length > 4096) {
    throw new InvalidEventError(`PASSWORD_LENGTH is "${process.env.PASSWORD_LENGTH}"; set a whole number from 8 to 4096.`);
  }
  const result = await secretsManager.send(new GetRandomPasswordCommand({
    PasswordLength: length,
    ExcludeCharacters: process.env.EXCLUDE_CHARACTERS ?? DEFAULT_EXCLUDE_CHARACTERS,
  }));
  redact(result.RandomPassword);
  return result.RandomPassword!;
}
