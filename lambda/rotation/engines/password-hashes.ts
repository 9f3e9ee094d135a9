// The password hashes the engines hand to the servers instead of passwords. Free of database drivers, so the
// Data API bundle, which speaks SQL through the AWS SDK, carries neither node-postgres nor mysql2.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';
import { PasswordChangeFailedError } from '../errors';

/** The md5 verifier PostgreSQL stores: 'md5' and the hex MD5 of the password followed by the user name. */
export function md5Verifier(username: string, password: string): string {
  return `md5${createHash('md5').update(password + username, 'utf8').digest('hex')}`;
}

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 and 7677, PostgreSQL's text format).
 * PostgreSQL accepts it in place of the password and stores it as is, so the password itself never reaches the
 * server, where statement or error logging would write it out. The generated passwords are printable ASCII, for
 * which SASLprep changes nothing.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * The verifier of the type a PostgreSQL server is set to store (`password_encryption`, `encryption` here): a server
 * kept on md5 has clients that cannot do SCRAM, and a SCRAM verifier would lock them out. Either way the server gets a
 * verifier, never the password. `where` names the server in the error.
 */
export function postgresVerifier(encryption: string | undefined, username: string, password: string, where: string): string {
  switch (encryption) {
    case 'md5':
      return md5Verifier(username, password);
    case 'scram-sha-256':
      return scramVerifier(password);
    default:
      throw new PasswordChangeFailedError(`${where} has password_encryption = ${encryption}; the rotation stores md5 or scram-sha-256 verifiers only.`);
  }
}

/** The mysql_native_password hash: '*' and the upper-case hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}
