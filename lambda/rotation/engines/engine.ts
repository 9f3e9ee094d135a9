// What every database engine module offers the steps.
import { DatabaseSecret } from '../secret';

/**
 * How long one statement that changes a user may run, waiting for locks included: well within the function's 180 s,
 * so a change another session blocks fails with a message. Past the function's timeout Lambda resets the execution
 * environment (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html): no catch runs and
 * Secrets Manager shows only "Task timed out".
 */
export const STATEMENT_TIMEOUT_S = 10;

export interface DatabaseSession {
  /** Sets the password of an existing user (as a user allowed to manage others). */
  setPassword(username: string, password: string): Promise<void>;
  /** Sets the password of the user this session logged in as (single-user rotation). */
  setOwnPassword(password: string): Promise<void>;
  /**
   * Makes `username` exist with `password` and, when `likeUsername` exists, the same privileges
   * (alternating users: the clone gets what the original has; on PostgreSQL also its role settings, when `username`
   * is a member of `likeUsername`). The password is set last, or in one transaction with the rest.
   */
  ensureUser(username: string, password: string, likeUsername: string): Promise<void>;
  /** Whether an account of that name exists (on MySQL and MariaDB: for any host). */
  userExists(username: string): Promise<boolean>;
  /**
   * Creates `username`, with a password nobody is given, and `clone`, with `clonePassword` and `username`'s
   * privileges: all or nothing, so a retry finds either both or neither. The first rotation of an alternating pair
   * whose user does not exist yet.
   */
  createPair(username: string, clone: string, clonePassword: string): Promise<void>;
  /** A trivial query: proves the session really works. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What a login needs to know beyond the credentials. */
export interface ConnectContext {
  /** The KMS key of the rotated secret (for anything the login must store, such as a Data API login secret). */
  readonly kmsKeyId?: string;
  /** The rotated secret: its `ssl` field and the function's plaintext opt-in decide TLS; errors name it. */
  readonly secretArn: string;
}

export interface DatabaseEngine {
  /**
   * Logs in with `credentials` at the address of `target` (they differ when a superuser logs in to the
   * database of another secret). Throws AuthenticationFailedError or DatabaseUnreachableError.
   */
  connect(credentials: DatabaseSecret, target: DatabaseSecret, context: ConnectContext): Promise<DatabaseSession>;
}
