// Review EG, against the real servers: an alternating pair's clone logs in with its original's role settings
// (PostgreSQL's ALTER ROLE ... SET, which membership does not pass on), two finishSecret invocations at once both
// succeed (Secrets Manager's retry beside an on-call's, or a reply lost after the move), and a change of the other user
// whose outcome is unknown says that AWSCURRENT still logs in.
import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { cuttableProxy } from './cuttable-proxy';
import { recordingProxy } from './recording-proxy';
import {
  Engine, Harness, canLogIn, completeRotationLikeSecretsManager, createDatabaseSecret, createDatabaseUser, queryAsSuperuser, rotate, serverFor,
  stageValue, stagesOf, startHarness, startRotationLikeSecretsManager, stepLikeSecretsManager,
} from './rotation-harness';

let h: Harness;
let counter = 0;
const unique = (prefix: string) => `rc${prefix}${++counter}`;
/** Runs once, when the function's UpdateSecretVersionStage reaches the proxy, before it goes on to moto. */
let beforeStageMove: (() => Promise<string | undefined>) | undefined;

beforeAll(async () => {
  h = await startHarness({
    secretsManagerEndpoint: async moto => (await recordingProxy(moto, async action => {
      const hook = beforeStageMove;
      if (action !== 'UpdateSecretVersionStage' || !hook) return undefined;
      beforeStageMove = undefined;
      return hook();
    })).endpoint,
  });
}, 180_000);
afterAll(async () => { await h?.stop(); });
afterEach(() => { beforeStageMove = undefined; });

/** An application user of `engine` and its alternating-users secret, with the engine's superuser as `masterarn`. */
async function alternatingSecret(engine: Engine, username: string): Promise<{ password: string; secretArn: string }> {
  const server = serverFor(h, engine);
  const masterArn = await createDatabaseSecret(h, engine, { username: server.superuser, password: server.superuserPassword });
  const password = `Initial-${username}-pw`;
  await createDatabaseUser(h, engine, username, password);
  return { password, secretArn: await createDatabaseSecret(h, engine, { username, password, masterarn: masterArn }) };
}

