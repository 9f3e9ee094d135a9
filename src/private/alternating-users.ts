/**
 * The tag on an alternating-users secret that names the user its first rotation may create. The rotation function
 * reads the same key (lambda/rotation/context.ts, FIRST_USER_TAG); test/lambda/rotation.test.ts tags its secrets with
 * this constant, so the two cannot drift apart unnoticed.
 */
export const FIRST_USER_TAG = 'cdk-protected-secrets:first-rotation-creates-user';

/** ... and the superuser secret that may create it (its ARN, as the secret's `masterarn` holds it). */
export const FIRST_USER_SUPERUSER_TAG = 'cdk-protected-secrets:first-rotation-superuser';

/** The prefix of the library's tags: only the principals that deploy a secret may change them (ProtectedSecret). */
export const LIBRARY_TAG_PREFIX = 'cdk-protected-secrets:';
