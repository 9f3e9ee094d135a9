// setSecret: make the database accept the pending password. Safe to retry: a pending password that already
// logs in means the work is done. Every check on what the pending version may name (user, host, port, engine) runs
// before any login, so a forged version sends a password nowhere but to the secret's own database; the function's
// proof (../proof.ts) decides whether the database is given that password.
import { GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../clients';
import { RotationContext, tryLogin } from '../context';
import { DatabaseSession } from '../engines';
import { AuthenticationFailedError, FINISH_THIS_ROTATION, PasswordChangeFailedError, PendingNotWrittenByFunctionError, SecretMalformedError } from '../errors';
import { log } from '../log';
import { PROOF_FIELD, forgedPendingRemedy, proofHolds, proofKey, requireProof } from '../proof';
import { DatabaseSecret, getDatabaseSecret, requireDatabaseSecret } from '../secret';
import { CLONE_SUFFIX, otherUser } from './create-secret';

export async function setSecret(ctx: RotationContext): Promise<void> {
  const current = await requireDatabaseSecret(ctx.secretArn, 'AWSCURRENT');
  const pending = await requireDatabaseSecret(ctx.secretArn, 'AWSPENDING', ctx.token);
  checkSameDatabase(current, pending, ctx.secretArn);
  // Alternating users: the pending user must be the other one of the pair (AWS's multi-user functions check the
  // same); single user: the same user.
  const expected = current.masterarn ? otherUser(current, ctx.secretArn) : current.username;
  if (pending.username !== expected) {
    throw new SecretMalformedError(`AWSPENDING of ${ctx.secretArn} is for user ${pending.username} but AWSCURRENT is for ${current.username}; `
      + (current.masterarn ? `alternating rotation may only set the password of ${expected}.` : 'single-user rotation changes one user\'s password.'));
  }

  const key = await proofKey();
  const already = await tryLogin(ctx, pending);
  if (already) {
    await already.close();
    // A pending password the database already accepts, without the function's proof: a retry after a setSecret of a
    // function from before proofs (upgraded mid-rotation) finishes; but a writer who knows the user's current or
    // previous password could store that, and the rotation would end without changing it.
    if (!proofHolds(key, ctx.secretArn, ctx.token, pending)) await refuseUnchangedPassword(ctx, current, pending);
    log.info('setSecret: the pending password already logs in', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username });
    return;
  }
  // Only a pending version this function wrote is given to the database (../proof.ts).
  requireProof(key, ctx.secretArn, ctx.token, pending);

  if (current.masterarn) {
    try {
      await alternate(ctx, current, pending);
    } catch (error) {
      // The superuser sets the pending user's password after its grants, so a pending password that logs in means
      // another invocation finished this step (pendingSetMeanwhile).
      if (error instanceof PasswordChangeFailedError && await pendingSetMeanwhile(ctx, pending).catch(() => false)) return;
      throw error;
    }
    return;
  }

  // After an earlier partial failure (or a promotion made during an outage) the database may only accept the
  // previous password.
  // Only where AWSPREVIOUS itself points: a writer of the secret can point AWSCURRENT at a server of theirs, and the
  // working password, moved to AWSPREVIOUS by that write, must not be sent there.
  let session = await tryLogin(ctx, current);
  if (!session) {
    const previous = await getDatabaseSecret(ctx.secretArn, 'AWSPREVIOUS');
    if (previous && previous.username === current.username && sameDatabase(current, previous)) {
      session = await tryLogin(ctx, { ...current, password: previous.password });
    }
  }
  if (!session) {
    if (await pendingSetMeanwhile(ctx, pending)) return;
    throw new AuthenticationFailedError(`setSecret could not log in to ${current.host ?? current.dbClusterArn} as ${current.username} with the AWSPENDING, AWSCURRENT or AWSPREVIOUS password of ${ctx.secretArn}; set the user's password to the AWSCURRENT value by hand, then ${FINISH_THIS_ROTATION}.`);
  }
  try {
    await withSession(session, s => s.setOwnPassword(pending.password));
  } catch (error) {
    // A failed check (the database gone meanwhile) leaves the change's own error to say what happened.
    if (error instanceof PasswordChangeFailedError && await pendingSetMeanwhile(ctx, pending).catch(() => false)) return;
    throw error;
  }
  log.info('setSecret: changed the user\'s password', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token, username: current.username, strategy: 'single-user' });
}