describe('PostgreSQL: the clone logs in with its original\'s role settings', () => {
  /** A role's settings per database ('' for all), sorted: what a login of the role gets. */
  const settingsOf = async (role: string) => (await queryAsSuperuser(h, 'postgres',
    'SELECT coalesce(d.datname, \'\') AS database, s.setconfig AS config FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole '
    + 'LEFT JOIN pg_database d ON d.oid = s.setdatabase WHERE r.rolname = $1 ORDER BY 1', [role]))
    .map(row => `${row.database}: ${[...row.config].sort().join(' ; ')}`);
  const readsOrders = async (username: string, password: string) => {
    const client = new Client({ host: '127.0.0.1', port: h.postgres.port, user: username, password, database: 'postgres' });
    await client.connect();
    try {
      await client.query('SELECT * FROM orders');
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.end();
    }
  };

  test('a DBA set search_path on the application\'s role: after the rotation to the clone the application still finds its tables', async () => {
    const username = unique('pg');
    const { password, secretArn } = await alternatingSecret('postgres', username);
    const schema = `${username}_app`;
    await queryAsSuperuser(h, 'postgres', `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".orders (id int); GRANT USAGE ON SCHEMA "${schema}" TO "${username}"; `
      + `GRANT SELECT ON "${schema}".orders TO "${username}"`);
    // A list with a quoted element, a plain value, a setting of one database only, and an extension's own setting.
    await queryAsSuperuser(h, 'postgres', `ALTER ROLE "${username}" SET search_path = "$user", "${schema}", public; ALTER ROLE "${username}" SET statement_timeout = '5min'; `
      + `ALTER ROLE "${username}" IN DATABASE postgres SET work_mem = '8MB'; ALTER ROLE "${username}" SET "myapp.tenant" = 'it''s "us"'`);
    expect(await readsOrders(username, password)).toBe('ok');
    const original = await settingsOf(username);

    await rotate(h, secretArn);
    const current = (await stageValue(h, secretArn, 'AWSCURRENT')).value;
    expect(current.username).toBe(`${username}_clone`);
    expect(await readsOrders(current.username, current.password)).toBe('ok');
    expect(await settingsOf(current.username)).toEqual(original);

    // Back on the original; the DBA changes its settings (the one place the README says to), and the clone has one
    // of its own that the original lacks: the next rotation to the clone gives it exactly the original's.
    await rotate(h, secretArn);
    expect((await stageValue(h, secretArn, 'AWSCURRENT')).value.username).toBe(username);
    await queryAsSuperuser(h, 'postgres', `ALTER ROLE "${username}" SET statement_timeout = '7min'; ALTER ROLE "${username}" IN DATABASE postgres RESET work_mem; `
      + `ALTER ROLE "${username}_clone" SET lock_timeout = '3s'`);
    await rotate(h, secretArn);
    const clone = (await stageValue(h, secretArn, 'AWSCURRENT')).value;
    const settings = await settingsOf(clone.username);
    expect(settings).toEqual(await settingsOf(username));
    expect(settings.join('\n')).toMatch(/statement_timeout=7min/);
    expect(settings.join('\n')).not.toMatch(/work_mem|lock_timeout/);
    expect(await readsOrders(clone.username, clone.password)).toBe('ok');
  }, 120_000);

  test('a setting the function\'s superuser may not give the clone fails the rotation, naming it, and AWSCURRENT keeps working', async () => {
    // The function's superuser as on RDS, where rds_superuser is a CREATEROLE role, not a superuser: it may not set a
    // superuser-only parameter, which a real superuser set on the original.
    const admin = unique('admin');
    await queryAsSuperuser(h, 'postgres', `CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD 'Initial-${admin}-pw'`);
    h.passwords.add(`Initial-${admin}-pw`);
    h.setByTests.add(`Initial-${admin}-pw`);
    const masterArn = await createDatabaseSecret(h, 'postgres', { username: admin, password: `Initial-${admin}-pw` });
    const username = unique('pgsu');
    const password = `Initial-${username}-pw`;
    await createDatabaseUser(h, 'postgres', username, password);
    await queryAsSuperuser(h, 'postgres', `GRANT "${username}" TO "${admin}" WITH ADMIN OPTION; ALTER ROLE "${username}" SET log_statement = 'none'`);
    const secretArn = await createDatabaseSecret(h, 'postgres', { username, password, masterarn: masterArn });

    const token = await startRotationLikeSecretsManager(h, secretArn);
    await stepLikeSecretsManager(h, secretArn, token, 'createSecret');
    await expect(stepLikeSecretsManager(h, secretArn, token, 'setSecret')).rejects.toThrow(
      new RegExp(`refused to give ${username}_clone, a member of ${username}, the setting log_statement of ${username} .*make it the same on both`));
    // All or nothing: no clone stays behind with the pending password, and AWSCURRENT logs in.
    expect(await queryAsSuperuser(h, 'postgres', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [`${username}_clone`])).toEqual([]);
    expect(await canLogIn(h, 'postgres', username, password)).toBe(true);

    // The way out the message names: set it on the clone as a real superuser; the rotation then finishes.
    await queryAsSuperuser(h, 'postgres', `CREATE ROLE "${username}_clone" WITH LOGIN IN ROLE "${username}"; ALTER ROLE "${username}_clone" SET log_statement = 'none'; `
      + `GRANT "${username}_clone" TO "${admin}" WITH ADMIN OPTION`);
    for (const step of ['setSecret', 'testSecret', 'finishSecret']) await stepLikeSecretsManager(h, secretArn, token, step);
    const current = (await stageValue(h, secretArn, 'AWSCURRENT')).value;
    expect(current.username).toBe(`${username}_clone`);
    expect(await canLogIn(h, 'postgres', current.username, current.password)).toBe(true);
  }, 60_000);
});

test('MariaDB: the clone gets the original\'s resource limits, default role and TLS requirement', async () => {
  const username = unique('my');
  const { secretArn } = await alternatingSecret('mariadb', username);
  const role = `${username}_role`;
  // As the function's superuser, who thereby administers the role and may grant it to the clone.
  for (const sql of [`CREATE ROLE ${role}`, `GRANT ${role} TO '${username}'@'%'`, `SET DEFAULT ROLE ${role} FOR '${username}'@'%'`,
    `ALTER USER '${username}'@'%' REQUIRE SSL WITH MAX_USER_CONNECTIONS 7 MAX_STATEMENT_TIME 3`]) {
    await queryAsSuperuser(h, 'mariadb', sql);
  }
  await rotate(h, secretArn);
  const [clone] = await queryAsSuperuser(h, 'mariadb', 'SELECT Priv FROM mysql.global_priv WHERE User = ? AND Host = \'%\'', [`${username}_clone`]);
  const priv = typeof clone.Priv === 'string' ? JSON.parse(clone.Priv) : clone.Priv;
  expect(priv).toMatchObject({ max_user_connections: 7, max_statement_time: 3, default_role: role, ssl_type: 1 });
}, 60_000);

