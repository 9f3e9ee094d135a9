// Shared set-up for the rotation tests: servers, a Secrets Manager client on moto, and checks that log in
// to the real databases.
import { randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ListSecretVersionIdsCommand, ListSecretsCommand, PutResourcePolicyCommand,
  RotateSecretCommand, SecretsManagerClient, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { MariaDbServer, MotoServer, PostgresServer, PostgresSettings, Tls, makeTls, serversTmpdir } from './servers';

/** The rotation function's role as the tests' function runs under it (its ARN only: moto enforces no policy). */
export const ROTATION_ROLE_ARN = 'arn:aws:iam::123456789012:role/RotationFunctionRole';

export type Engine = 'postgres' | 'mariadb';

export interface Harness {
  readonly moto: MotoServer;
  readonly postgres: PostgresServer;
  readonly mariadb: MariaDbServer;
  readonly caPath: string;
  readonly sm: SecretsManagerClient;
  /** Everything the function wrote to the console. */
  readonly logs: string[];
  /** ARN of moto's stand-in for the rotation function (see startRotationLikeSecretsManager). */
  readonly invocationStubArn: string;
  /** Every password the tests created or saw, to check none is ever logged. */
  readonly passwords: Set<string>;
  /** The passwords the tests themselves set in a database or secret (so they appear in the servers' logs). */
  readonly setByTests: Set<string>;
  /** Every error the handler threw: the Lambda runtime logs them and Secrets Manager shows them, unmasked. */
  readonly thrown: Error[];
  /** The extra PostgreSQL servers asked for with `postgresVariants`, by name. */
  readonly variants: Record<string, PostgresServer>;
  handler(event: object): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * The module whose `handler` runs the steps.
   * @default the bundle a RotationFunction ships for the secret's engine (assets/rotation/<bundle>/index.js, built by
   * `npx projen bundle:rotation`), picked per event as `bundleFor` does
   */
  readonly handlerModule?: string;
  /** Puts something (a recording proxy) between the function and moto's Secrets Manager; returns its endpoint. */
  readonly secretsManagerEndpoint?: (motoEndpoint: string) => Promise<string>;
  /** The same for moto's RDS Data API. */
  readonly rdsDataEndpoint?: (motoEndpoint: string) => Promise<string>;
  /** Extra PostgreSQL servers with other settings (md5 verifiers, no TLS), started with the others. */
  readonly postgresVariants?: Record<string, PostgresSettings>;
}