/**
 * Whether another invocation of this step set the pending password while this one tried: Secrets Manager retries a
 * failed rotation itself, and an on-call finishing it by hand may run the same step beside it (review DX). Then this
 * one's logins fail (the password changed under it), or its change fails against the other's (PostgreSQL: "tuple
 * concurrently updated"), though the database has what the step is for: the step succeeds.
 */
async function pendingSetMeanwhile(ctx: RotationContext, pending: DatabaseSecret): Promise<boolean> {
  const session = await tryLogin(ctx, pending);
  if (!session) return false;
  await session.close();
  log.info('setSecret: the pending password logs in now (another invocation of the step set it)', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username });
  return true;
}

/** Refuses an unproven pending version whose password is AWSCURRENT's or AWSPREVIOUS's: the rotation would change nothing. */
async function refuseUnchangedPassword(ctx: RotationContext, current: DatabaseSecret, pending: DatabaseSecret): Promise<void> {
  const previous = await getDatabaseSecret(ctx.secretArn, 'AWSPREVIOUS');
  if (pending.password === current.password || pending.password === previous?.password) {
    throw new PendingNotWrittenByFunctionError(`The AWSPENDING version ${ctx.token} of ${ctx.secretArn} was not written by this rotation function `
      + `(its ${PROOF_FIELD} is missing or wrong) and holds the user's ${pending.password === current.password ? 'AWSCURRENT' : 'AWSPREVIOUS'} password: `
      + `the rotation would end without changing it. A principal that may write the secret stored it. ${forgedPendingRemedy(ctx.token)}`);
  }
}

/**
 * Alternating users: the superuser sets the pending user's password. It acts only for a credential that works:
 * whoever may write the application secret must not be able to aim the superuser at another account (the
 * superuser itself, or a new member of its role). So AWSCURRENT must log in first, as in AWS's functions.
 *
 * Nor may that writer choose where the superuser logs in: the superuser's password goes only to the host and port of
 * its own secret, which AWSCURRENT must name too, checked before any login. AWS's multi-user functions check the same
 * (the master's host, from its secret or, for an RDS-managed master secret that holds only `username` and `password`,
 * from RDS's DescribeDBInstances; https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/blob/master/SecretsManagerRDSPostgreSQLRotationMultiUser/lambda_function.py,
 * set_secret). This function makes no RDS call (its role has no RDS permission), so a superuser secret without a host
 * is refused: with nothing to bind it, AWSCURRENT's host, which the writer controls, would decide.
 *
 * One exception, the first rotation of a RotatedDatabase: its secret names a user the database does not have yet
 * (AWS's functions expect you to create it, https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html).
 * When the secret's tags name AWSCURRENT's user and its superuser secret (`masterarn`), and neither the user nor its
 * clone exists, the superuser creates both: the user with a password nobody is given, the clone with the pending one.
 * The tags are trusted only after requireFirstRotationAllowed (IAM lets the role read the secret's policy only while
 * they hold the deployment's values, and the superuser secret's own policy names the secret), so a writer or an
 * administrator of the secret can neither aim the superuser of another database at it, nor name another user, nor
 * choose a password; only accounts that do not exist are created, and they hold no privilege.
 */
async function alternate(ctx: RotationContext, current: DatabaseSecret, pending: DatabaseSecret): Promise<void> {
  const masterArn = current.masterarn!;
  const master = await requireDatabaseSecret(masterArn, 'AWSCURRENT', undefined, { superuser: true });
  if (master.username === current.username || master.username === pending.username) {
    throw new SecretMalformedError(`${ctx.secretArn} names the superuser ${master.username} of ${masterArn} as its own user; alternating rotation never changes the superuser. Rotate the superuser secret on its own.`);
  }
  const superuserTarget = boundToSuperuser(ctx, masterArn, master, current);

  const proof = await tryLogin(ctx, current);
  if (proof) await proof.close();
  const firstRotation = !proof && ctx.firstUser === current.username && pending.username === `${current.username}${CLONE_SUFFIX}`
    && ctx.firstUserSuperuser !== undefined && ctx.firstUserSuperuser === current.masterarn;
  if (!proof && !firstRotation) {
    throw notLoggedIn(ctx, current, '', FIX_AWSCURRENT);
  }

  if (firstRotation) await requireFirstRotationAllowed(ctx, current, masterArn);
  const session = await loginAsSuperuser(ctx, masterArn, master, superuserTarget);
  if (firstRotation) {
    const created = await withSession(session, async s => {
      for (const username of [current.username, pending.username]) {
        if (await s.userExists(username)) {
          // Another invocation of this step may have just created the pair (review DY): the pair is created in one
          // transaction (PostgreSQL) or one CREATE USER (MySQL/MariaDB), so a pending password that logs in means it
          // exists whole.
          if (await pendingSetMeanwhile(ctx, pending).catch(() => false)) return false;
          // Also after a first rotation cancelled once it had created the pair: the user's password is one nobody was
          // given, so the way out is the superuser's.
          throw notLoggedIn(ctx, current, `${username} exists: this is not a first rotation, or one was cancelled after it created the user`,
            `As the superuser, set the password of ${current.username} to AWSCURRENT's, then ${FINISH_THIS_ROTATION}.`);
        }
      }
      await s.createPair(current.username, pending.username, pending.password);
      return true;
    });
    if (created) log.info('setSecret: first rotation; created the user and its clone as the superuser', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username, strategy: 'alternating' });
    return;
  }
  await withSession(session, s => s.ensureUser(pending.username, pending.password, current.username));
  log.info('setSecret: set the pending user\'s password as the superuser', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username, strategy: 'alternating' });
}