describe.each<[Engine, boolean]>([['postgres', false], ['mariadb', true]])('%s (alternating users: %s): finishSecret beside itself', (engine, alternating) => {
  async function testedRotation(): Promise<{ secretArn: string; token: string; before: string }> {
    const username = unique('fin');
    let secretArn: string;
    if (alternating) {
      secretArn = (await alternatingSecret(engine, username)).secretArn;
    } else {
      await createDatabaseUser(h, engine, username, `Initial-${username}-pw`);
      secretArn = await createDatabaseSecret(h, engine, { username, password: `Initial-${username}-pw` });
    }
    const before = (await stageValue(h, secretArn, 'AWSCURRENT')).versionId;
    const token = await startRotationLikeSecretsManager(h, secretArn);
    for (const step of ['createSecret', 'setSecret', 'testSecret']) await stepLikeSecretsManager(h, secretArn, token, step);
    return { secretArn, token, before };
  }

  async function expectPromoted(secretArn: string, token: string, before: string): Promise<void> {
    await completeRotationLikeSecretsManager(h, secretArn, token);
    const stages = await stagesOf(h, secretArn);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    expect(stages[before]).toEqual(['AWSPREVIOUS']);
    const { value } = await stageValue(h, secretArn, 'AWSCURRENT');
    expect(await canLogIn(h, engine, value.username, value.password)).toBe(true);
  }

  test('a second invocation moves AWSCURRENT after the first read it: both succeed', async () => {
    const { secretArn, token, before } = await testedRotation();
    // The first invocation's move waits until a second one, which read the same AWSCURRENT, has finished.
    let second: Promise<void> | undefined;
    beforeStageMove = async () => {
      second = h.handler({ SecretId: secretArn, ClientRequestToken: token, Step: 'finishSecret' });
      await second;
      return undefined;
    };
    await h.handler({ SecretId: secretArn, ClientRequestToken: token, Step: 'finishSecret' });
    await expect(second).resolves.toBeUndefined();
    await expectPromoted(secretArn, token, before);
  }, 60_000);

  test('the move is made but its answer is lost: the step succeeds', async () => {
    const { secretArn, token, before } = await testedRotation();
    const current = (await stagesOf(h, secretArn));
    const currentVersion = Object.keys(current).find(id => current[id].includes('AWSCURRENT'));
    beforeStageMove = async () => {
      await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: currentVersion }));
      return 'the answer was lost (injected)';
    };
    await h.handler({ SecretId: secretArn, ClientRequestToken: token, Step: 'finishSecret' });
    await expectPromoted(secretArn, token, before);
  }, 60_000);

  test('a refused move the other invocation did not make still fails the step', async () => {
    const { secretArn, token } = await testedRotation();
    beforeStageMove = async () => 'throttled (injected)';
    await expect(h.handler({ SecretId: secretArn, ClientRequestToken: token, Step: 'finishSecret' })).rejects.toThrow('throttled (injected)');
    expect((await stagesOf(h, secretArn))[token]).toEqual(['AWSPENDING']);
  }, 60_000);
});

test('PostgreSQL, alternating users: the connection is lost while the superuser changes the other user; the error says AWSCURRENT still logs in', async () => {
  const proxy = await cuttableProxy(h.postgres.port);
  const locker = new Client({ host: '127.0.0.1', port: h.postgres.port, user: h.postgres.superuser, password: h.postgres.superuserPassword, database: 'postgres' });
  try {
    const username = unique('lost');
    const password = `Initial-${username}-pw`;
    await createDatabaseUser(h, 'postgres', username, password);
    const masterArn = await createDatabaseSecret(h, 'postgres', { username: h.postgres.superuser, password: h.postgres.superuserPassword, port: proxy.port });
    const secretArn = await createDatabaseSecret(h, 'postgres', { username, password, masterarn: masterArn, port: proxy.port });
    const token = await startRotationLikeSecretsManager(h, secretArn);
    await stepLikeSecretsManager(h, secretArn, token, 'createSecret');
    // The pending user is the clone, which the superuser creates: another session holds the lock CREATE ROLE waits
    // on, and the function's connection is cut while it waits.
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE');
    const setSecret = stepLikeSecretsManager(h, secretArn, token, 'setSecret');
    setSecret.catch(() => undefined);
    for (let i = 0; i < 100; i++) {
      const waiting = await queryAsSuperuser(h, 'postgres', "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%CREATE ROLE%'");
      if (waiting.length > 0) break;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    proxy.cut();
    await expect(setSecret).rejects.toThrow(/whether it made the change is unknown; the changed user is not AWSCURRENT's, whose password still logs in/);
    await locker.query('ROLLBACK');
    expect(await canLogIn(h, 'postgres', username, password)).toBe(true);
  } finally {
    await locker.end().catch(() => undefined);
    proxy.close();
  }
}, 60_000);