/**
 * Starts moto and the database servers and loads the bundles. Whatever fails on the way (a server, a proxy the options
 * start, moto's first calls), every server built so far is stopped and its data directory and the TLS keys removed
 * before the error goes on: the caller gets no harness to stop, and a server left running would outlive the tests.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const tlsDir = mkdtempSync(join(serversTmpdir(), 'rotation-tls-'));
  const servers: Array<{ destroy(): Promise<void> }> = [];
  const stop = async () => {
    await Promise.all(servers.map(server => server.destroy()));
    rmSync(tlsDir, { recursive: true, force: true });
  };
  try {
    return await startServersAndBundles(options, makeTls(tlsDir), servers, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startServersAndBundles(
  options: HarnessOptions, tls: Tls, servers: Array<{ destroy(): Promise<void> }>, stop: () => Promise<void>,
): Promise<Harness> {
  // Each server is recorded as soon as it exists (its constructor made its data directory), so a later failure stops it.
  const built = <T extends { destroy(): Promise<void> }>(server: T): T => { servers.push(server); return server; };
  const moto = built(new MotoServer());
  const postgres = built(new PostgresServer(tls));
  const mariadb = built(new MariaDbServer(tls));
  const variants = Object.fromEntries(Object.entries(options.postgresVariants ?? {})
    .map(([name, settings]) => [name, built(new PostgresServer(tls, settings))]));
  await Promise.all([moto, postgres, mariadb, ...Object.values(variants)].map(server => server.start()));

  // The function under test reads these; the AWS SDK sends real HTTP requests to moto.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.secretsManagerEndpoint ? await options.secretsManagerEndpoint(moto.endpoint) : moto.endpoint,
    AWS_ENDPOINT_URL_RDS_DATA: options.rdsDataEndpoint ? await options.rdsDataEndpoint(moto.endpoint) : moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    CA_BUNDLE_PATH: tls.caPath,
    TLS_MODE: 'verify-full',
    // The role RotationFunction names as the one reader of the Data API engine's login secrets.
    LOGIN_SECRET_READER_ARN: ROTATION_ROLE_ARN,
  });
  const invocationStubArn = await createInvocationStub(moto.endpoint);
  // The key the function signs its pending versions with, as RotationFunction creates it (a generated value only the
  // function's role may read); the tests count it among the values no log may hold.
  const proofKeyValue = `proof-key-${randomUUID()}`;
  const setup = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const proofKey = await setup.send(new CreateSecretCommand({ Name: `rotation-proof-key-${randomUUID()}`, SecretString: proofKeyValue }));
  setup.destroy();
  process.env.PROOF_KEY_SECRET_ARN = proofKey.ARN!;
  const logs: string[] = [];
  const capture = (...args: unknown[]) => { logs.push(args.map(String).join(' ')); };
  // Under jest, spies (restored between test files); elsewhere (the benchmark), plain replacement.
  for (const level of ['log', 'error', 'warn', 'info'] as const) {
    if (typeof jest !== 'undefined') jest.spyOn(console, level).mockImplementation(capture);
    else console[level] = capture;
  }
  // Loaded only now: its AWS clients are built at load time, from the environment set above.
  type Handler = typeof import('../../lambda/rotation').handler;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (module: string) => (require(module) as { handler: Handler }).handler;
  const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const fixed = options.handlerModule ? load(options.handlerModule) : undefined;
  // Every bundle, loaded once like a warm container; a secret's rotation runs in the one its construct would ship.
  const bundles = fixed ? undefined : Object.fromEntries(ROTATION_BUNDLES.map(name => [name, load(bundlePath(name))]));
  const handler: Handler = async event => fixed ? fixed(event) : bundles![await bundleFor(sm, event.SecretId)](event);
  const thrown: Error[] = [];

  return {
    moto,
    postgres,
    mariadb,
    caPath: tls.caPath,
    logs,
    thrown,
    variants,
    async handler(event: object) {
      try {
        await handler(event as Parameters<typeof handler>[0]);
      } catch (error) {
        thrown.push(error as Error);
        throw error;
      }
    },
    invocationStubArn,
    passwords: new Set([postgres.superuserPassword, mariadb.superuserPassword, proofKeyValue]),
    setByTests: new Set([postgres.superuserPassword, mariadb.superuserPassword]),
    sm,
    stop,
  };
}

/** The bundles scripts/bundle-rotation.mjs builds, one folder each under assets/rotation. */
export const ROTATION_BUNDLES = ['postgres', 'mysql', 'data-api', 'all'] as const;
export type RotationBundle = typeof ROTATION_BUNDLES[number];

export function bundlePath(name: RotationBundle): string {
  return join(__dirname, '..', '..', 'assets', 'rotation', name, 'index.js');
}

/**
 * The bundle a RotationFunction ships for the database of `secretId`, as RotatedDatabase and RotatedAuroraCluster
 * tell it (`addEngine`): the Data API for a secret with a cluster ARN, else by the secret's `engine`. A secret the
 * constructs would not know (no readable JSON, an unknown engine: the fault tests) runs in the combined bundle.
 */
export async function bundleFor(sm: SecretsManagerClient, secretId: string): Promise<RotationBundle> {
  try {
    const { SecretString } = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    const secret = JSON.parse(SecretString ?? '{}');
    if (secret.dbClusterArn) return 'data-api';
    if (['postgres', 'aurora-postgresql'].includes(secret.engine)) return 'postgres';
    if (['mysql', 'mariadb', 'aurora-mysql'].includes(secret.engine)) return 'mysql';
  } catch {
    // no secret, or not JSON: the combined bundle reports it as the function would
  }
  return 'all';
}

export function serverFor(h: Harness, engine: Engine): PostgresServer | MariaDbServer {
  return engine === 'postgres' ? h.postgres : h.mariadb;
}

