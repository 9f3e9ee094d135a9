// What the handler throws when a step fails quotes no password: the Lambda runtime logs it and Secrets Manager shows
// it, outside the function's own log (lambda/rotation/log.ts), so lambda/rotation/index.ts masks every password the
// function has seen in the error's message and stack before it rethrows. Each test makes a step fail with an error that
// quotes a password the function read or made, through the real handler, and looks at what was thrown and logged.
import {
  Engine, Harness, canLogIn, createDatabaseSecret, createDatabaseUser, createSuperuser, stageValue, startHarness, startRotationLikeSecretsManager,
} from './rotation-harness';
import type { DatabaseEngine } from '../../lambda/rotation/engines';

let h: Harness;
/** The handler as built from the TypeScript sources (the bundles hold their own copy of each module, which no spy reaches). */
let sourceHandler: typeof import('../../lambda/rotation').handler;
let sourcePostgres: DatabaseEngine;
let SourceAuthenticationFailedError: typeof import('../../lambda/rotation/errors').AuthenticationFailedError;
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

beforeAll(async () => {
  h = await startHarness();
  // Loaded only now, as the harness loads the bundles: the AWS clients are built at load time from its environment.
  /* eslint-disable @typescript-eslint/no-require-imports */
  sourceHandler = (require('../../lambda/rotation') as typeof import('../../lambda/rotation')).handler;
  sourcePostgres = (require('../../lambda/rotation/engines/postgres') as typeof import('../../lambda/rotation/engines/postgres')).postgres;
  SourceAuthenticationFailedError = (require('../../lambda/rotation/errors') as typeof import('../../lambda/rotation/errors')).AuthenticationFailedError;
  /* eslint-enable @typescript-eslint/no-require-imports */
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

/** What a promise rejected with (fails the test if it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  return promise.then(() => { throw new Error('the step succeeded; the test expected it to fail'); }, error => error);
}

/** The handler's own log line for the failure ("Rotation step failed"), parsed. */
function failureLine(secretArn: string): Record<string, string> {
  const lines = h.logs.filter(line => line.includes('Rotation step failed')).map(line => JSON.parse(line)).filter(line => line.secretArn === secretArn);
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** None of `passwords` in the error's message or stack, nor in anything the function wrote to the console. */
function expectNoneQuoted(passwords: string[], error: { message: string; stack?: string }): void {
  expect(passwords.every(password => password.length > 8)).toBe(true);
  const logs = h.logs.join('\n');
  for (const password of passwords) {
    expect(error.message).not.toContain(password);
    expect(error.stack ?? '').not.toContain(password);
    expect(logs).not.toContain(password);
  }
}

/**
 * A secret written by hand with the password pasted into `dbname` too (fields shifted by one line). The database checks
 * the login first, then refuses the database, and its error names the database: PostgreSQL "database "<name>" does not
 * exist", MariaDB "Unknown database '<name>'" (to a user with privileges on every database, such as the RDS master user,
 * whose secret a person writes; another user gets "access denied", which the engine does not quote). The engine modules
 * quote the message into DatabaseUnreachableError.
 */
const SHIFTED_FIELDS: Record<Engine, { user: (engine: Engine, username: string, password: string) => Promise<void>; quoted: RegExp }> = {
  postgres: { user: (engine, username, password) => createDatabaseUser(h, engine, username, password), quoted: /database "\*\*\*" does not exist/ },
  mariadb: { user: (engine, username, password) => createSuperuser(h, engine, username, password), quoted: /Unknown database '\*\*\*'/ },
};

describe.each<Engine>(['postgres', 'mariadb'])('%s, the shipped bundle', engine => {
  test('a secret whose dbname holds its password: the server\'s refusal quotes it, and what setSecret throws and logs shows *** instead', async () => {
    const username = unique('shifted');
    const password = `Shifted-${username}-pw`;
    await SHIFTED_FIELDS[engine].user(engine, username, password);
    const secretArn = await createDatabaseSecret(h, engine, { username, password, dbname: password });
    const token = await startRotationLikeSecretsManager(h, secretArn);
    await h.handler({ SecretId: secretArn, ClientRequestToken: token, Step: 'createSecret' });
    const pending = (await stageValue(h, secretArn, 'AWSPENDING')).value.password;

    const error = await rejectionOf(h.handler({ SecretId: secretArn, ClientRequestToken: token, Step: 'setSecret' }));

    // The real failure path, not a stand-in: the driver's message reached the error, with the password masked.
    expect(error.kind).toBe('DatabaseUnreachable');
    expect(error.message).toMatch(SHIFTED_FIELDS[engine].quoted);
    expect(error.stack).toMatch(SHIFTED_FIELDS[engine].quoted);
    expect(failureLine(secretArn).error).toMatch(SHIFTED_FIELDS[engine].quoted);
    expectNoneQuoted([password, pending], error);
  }, 60_000);
});

/**
 * A STAND-IN for a driver whose message quotes the statement it ran (MariaDB's syntax errors do, "near '...'"; the
 * engine modules send hashes or strip the quote, so no real server here quotes the pending password). It replaces one
 * engine function, PostgreSQL's `connect`, in the handler built from the sources (the bundles hold their own copy, which
 * no spy reaches). The sources' connect cannot run under jest: it loads the driver with a dynamic `import()`, which
 * jest's CommonJS runtime refuses. So whether a login succeeds is decided by a real login to the real server
 * (`canLogIn`), refused as the engine refuses it (AuthenticationFailedError, which the steps expect); a session that
 * logs in fails its password change with `failure(password)`.
 */
async function setSecretFailingWith(failure: (password: string) => unknown) {
  const username = unique('standin');
  const password = `Standin-${username}-pw`;
  await createDatabaseUser(h, 'postgres', username, password);
  const secretArn = await createDatabaseSecret(h, 'postgres', { username, password });
  const token = await startRotationLikeSecretsManager(h, secretArn);
  await sourceHandler({ SecretId: secretArn, ClientRequestToken: token, Step: 'createSecret' });
  const pending = (await stageValue(h, secretArn, 'AWSPENDING')).value.password;
  const notUsed = async () => { throw new Error('not used by setSecret of a single user'); };
  const spy = jest.spyOn(sourcePostgres, 'connect').mockImplementation(async credentials => {
    if (!(await canLogIn(h, 'postgres', credentials.username, credentials.password))) {
      throw new SourceAuthenticationFailedError(`stand-in: PostgreSQL refused the password of user ${credentials.username}.`);
    }
    return {
      setOwnPassword: async (newPassword: string) => { throw failure(newPassword); },
      setPassword: notUsed,
      ensureUser: notUsed,
      userExists: notUsed,
      createPair: notUsed,
      ping: async () => undefined,
      close: async () => undefined,
    };
  });
  try {
    const error = await rejectionOf(sourceHandler({ SecretId: secretArn, ClientRequestToken: token, Step: 'setSecret' }));
    // The stand-in ran where the step changes the password, after a real login with AWSCURRENT.
    expect(spy.mock.calls.map(([credentials]) => credentials.password)).toEqual([pending, password]);
    return { secretArn, password, pending, error };
  } finally {
    spy.mockRestore();
  }
}

describe('postgres, the handler from the sources, a stand-in driver failure', () => {
  // V8 writes an error's `stack` on its first read, with the message of that moment: masking the message alone masks
  // the stack of an error nobody has looked at (the real failures above). This one's stack was read before it reached
  // the handler, as a library that logs or wraps an error reads it, so it keeps the password until the handler masks it.
  test('an Error whose message and already written stack quote the pending password: what the handler throws and logs shows *** instead', async () => {
    const { secretArn, password, pending, error } = await setSecretFailingWith(newPassword => {
      const driverError = new Error(`syntax error in ALTER USER ... PASSWORD '${newPassword}'`);
      expect(driverError.stack).toContain(newPassword);
      return driverError;
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('syntax error in ALTER USER ... PASSWORD \'***\'');
    expect(error.stack).toMatch(/^Error: syntax error in ALTER USER \.\.\. PASSWORD '\*\*\*'\n/);
    expect(failureLine(secretArn)).toEqual(expect.objectContaining({ errorKind: 'Error', error: 'syntax error in ALTER USER ... PASSWORD \'***\'' }));
    expectNoneQuoted([password, pending], error);
  }, 60_000);

  // pg, mysql2, the AWS SDK and the function throw Errors; a value of any other kind cannot be masked in place, so the
  // handler throws a new Error of its masked text (and its name) instead of the value itself.
  test('a thrown non-Error with a name and message: what the handler throws is an Error of the same name with its message masked', async () => {
    let thrown: { name: string; message: string } | undefined;
    const { secretArn, password, pending, error } = await setSecretFailingWith(newPassword => {
      thrown = { name: 'DriverFault', message: `PASSWORD '${newPassword}' refused` };
      return thrown;
    });
    expect(error).not.toBe(thrown);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DriverFault');
    expect(error.message).toBe('PASSWORD \'***\' refused');
    expect(failureLine(secretArn)).toEqual(expect.objectContaining({ errorKind: 'DriverFault', error: 'PASSWORD \'***\' refused' }));
    expectNoneQuoted([password, pending], error);
  }, 60_000);

  test('a thrown string or null: an Error of its masked text, and the failure is logged', async () => {
    const fromString = await setSecretFailingWith(newPassword => `refused ${newPassword}`);
    expect(fromString.error).toBeInstanceOf(Error);
    expect(fromString.error.message).toBe('refused ***');
    expect(failureLine(fromString.secretArn)).toEqual(expect.objectContaining({ errorKind: 'Error', error: 'refused ***' }));
    expectNoneQuoted([fromString.password, fromString.pending], fromString.error);

    const fromNull = await setSecretFailingWith(() => null);
    expect(fromNull.error).toBeInstanceOf(Error);
    expect(fromNull.error.message).toBe('null');
    expect(failureLine(fromNull.secretArn)).toEqual(expect.objectContaining({ errorKind: 'Error', error: 'null' }));
  }, 60_000);
});
