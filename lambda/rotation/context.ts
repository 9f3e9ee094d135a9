// What every step knows about the rotation it is part of, and the logins the steps share.
import { DatabaseSession, engineFor } from './engines';
import { AuthenticationFailedError } from './errors';
import { DatabaseSecret } from './secret';

export interface RotationContext {
  /** The full ARN of the secret being rotated. */
  readonly secretArn: string;
  /** The version id of the new secret value (the event's ClientRequestToken). */
  readonly token: string;
  /** Passed back to Secrets Manager on writes when the event carried one. */
  readonly rotationToken?: string;
  /** The secret's KMS key. */
  readonly kmsKeyId?: string;
  /** The secret's versions and their stages, as DescribeSecret returned them when the step started. */
  readonly versionIdsToStages: Record<string, string[]>;
  /**
   * Alternating users: the user the first rotation may create, from the secret's `FIRST_USER_TAG` (RotatedDatabase
   * sets it to the user it names in the secret; see steps/set-secret.ts).
   */
  readonly firstUser?: string;
  /** The superuser secret the first rotation may act as, from the secret's `FIRST_USER_SUPERUSER_TAG`. */
  readonly firstUserSuperuser?: string;
}

/**
 * The tag RotatedDatabase puts on an alternating-users secret: the user (of AWSCURRENT) that does not exist in the
 * database until the first rotation creates it.
 */
export const FIRST_USER_TAG = 'cdk-protected-secrets:first-rotation-creates-user';
/** ... and the superuser secret (its ARN, as `masterarn` holds it) that may create that user: the database's own. */
export const FIRST_USER_SUPERUSER_TAG = 'cdk-protected-secrets:first-rotation-superuser';

/** Logs in with `credentials` to the database `target` names; throws on any failure. */
export async function login(ctx: RotationContext, credentials: DatabaseSecret, target: DatabaseSecret = credentials): Promise<DatabaseSession> {
  // Every login goes to the database of the rotated secret, so its `ssl` setting and its opt-in apply.
  return engineFor(target).connect(credentials, target, { kmsKeyId: ctx.kmsKeyId, secretArn: ctx.secretArn });
}

/** Like login, but a refused password gives undefined; an unreachable database still throws. */
export async function tryLogin(
  ctx: RotationContext,
  credentials: DatabaseSecret,
  target: DatabaseSecret = credentials,
): Promise<DatabaseSession | undefined> {
  try {
    return await login(ctx, credentials, target);
  } catch (error) {
    if (error instanceof AuthenticationFailedError) return undefined;
    throw error;
  }
}

/** Proves that `credentials` log in and can run a query. */
export async function proveLogin(ctx: RotationContext, credentials: DatabaseSecret): Promise<void> {
  const session = await login(ctx, credentials);
  try {
    await session.ping();
  } finally {
    await session.close();
  }
}