/** Creates a database user with a password (and a table it may read), as the engine's superuser. */
export async function createDatabaseUser(
  h: Harness, engine: Engine, username: string, password: string, pg: PostgresServer = h.postgres,
): Promise<void> {
  h.passwords.add(password);
  h.setByTests.add(password);
  if (engine === 'postgres') {
    const client = new Client({ host: '127.0.0.1', port: pg.port, user: h.postgres.superuser, password: h.postgres.superuserPassword, database: 'postgres' });
    await client.connect();
    await client.query(`CREATE ROLE ${client.escapeIdentifier(username)} WITH LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${client.escapeIdentifier(`${username}_data`)} (id int)`);
    await client.query(`GRANT SELECT ON ${client.escapeIdentifier(`${username}_data`)} TO ${client.escapeIdentifier(username)}`);
    await client.end();
  } else {
    h.mariadb.sql(`CREATE USER '${username}'@'%' IDENTIFIED BY '${password}'; CREATE DATABASE IF NOT EXISTS ${username}_db; GRANT SELECT ON ${username}_db.* TO '${username}'@'%';`);
  }
}

/** Creates a second superuser, for tests that rotate a superuser's own password. */
export async function createSuperuser(h: Harness, engine: Engine, username: string, password: string): Promise<void> {
  h.passwords.add(password);
  h.setByTests.add(password);
  if (engine === 'postgres') {
    const client = new Client({ host: '127.0.0.1', port: h.postgres.port, user: h.postgres.superuser, password: h.postgres.superuserPassword, database: 'postgres' });
    await client.connect();
    await client.query(`CREATE ROLE ${client.escapeIdentifier(username)} WITH LOGIN SUPERUSER PASSWORD ${client.escapeLiteral(password)}`);
    await client.end();
  } else {
    h.mariadb.sql(`CREATE USER '${username}'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO '${username}'@'%' WITH GRANT OPTION;`);
  }
}

/** True when the credentials log in to the real database (over plain TCP, independently of the function). */
export async function canLogIn(h: Harness, engine: Engine, username: string, password: string, pg: PostgresServer = h.postgres): Promise<boolean> {
  h.passwords.add(password);
  try {
    if (engine === 'postgres') {
      const client = new Client({ host: '127.0.0.1', port: pg.port, user: username, password, database: 'postgres', connectionTimeoutMillis: 5000 });
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
    } else {
      const connection = await createConnection({ host: '127.0.0.1', port: h.mariadb.port, user: username, password, connectTimeout: 5000 });
      await connection.query('SELECT 1');
      await connection.end();
    }
    return true;
  } catch {
    return false;
  }
}

/** True when the user may read the table or database createDatabaseUser gave `owner`. */
export async function canReadOwnersData(h: Harness, engine: Engine, username: string, password: string, owner: string): Promise<boolean> {
  try {
    if (engine === 'postgres') {
      const client = new Client({ host: '127.0.0.1', port: h.postgres.port, user: username, password, database: 'postgres' });
      await client.connect();
      await client.query(`SELECT * FROM ${client.escapeIdentifier(`${owner}_data`)}`);
      await client.end();
    } else {
      // Over TLS: a DBA may have told the server to REQUIRE SSL for the user.
      const connection = await createConnection({ host: '127.0.0.1', port: h.mariadb.port, user: username, password, database: `${owner}_db`, ssl: { ca: readFileSync(h.caPath, 'utf8') } });
      await connection.end();
    }
    return true;
  } catch {
    return false;
  }
}

