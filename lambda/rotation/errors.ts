// One error class per failure kind. Messages say what happened and what to do; they never contain a
// secret value (callers pass names, ARNs and version ids only).

/**
 * How to go on after a step failed while its rotation is under way: RotateSecret refuses to start another while
 * AWSPENDING is on a version of its own, and moving labels by hand may strand the only password that logs in, so the
 * same rotation is finished by invoking its steps again with the pending version, which each step allows
 * (src/private/monitoring.ts, rotationFailedSteps, gives the commands in the failed-rotation alarm and alerts).
 */
export const FINISH_THIS_ROTATION = 'invoke the four steps again with this pending version, as the failed-rotation alarm says (do not remove AWSPENDING)';

/**
 * What a change whose outcome is unknown (the connection lost before the answer) leaves, and what to do. `own`: the
 * session changed its own user's password (single user), so only the pending password may log in now; otherwise it
 * changed the other user of an alternating pair, and AWSCURRENT's is untouched.
 */
export function unknownOutcome(own: boolean): string {
  return `${own ? 'the pending password may be the only one that logs in' : 'the changed user is not AWSCURRENT\'s, whose password still logs in'}: `
    + `${FINISH_THIS_ROTATION} (setSecret first tries the pending password).`;
}

export abstract class RotationError extends Error {
  /** A stable name for the failure kind, logged and shown by Secrets Manager as the error type. */
  public abstract readonly kind: string;
}

/** The event is not a Secrets Manager rotation event this function can handle. */
export class InvalidEventError extends RotationError {
  public readonly kind = 'InvalidEvent';
}

/** The function's own settings (its environment variables) are invalid: fix the construct's props. */
export class InvalidConfigurationError extends RotationError {
  public readonly kind = 'InvalidConfiguration';
}

/** Rotation is not enabled on the secret. */
export class RotationNotEnabledError extends RotationError {
  public readonly kind = 'RotationNotEnabled';
}

/** The token is not a version of the secret, or not staged AWSPENDING, or the pending value is missing. */
export class TokenNotStagedError extends RotationError {
  public readonly kind = 'TokenNotStaged';
}

/** The secret's JSON lacks a field the rotation needs, or has one of the wrong type. */
export class SecretMalformedError extends RotationError {
  public readonly kind = 'SecretMalformed';
}

/** The secret names an engine this function cannot rotate. */
export class UnsupportedEngineError extends RotationError {
  public readonly kind = 'UnsupportedEngine';
}

/** The database did not answer (down, unreachable, blocked by a security group, TLS handshake failed). */
export class DatabaseUnreachableError extends RotationError {
  public readonly kind = 'DatabaseUnreachable';
}

/** The database refused the credentials. */
export class AuthenticationFailedError extends RotationError {
  public readonly kind = 'AuthenticationFailed';
}

/** The database accepted the login but refused to change or create the user. */
export class PasswordChangeFailedError extends RotationError {
  public readonly kind = 'PasswordChangeFailed';
}

/** An AWS service the function calls (Secrets Manager, the RDS Data API) did not answer: an endpoint or network problem. */
export class ServiceUnreachableError extends RotationError {
  public readonly kind = 'ServiceUnreachable';
}

/**
 * The pending version carries no valid proof that this function wrote it (proof.ts): someone else stored it, and the
 * function will not give its password to the database.
 */
export class PendingNotWrittenByFunctionError extends RotationError {
  public readonly kind = 'PendingNotWrittenByFunction';
}
