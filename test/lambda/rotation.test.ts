// The rotation function against real PostgreSQL and MariaDB servers and moto as Secrets Manager.
// Each fault test states the fault and what must survive it.
import { readFileSync } from 'fs';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import {
  Engine, Harness, canLogIn, canReadOwnersData, createDatabaseSecret, createDatabaseUser, createSuperuser, rotate, serverFor,
  stageValue, stagesOf, startHarness, startRotationLikeSecretsManager,
} from './rotation-harness';

let h: Harness;
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

beforeAll(async () => {
  h = await startHarness();
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

const step = (secretArn: string, token: string, Step: string) => h.handler({ SecretId: secretArn, ClientRequestToken: token, Step });

/** A user in the database and a single-user secret for it. */
async function singleUser(engine: Engine) {
  const username = unique('single');
  const password = `Initial-${username}-pw`;
  await createDatabaseUser(h, engine, username, password);
  const secretArn = await createDatabaseSecret(h, engine, { username, password });
  return { username, password, secretArn };
}

/** A superuser secret and an application-user secret that names it in masterarn. */
async function alternating(engine: Engine) {
  const server = serverFor(h, engine);
  const masterArn = await createDatabaseSecret(h, engine, { username: server.superuser, password: server.superuserPassword });
  const username = unique('alt');
  const password = `Initial-${username}-pw`;
  await createDatabaseUser(h, engine, username, password);
  const secretArn = await createDatabaseSecret(h, engine, { username, password, masterarn: masterArn });
  return { username, password, secretArn };
}

async function currentLogsIn(engine: Engine, secretArn: string): Promise<boolean> {
  const { value } = await stageValue(h, secretArn, 'AWSCURRENT');
  return canLogIn(h, engine, value.username, value.password);
}

describe.each<Engine>(['postgres', 'mariadb'])('%s', engine => {
  test('single user: AWSCURRENT logs in with a new password, the old one no longer does, AWSPREVIOUS holds it', async () => {
    const { username, password, secretArn } = await singleUser(engine);
    const token = await rotate(h, secretArn);

    const current = await stageValue(h, secretArn, 'AWSCURRENT');
    expect(current.versionId).toBe(token);
    expect(current.value.username).toBe(username);
    expect(current.value.password).not.toBe(password);
    expect(current.value.password).toHaveLength(32);
    expect(current.value.password).not.toMatch(/[ %+~`#$&*()|[\]{}:;<>?!'/@"\\]/);
    expect(await canLogIn(h, engine, username, current.value.password)).toBe(true);
    expect(await canLogIn(h, engine, username, password)).toBe(false);
    expect((await stageValue(h, secretArn, 'AWSPREVIOUS')).value.password).toBe(password);
  });

  test('alternating users: the clone gets the new password and the original\'s privileges; both keep logging in', async () => {
    const { username, password, secretArn } = await alternating(engine);
    await rotate(h, secretArn);

    const first = (await stageValue(h, secretArn, 'AWSCURRENT')).value;
    expect(first.username).toBe(`${username}_clone`);
    expect(await canLogIn(h, engine, first.username, first.password)).toBe(true);
    expect(await canReadOwnersData(h, engine, first.username, first.password, username)).toBe(true);
    // The previous credentials still work: clients holding them are not cut off.
    expect(await canLogIn(h, engine, username, password)).toBe(true);
    expect((await stageValue(h, secretArn, 'AWSPREVIOUS')).value).toMatchObject({ username, password });

    await rotate(h, secretArn);
    const second = (await stageValue(h, secretArn, 'AWSCURRENT')).value;
    expect(second.username).toBe(username);
    expect(second.password).not.toBe(password);
    expect(await canLogIn(h, engine, username, second.password)).toBe(true);
    expect(await canLogIn(h, engine, first.username, first.password)).toBe(true);
  });

  test('alternating users: the first rotation creates the clone when the original user does not exist yet', async () => {
    const server = serverFor(h, engine);
    const masterArn = await createDatabaseSecret(h, engine, { username: server.superuser, password: server.superuserPassword });
    const username = unique('fresh');
    const secretArn = await createDatabaseSecret(h, engine, { username, password: `Never-created-${username}`, masterarn: masterArn });
    await rotate(h, secretArn);
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('every step run twice in a row ends in the same state as once', async () => {
    const { username, password, secretArn } = await singleUser(engine);
    const token = await startRotationLikeSecretsManager(h, secretArn);
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await step(secretArn, token, name);
      await step(secretArn, token, name);
    }
    const current = await stageValue(h, secretArn, 'AWSCURRENT');
    expect(current.versionId).toBe(token);
    expect(await canLogIn(h, engine, username, current.value.password)).toBe(true);
    expect((await stageValue(h, secretArn, 'AWSPREVIOUS')).value.password).toBe(password);
  });

  test('out of order: set before create, test and finish before set all fail and AWSCURRENT keeps logging in', async () => {
    const { secretArn } = await singleUser(engine);
    const token = await startRotationLikeSecretsManager(h, secretArn);
    const before = await stageValue(h, secretArn, 'AWSCURRENT');

    await expect(step(secretArn, token, 'setSecret')).rejects.toThrow(/AWSPENDING version .* has no value: createSecret has not run/);
    await step(secretArn, token, 'createSecret');
    await expect(step(secretArn, token, 'testSecret')).rejects.toMatchObject({ kind: 'AuthenticationFailed' });
    // finishSecret refuses to move AWSCURRENT to a password that does not log in.
    await expect(step(secretArn, token, 'finishSecret')).rejects.toMatchObject({ kind: 'AuthenticationFailed' });

    const after = await stageValue(h, secretArn, 'AWSCURRENT');
    expect(after.versionId).toBe(before.versionId);
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('a token that is not a version of the secret is refused', async () => {
    const { secretArn } = await singleUser(engine);
    await startRotationLikeSecretsManager(h, secretArn);
    await expect(step(secretArn, '11111111-2222-3333-4444-555555555555', 'createSecret'))
      .rejects.toMatchObject({ kind: 'TokenNotStaged', message: expect.stringMatching(/is not a version of/) });
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('a token that is already AWSCURRENT is a no-op for every step', async () => {
    const { secretArn } = await singleUser(engine);
    const token = await rotate(h, secretArn);
    const stagesBefore = await stagesOf(h, secretArn);
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await step(secretArn, token, name);
    expect(await stagesOf(h, secretArn)).toEqual(stagesBefore);
    expect(h.logs.some(l => l.includes('already AWSCURRENT'))).toBe(true);
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('a token staged neither AWSPENDING nor AWSCURRENT is refused', async () => {
    const { secretArn } = await singleUser(engine);
    const token = await rotate(h, secretArn);
    await rotate(h, secretArn);
    // `token` is now AWSPREVIOUS.
    await expect(step(secretArn, token, 'setSecret')).rejects.toMatchObject({ kind: 'TokenNotStaged', message: expect.stringMatching(/not staged AWSPENDING/) });
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test.each(['username', 'host', 'engine'])('a secret without %s fails with a message naming it, and nothing changes', async field => {
    const { username, password } = await singleUser(engine);
    const value: Record<string, unknown> = { username, password, host: '127.0.0.1', port: serverFor(h, engine).port, engine };
    delete value[field];
    const secretArn = await createDatabaseSecret(h, engine, {});
    await h.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value) }));
    const token = await startRotationLikeSecretsManager(h, secretArn);
    await expect(step(secretArn, token, 'createSecret')).rejects.toMatchObject({ kind: 'SecretMalformed', message: expect.stringContaining(`missing ${field}`) });
    expect(Object.keys(await stagesOf(h, secretArn))).toHaveLength(3);
    expect(await canLogIn(h, engine, username, password)).toBe(true);
  });

  test('fault: the database is down during setSecret; the error says so and AWSCURRENT still logs in afterwards', async () => {
    const { secretArn } = await singleUser(engine);
    const token = await startRotationLikeSecretsManager(h, secretArn);
    await step(secretArn, token, 'createSecret');
    const server = serverFor(h, engine);
    await server.stop();
    try {
      await expect(step(secretArn, token, 'setSecret')).rejects.toMatchObject({ kind: 'DatabaseUnreachable', message: expect.stringMatching(/could not be reached/) });
    } finally {
      await server.start();
    }
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
    // Secrets Manager retries the rotation: it completes.
    await step(secretArn, token, 'setSecret');
    await step(secretArn, token, 'testSecret');
    await step(secretArn, token, 'finishSecret');
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('fault: the database is down during testSecret (alternating); AWSCURRENT never moves and still logs in', async () => {
    const { secretArn } = await alternating(engine);
    const token = await startRotationLikeSecretsManager(h, secretArn);
    const before = await stageValue(h, secretArn, 'AWSCURRENT');
    await step(secretArn, token, 'createSecret');
    await step(secretArn, token, 'setSecret');
    const server = serverFor(h, engine);
    await server.stop();
    try {
      await expect(step(secretArn, token, 'testSecret')).rejects.toMatchObject({ kind: 'DatabaseUnreachable' });
      await expect(step(secretArn, token, 'finishSecret')).rejects.toMatchObject({ kind: 'DatabaseUnreachable' });
    } finally {
      await server.start();
    }
    expect((await stageValue(h, secretArn, 'AWSCURRENT')).versionId).toBe(before.versionId);
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('fault: the database is down during testSecret (single user); AWSCURRENT never moves to the unproven password, and the retried rotation ends with AWSCURRENT logging in', async () => {
    // In single-user mode setSecret has already changed the password; until the rotation finishes only the
    // pending value logs in. This is why alternating users exist.
    const { secretArn } = await singleUser(engine);
    const token = await startRotationLikeSecretsManager(h, secretArn);
    const before = await stageValue(h, secretArn, 'AWSCURRENT');
    await step(secretArn, token, 'createSecret');
    await step(secretArn, token, 'setSecret');
    const server = serverFor(h, engine);
    await server.stop();
    try {
      await expect(step(secretArn, token, 'testSecret')).rejects.toMatchObject({ kind: 'DatabaseUnreachable' });
    } finally {
      await server.start();
    }
    expect((await stageValue(h, secretArn, 'AWSCURRENT')).versionId).toBe(before.versionId);
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await step(secretArn, token, name);
    expect((await stageValue(h, secretArn, 'AWSCURRENT')).versionId).toBe(token);
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
  });

  test('alternating users while the superuser secret rotates too: setSecret logs in with the superuser\'s pending password', async () => {
    const superuser = unique('root');
    await createSuperuser(h, engine, superuser, `Initial-${superuser}-pw`);
    const masterArn = await createDatabaseSecret(h, engine, { username: superuser, password: `Initial-${superuser}-pw` });
    const username = unique('alt');
    await createDatabaseUser(h, engine, username, `Initial-${username}-pw`);
    const secretArn = await createDatabaseSecret(h, engine, { username, password: `Initial-${username}-pw`, masterarn: masterArn });

    // The superuser's own rotation gets as far as setSecret: the database now takes only its pending password.
    const masterToken = await startRotationLikeSecretsManager(h, masterArn);
    await step(masterArn, masterToken, 'createSecret');
    await step(masterArn, masterToken, 'setSecret');
    expect(await currentLogsIn(engine, masterArn)).toBe(false);

    await rotate(h, secretArn);
    expect(await currentLogsIn(engine, secretArn)).toBe(true);
    expect(h.logs.some(l => l.includes('logged in as the superuser with its pending password'))).toBe(true);

    await step(masterArn, masterToken, 'testSecret');
    await step(masterArn, masterToken, 'finishSecret');
    expect(await currentLogsIn(engine, masterArn)).toBe(true);
  });

  test('a user whose password was changed outside the rotation is reported as an authentication failure', async () => {
    const { username, secretArn } = await singleUser(engine);
    const token = await startRotationLikeSecretsManager(h, secretArn);
    await step(secretArn, token, 'createSecret');
    const elsewhere = `Changed-elsewhere-${username}`;
    h.passwords.add(elsewhere);
    h.setByTests.add(elsewhere);
    if (engine === 'postgres') {
      const c = new Client({ host: '127.0.0.1', port: h.postgres.port, user: h.postgres.superuser, password: h.postgres.superuserPassword, database: 'postgres' });
      await c.connect();
      await c.query(`ALTER USER ${c.escapeIdentifier(username)} WITH PASSWORD ${c.escapeLiteral(elsewhere)}`);
      await c.end();
    } else {
      h.mariadb.sql(`ALTER USER '${username}'@'%' IDENTIFIED BY '${elsewhere}'`);
    }
    await expect(step(secretArn, token, 'setSecret')).rejects.toMatchObject({
      kind: 'AuthenticationFailed',
      message: expect.stringMatching(/could not log in .* with the AWSPENDING, AWSCURRENT or AWSPREVIOUS password/),
    });
  });
});

test('a secret without rotation enabled is refused', async () => {
  const secretArn = await createDatabaseSecret(h, 'postgres', { username: 'nobody', password: 'Not-rotated-pw' });
  await expect(step(secretArn, '11111111-2222-3333-4444-555555555555', 'createSecret')).rejects.toMatchObject({ kind: 'RotationNotEnabled' });
});

test('an event without a step is refused', async () => {
  await expect(h.handler({ SecretId: 'x', ClientRequestToken: 'y' })).rejects.toMatchObject({ kind: 'InvalidEvent', message: expect.stringMatching(/no Step/) });
  await expect(h.handler({ SecretId: 'x', ClientRequestToken: 'y', Step: 'dropTables' })).rejects.toMatchObject({ kind: 'InvalidEvent' });
});

test('no generated password reaches the database servers, which log every statement they receive', () => {
  const generated = [...h.passwords].filter(password => !h.setByTests.has(password));
  expect(generated.length).toBeGreaterThan(10);
  const serverLogs = [h.postgres.statementLogPath, h.mariadb.statementLogPath].map(path => readFileSync(path, 'utf8'));
  // The logs are real: they hold the password changes, as hashes.
  expect(serverLogs[0]).toMatch(/ALTER USER .* WITH PASSWORD 'SCRAM-SHA-256\$4096:/);
  expect(serverLogs[1]).toMatch(/IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'|SET PASSWORD = '\*[0-9A-F]{40}'/);
  for (const password of generated) {
    for (const log of serverLogs) expect(log.includes(password)).toBe(false);
  }
});

test('the logs are structured JSON with the step and secret ARN, and no password ever appears in them', () => {
  expect(h.logs.length).toBeGreaterThan(50);
  for (const line of h.logs) {
    const entry = JSON.parse(line);
    expect(entry).toEqual(expect.objectContaining({ level: expect.any(String), message: expect.any(String) }));
  }
  expect(h.logs.some(l => JSON.parse(l).step === 'finishSecret' && /secretsmanager/.test(JSON.parse(l).secretArn))).toBe(true);
  expect(h.passwords.size).toBeGreaterThan(20);
  for (const password of h.passwords) {
    for (const line of h.logs) expect(line.includes(password)).toBe(false);
  }
});