/** Runs a query as the engine's superuser (set-up and checks only) and returns its rows. */
export async function queryAsSuperuser(
  h: Harness, engine: Engine, sql: string, params: unknown[] = [], pg: PostgresServer = h.postgres,
): Promise<Record<string, any>[]> {
  if (engine === 'postgres') {
    const client = new Client({ host: '127.0.0.1', port: pg.port, user: pg.superuser, password: pg.superuserPassword, database: 'postgres' });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
  const connection = await createConnection({ host: '127.0.0.1', port: h.mariadb.port, user: h.mariadb.superuser, password: h.mariadb.superuserPassword });
  try {
    const [rows] = await connection.query(sql, params);
    return rows as Record<string, any>[];
  } finally {
    await connection.end();
  }
}

/**
 * A PostgreSQL user that owns a database of its own, in which it has planted a `current_setting()` that makes it a
 * superuser when a superuser calls it, ahead of PostgreSQL's for every session there
 * (`ALTER DATABASE ... SET search_path = planted, pg_catalog`), plus the session defaults `settings` (SQL after SET).
 */
export async function plantedPostgresDatabase(
  h: Harness, username: string, settings: string[] = [],
): Promise<{ username: string; password: string; dbname: string }> {
  const password = `Initial-${username}-pw`;
  await createDatabaseUser(h, 'postgres', username, password);
  const dbname = `${username}_own`;
  await queryAsSuperuser(h, 'postgres', `CREATE DATABASE "${dbname}" OWNER "${username}"`);
  const owner = new Client({ host: '127.0.0.1', port: h.postgres.port, user: username, password, database: dbname });
  await owner.connect();
  try {
    await owner.query('CREATE SCHEMA planted');
    await owner.query(`CREATE FUNCTION planted.current_setting(text) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        IF pg_catalog.current_setting('is_superuser') = 'on' THEN EXECUTE 'ALTER ROLE "${username}" SUPERUSER'; END IF;
        RETURN pg_catalog.current_setting($1);
      END $$`);
    await owner.query(`ALTER DATABASE "${dbname}" SET search_path = planted, pg_catalog`);
    for (const setting of settings) await owner.query(`ALTER DATABASE "${dbname}" SET ${setting}`);
  } finally {
    await owner.end();
  }
  return { username, password, dbname };
}

/** Whether a PostgreSQL role is a superuser. */
export async function isPostgresSuperuser(h: Harness, username: string): Promise<boolean> {
  return (await queryAsSuperuser(h, 'postgres', 'SELECT rolsuper FROM pg_roles WHERE rolname = $1', [username]))[0]?.rolsuper === true;
}

/** A database secret in moto, in the JSON shape RDS secrets have. */
export async function createDatabaseSecret(
  h: Harness, engine: Engine, value: Record<string, unknown>, tags: Record<string, string> = {},
): Promise<string> {
  if (typeof value.password === 'string') {
    h.passwords.add(value.password);
    h.setByTests.add(value.password);
  }
  const server = serverFor(h, engine);
  const result = await h.sm.send(new CreateSecretCommand({
    Name: `rotation-test/${engine}/${randomUUID()}`,
    SecretString: JSON.stringify({ engine, host: '127.0.0.1', port: server.port, ...value }),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  }));
  return result.ARN!;
}

/**
 * The superuser secret's resource policy naming `secretArn` as a secret whose first rotation may create its user, as
 * RotatedDatabase writes it (RotationFunction.listFirstRotationSecret); the function reads it before it creates one.
 */
export async function listAsFirstRotationSecret(h: Harness, masterArn: string, secretArn: string): Promise<void> {
  await h.sm.send(new PutResourcePolicyCommand({
    SecretId: masterArn,
    ResourcePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ROTATION_ROLE_ARN }, Action: 'secretsmanager:GetResourcePolicy', Resource: masterArn },
        {
          Effect: 'Allow',
          Principal: { AWS: ROTATION_ROLE_ARN },
          Action: 'secretsmanager:GetResourcePolicy',
          Resource: masterArn,
          Condition: { StringEquals: { 'secretsmanager:SecretId': secretArn } },
        },
      ],
    }),
  }));
}

/**
 * A HAND-WRITTEN STAND-IN, because moto cannot run a Lambda function here (no Docker): a moto Lambda function
 * that moto "invokes" as a no-op when RotateSecret is called. It exists only so that moto's RotateSecret takes
 * the same path as the real service, which needs a rotation function ARN.
 */