/**
 * The first-rotation tags are the deployment's instruction only where the deployment wrote them, and not every secret
 * the function rotates keeps others from changing them (a secret given to `scheduleRotation` or `addSecret`, a
 * ProtectedSecret with no known deployer): a writer who tagged one and aimed its AWSCURRENT at another database the
 * function serves would have that database's superuser create a login for them. Two checks, before the superuser
 * logs in:
 * - the tags: RotatedDatabase allows the role `secretsmanager:GetResourcePolicy` on its secret only while both tags
 *   hold the values it wrote, and nothing else of the library grants the role that call;
 * - the superuser's consent: whoever administers the rotated secret may also allow that call in its policy, so the
 *   superuser secret's own policy, which RotatedDatabase writes in its stack, must name the rotated secret
 *   (RotationFunction.listFirstRotationSecret). The administrator of one secret cannot write another's.
 */
async function requireFirstRotationAllowed(ctx: RotationContext, current: DatabaseSecret, masterArn: string): Promise<void> {
  const refused = (why: string) => notLoggedIn(ctx, current, `${why}, so no user is created`, FIX_AWSCURRENT);
  try {
    await secretsManager.send(new GetResourcePolicyCommand({ SecretId: ctx.secretArn }));
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    throw refused('its first-rotation tags are not the values the deployment wrote (the function\'s role may call GetResourcePolicy on a secret '
      + 'only while they hold those, and only on a secret a RotatedDatabase tagged)');
  }
  const superuserPolicy = await secretsManager.send(new GetResourcePolicyCommand({ SecretId: masterArn }))
    .then(answer => answer.ResourcePolicy, error => { if (isAccessDenied(error)) return undefined; throw error; });
  if (!namesFirstRotationSecret(superuserPolicy, ctx.secretArn)) {
    throw refused(`the resource policy of the superuser secret ${masterArn} does not name it as a secret whose first rotation may create its user `
      + '(a RotatedDatabase writes that statement when its superuser secret is a ProtectedSecret of its stack)');
  }
}

/** What to do when AWSCURRENT does not log in with alternating users: the function acts only for credentials that work. */
const FIX_AWSCURRENT = `Set AWSCURRENT to the user's working password, then ${FINISH_THIS_ROTATION}.`;

function notLoggedIn(ctx: RotationContext, current: DatabaseSecret, why: string, fix: string): AuthenticationFailedError {
  return new AuthenticationFailedError(`setSecret could not log in as ${current.username} with the AWSCURRENT password of ${ctx.secretArn}`
    + `${why ? `, and ${why}` : ''}. Alternating rotation acts only for credentials that work. ${fix}`);
}

function isAccessDenied(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AccessDeniedException';
}

/**
 * Whether `policy`, a superuser secret's resource policy (JSON), names `secretArn` as a secret whose first rotation
 * may create its user: an Allow of `secretsmanager:GetResourcePolicy` whose `secretsmanager:SecretId` condition lists
 * it (RotationFunction.listFirstRotationSecret).
 */
export function namesFirstRotationSecret(policy: string | undefined, secretArn: string): boolean {
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy ?? '');
  } catch {
    return false;
  }
  const statements = [document?.Statement ?? []].flat() as Array<{ Effect?: string; Action?: string | string[]; Condition?: any }>;
  return statements.some(statement => statement?.Effect === 'Allow'
    && [statement.Action].flat().includes('secretsmanager:GetResourcePolicy')
    && [statement.Condition?.StringEquals?.['secretsmanager:SecretId']].flat().includes(secretArn));
}

