// A password nobody is given, in a driver-free module both engines use.
import { randomBytes } from 'crypto';

/**
 * The first rotation creates an alternating pair's user with it (and MySQL's ensureUser a new clone, until the
 * pending password is set last); the next rotation sets the user's real one. Only its hash or verifier leaves the
 * function, and it is never logged or stored.
 */
export function unknownPassword(): string {
  return randomBytes(32).toString('base64');
}