async function createInvocationStub(endpoint: string): Promise<string> {
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const response = await fetch(`${endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ lambda: { use_docker: false } }) });
  if (!response.ok) throw new Error(`moto refused its lambda configuration: ${response.status}`);
  const role = await new IAMClient(config).send(new CreateRoleCommand({
    RoleName: 'rotation-invocation-stub',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  }));
  const fn = await new LambdaClient(config).send(new CreateFunctionCommand({
    FunctionName: 'rotation-invocation-stub',
    Runtime: 'nodejs22.x',
    Role: role.Role!.Arn!,
    Handler: 'index.handler',
    Code: { ZipFile: EMPTY_ZIP },
  }));
  return fn.FunctionArn!;
}

/** The smallest valid zip archive (no entries): moto stores it and never runs it. */
const EMPTY_ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

/**
 * Starts a rotation with moto's RotateSecret, which does what Secrets Manager does before it invokes the
 * function: turn rotation on and create the token's version staged AWSPENDING, still without a value. moto then
 * "invokes" the stand-in above; the tests call the real handler for each step themselves.
 */
export async function startRotationLikeSecretsManager(h: Harness, secretArn: string): Promise<string> {
  const token = randomUUID();
  await h.sm.send(new RotateSecretCommand({
    SecretId: secretArn,
    ClientRequestToken: token,
    RotationLambdaARN: h.invocationStubArn,
    RotationRules: { AutomaticallyAfterDays: 30 },
  }));
  return token;
}

/**
 * A HAND-WRITTEN STAND-IN for Secrets Manager's own end of a rotation, which moto does not do: once finishSecret has
 * returned, the service clears AWSPENDING from the version the function made AWSCURRENT. The function leaves the label
 * there, as AWS's own rotation functions do: "AWSPENDING attached to the same version as AWSCURRENT" is one of the two
 * states a successful rotation ends in
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html), and "our backend cleans up
 * the pending label on rotation completion, outside the rotation lambda" (AWS's maintainers of the reference
 * functions, https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/pull/145). moto 5.2.5 does not clear
 * it, and its RotateSecret refuses to start in exactly that state ("Previous rotation request is still in progress"),
 * the reverse of the rule its own code comment quotes. So the tests, not the function, play the service's part here.
 * It acts only on the token's version and only when that version is AWSCURRENT: it never tidies up after a
 * finishSecret that did not promote, nor moves any label the function should have moved.
 */
export async function completeRotationLikeSecretsManager(h: Harness, secretArn: string, token: string): Promise<void> {
  const stages = (await stagesOf(h, secretArn))[token] ?? [];
  if (stages.includes('AWSCURRENT') && stages.includes('AWSPENDING')) {
    await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
  }
}

/** Invokes one step as Secrets Manager does: the function, then, after a finishSecret that returned, the service's own end of the rotation. */
export async function stepLikeSecretsManager(h: Harness, secretArn: string, token: string, Step: string): Promise<void> {
  await h.handler({ SecretId: secretArn, ClientRequestToken: token, Step });
  if (Step === 'finishSecret') await completeRotationLikeSecretsManager(h, secretArn, token);
}

/** Runs the four steps in order, as Secrets Manager does. */
export async function rotate(h: Harness, secretArn: string): Promise<string> {
  const token = await startRotationLikeSecretsManager(h, secretArn);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    await stepLikeSecretsManager(h, secretArn, token, Step);
  }
  return token;
}

export async function stageValue(h: Harness, secretArn: string, stage: string): Promise<{ versionId: string; value: Record<string, any> }> {
  const result = await h.sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }));
  const value = JSON.parse(result.SecretString!);
  if (typeof value.password === 'string') h.passwords.add(value.password);
  return { versionId: result.VersionId!, value };
}

/**
 * Every password the tests can know: those they saw, and those in every version of every secret in moto (pending
 * passwords a failed step left behind included). The leak checks compare against all of them.
 */
export async function everyKnownPassword(h: Harness): Promise<Set<string>> {
  const found = new Set(h.passwords);
  const reads: Promise<void>[] = [];
  let nextToken: string | undefined;
  do {
    const page = await h.sm.send(new ListSecretsCommand({ NextToken: nextToken, MaxResults: 100 }));
    for (const secret of page.SecretList ?? []) {
      reads.push((async () => {
        const versions = await h.sm.send(new ListSecretVersionIdsCommand({ SecretId: secret.ARN, IncludeDeprecated: true, MaxResults: 100 }));
        for (const version of versions.Versions ?? []) {
          const value = await h.sm.send(new GetSecretValueCommand({ SecretId: secret.ARN, VersionId: version.VersionId })).catch(() => undefined);
          try {
            const parsed = JSON.parse(value?.SecretString ?? '{}');
            if (typeof parsed.password === 'string' && parsed.password !== '') found.add(parsed.password);
          } catch {
            // not JSON: no password field
          }
        }
      })());
    }
    nextToken = page.NextToken;
  } while (nextToken);
  await Promise.all(reads);
  return found;
}

export async function stagesOf(h: Harness, secretArn: string): Promise<Record<string, string[]>> {
  return (await h.sm.send(new DescribeSecretCommand({ SecretId: secretArn }))).VersionIdsToStages ?? {};
}