/**
 * Where the superuser logs in: the host and port of its own secret (a missing port is the engine's default), which
 * AWSCURRENT of the rotated secret must name too, and the database its own secret names (none: PostgreSQL's
 * `postgres`, no default database on MySQL), never the rotated secret's: the user the secret holds may own that
 * database and set session defaults a superuser's session there would run with (engines/postgres.ts). Users are
 * server-wide, so the superuser's statements need no particular database. The rotated secret adds the rest (engine,
 * `ssl`, whose plaintext opt-in is the construct's, per rotated secret).
 */
function boundToSuperuser(ctx: RotationContext, masterArn: string, master: DatabaseSecret, current: DatabaseSecret): DatabaseSecret {
  const defaultPort = /postgres/.test(current.engine) ? 5432 : 3306;
  const at = (secret: DatabaseSecret) => `${secret.host}:${secret.port ?? defaultPort}`;
  const sameHost = master.host !== undefined && master.host.toLowerCase() === current.host?.toLowerCase();
  if (!sameHost || (master.port ?? defaultPort) !== (current.port ?? defaultPort)) {
    throw new SecretMalformedError(`The superuser secret ${masterArn} ${master.host === undefined ? 'names no host' : `is for ${at(master)}`}, and AWSCURRENT of ${ctx.secretArn} is for ${at(current)}; `
      + 'the superuser logs in only where its own secret says, which must name the same host and port (an RDS-managed master secret names none: use a superuser secret of your own, or rotate single-user).');
  }
  return { ...current, host: master.host, port: master.port ?? defaultPort, dbname: master.dbname };
}

/**
 * Logs in as the superuser with its AWSCURRENT password or, when the superuser secret is itself being rotated and its
 * setSecret already ran, with its AWSPENDING one: rotations of the two secrets may overlap (a RotatedDatabase with a
 * superuser secret starts both at deploy). That rotation may also end between the reads: its finishSecret moves
 * AWSCURRENT and Secrets Manager then clears AWSPENDING, so AWSCURRENT is read once more and, if it changed, tried
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html: after a successful rotation
 * AWSPENDING "might not be attached to any version"). `target` is the address boundToSuperuser allowed; the superuser
 * is the same user throughout.
 */
async function loginAsSuperuser(ctx: RotationContext, masterArn: string, master: DatabaseSecret, target: DatabaseSecret): Promise<DatabaseSession> {
  const session = await tryLogin(ctx, master, target);
  if (session) return session;
  const rotating = await getDatabaseSecret(masterArn, 'AWSPENDING', undefined, { superuser: true });
  const pendingSession = rotating && rotating.username === master.username ? await tryLogin(ctx, rotating, target) : undefined;
  if (pendingSession) {
    log.info('setSecret: logged in as the superuser with its pending password (its own rotation is under way)', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token });
    return pendingSession;
  }
  const now = await getDatabaseSecret(masterArn, 'AWSCURRENT', undefined, { superuser: true });
  const rotated = now && now.username === master.username && now.password !== master.password && now.password !== rotating?.password
    ? await tryLogin(ctx, now, target) : undefined;
  if (rotated) {
    log.info('setSecret: logged in as the superuser with its new AWSCURRENT password (its own rotation ended meanwhile)', { step: 'setSecret', secretArn: ctx.secretArn, token: ctx.token });
    return rotated;
  }
  throw new AuthenticationFailedError(`setSecret could not log in to ${target.host ?? target.dbClusterArn} as the superuser ${master.username} of ${masterArn} with its AWSCURRENT password (nor with an AWSPENDING one of a rotation under way); fix that secret first, then ${FINISH_THIS_ROTATION}.`);
}

const DATABASE_FIELDS = ['engine', 'host', 'port', 'dbname', 'dbClusterArn', 'ssl'] as const;

function checkSameDatabase(current: DatabaseSecret, pending: DatabaseSecret, secretArn: string): void {
  for (const field of DATABASE_FIELDS) {
    if (current[field] !== pending[field]) {
      throw new SecretMalformedError(`AWSPENDING of ${secretArn} has a different ${field} than AWSCURRENT; a rotation must not move the secret to another database.`);
    }
  }
}

function sameDatabase(a: DatabaseSecret, b: DatabaseSecret): boolean {
  return DATABASE_FIELDS.every(field => a[field] === b[field]);
}

async function withSession<T>(session: DatabaseSession, work: (s: DatabaseSession) => Promise<T>): Promise<T> {
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
