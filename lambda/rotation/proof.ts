// The proof that a pending version was written by this function. A principal allowed only to write a rotated secret
// can store the rotation's AWSPENDING version (the token is in DescribeSecret's VersionIdsToStages) before createSecret
// does; a retried createSecret must keep a pending value it finds (setSecret may already have given it to the
// database), and setSecret then sets it: the writer would choose the user's password. IAM cannot tell the two writes
// apart (PutSecretValue has no version-stage condition key:
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html). So the function
// signs what it stores with a key only its role may read (the construct's proof key secret, whose resource policy
// denies everyone else), and acts only on a pending version whose signature holds. AWSCURRENT's password would not
// do as the key: a writer may overwrite AWSCURRENT too.
import { createHmac, timingSafeEqual } from 'crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from './clients';
import { InvalidConfigurationError, PendingNotWrittenByFunctionError } from './errors';
import { redact } from './log';

/** The field of the pending JSON that holds the proof (lowercase, as AWS's `masterarn`). */
export const PROOF_FIELD = 'rotationproof';
/** The environment variable with the proof key secret's ARN (RotationFunction sets it). */
export const PROOF_KEY_VARIABLE = 'PROOF_KEY_SECRET_ARN';

let cachedKey: Promise<string> | undefined;

/** The proof key, read once per container; a failed read is tried again by the next call. */
export function proofKey(): Promise<string> {
  if (!cachedKey) {
    cachedKey = readProofKey();
    cachedKey.catch(() => { cachedKey = undefined; });
  }
  // Masked in the logs of every invocation (log.ts forgets its list at each one).
  return cachedKey.then(key => { redact(key); return key; });
}

async function readProofKey(): Promise<string> {
  const arn = process.env[PROOF_KEY_VARIABLE];
  if (!arn) {
    throw new InvalidConfigurationError(`${PROOF_KEY_VARIABLE} is not set, so the function cannot sign or check the pending versions it writes; `
      + 'deploy it with RotationFunction, which creates the proof key and sets the variable.');
  }
  const result = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!result.SecretString) throw new InvalidConfigurationError(`The proof key ${arn} has no value; deploy the RotationFunction again.`);
  return result.SecretString;
}

/**
 * The proof of `value` as the pending version `token` of `secretArn`: an HMAC-SHA256 over the ARN, the token and the
 * value's fields in sorted order (the proof field itself and undefined fields left out, as JSON drops them).
 */
export function proofOf(key: string, secretArn: string, token: string, value: Record<string, unknown>): string {
  const fields = Object.keys(value).filter(name => name !== PROOF_FIELD && value[name] !== undefined).sort().map(name => [name, value[name]]);
  return createHmac('sha256', key).update(JSON.stringify([secretArn, token, fields])).digest('hex');
}

/** `value` with its proof. */
export function withProof(key: string, secretArn: string, token: string, value: Record<string, unknown>): Record<string, unknown> {
  return { ...value, [PROOF_FIELD]: proofOf(key, secretArn, token, value) };
}

/** Whether `value` carries a proof that this function wrote it as the pending version `token` of `secretArn`. */
export function proofHolds(key: string, secretArn: string, token: string, value: Record<string, unknown>): boolean {
  const given = value[PROOF_FIELD];
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(proofOf(key, secretArn, token, value), 'utf8');
  // Compared as bytes: timingSafeEqual throws on buffers of different lengths (a proof with non-ASCII characters).
  const received = Buffer.from(given, 'utf8');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** Refuses a pending version this function did not write (no proof, or one that does not hold). */
export function requireProof(key: string, secretArn: string, token: string, value: Record<string, unknown>): void {
  const given = value[PROOF_FIELD];
  if (!proofHolds(key, secretArn, token, value)) {
    throw new PendingNotWrittenByFunctionError(`The AWSPENDING version ${token} of ${secretArn} was not written by this rotation function (its `
      + `${PROOF_FIELD} is ${typeof given === 'string' ? 'wrong' : 'missing'}): a principal that may write the secret stored it (or, once, a version `
      + 'of the function from before proofs, during an upgrade, or a rotation in progress when the function and its proof key were replaced, '
      + `as a change of \`rotationFunctionSubnets\` or \`rotationFunction\` does). ${forgedPendingRemedy(token)}`);
  }
}

/** What the operator does about a pending version the function did not write: the same in every refusal of one. */
export function forgedPendingRemedy(token: string): string {
  return 'The database is unchanged. Remove AWSPENDING from that version (aws secretsmanager update-secret-version-stage --version-stage '
    + `AWSPENDING --remove-from-version-id ${token}), find the writer in CloudTrail (PutSecretValue), then rotate again.`;
}
