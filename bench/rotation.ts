// The rotation function as it ships (assets/rotation/<engine>/): bundle sizes per engine, cold start to the first
// answered createSecret, and full four-step rotations against the local PostgreSQL and MariaDB servers and moto, with
// the AWS API calls and database round trips each one makes. Baselines are measured in the same run. Prints Markdown.
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { coldStarts } from './cold-start';
import { fmt, stat } from './synth';
import { RecordingProxy, recordingProxy } from '../test/lambda/recording-proxy';
import {
  Engine, Harness, ROTATION_BUNDLES, completeRotationLikeSecretsManager, createDatabaseSecret, createDatabaseUser, rotate,
  serverFor, startHarness, startRotationLikeSecretsManager,
} from '../test/lambda/rotation-harness';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// At least 15 per bundle: on a shared 2-core machine fewer cold starts move the medians by a tenth of the floor.
const COLD_STARTS = Math.max(RUNS * 3, 15);
const ASSETS = join(__dirname, '..', 'assets', 'rotation');
/** Size goals per bundle, gzipped KB (issue 17). */
const SIZE_GOALS: Record<string, number> = { 'postgres': 150, 'mysql': 250, 'data-api': 120 };
const COLD_START_GOAL = 1.3;

/**
 * The AWS API calls AWS's own rotation functions make (aws-samples/aws-secrets-manager-rotation-lambdas, RDS
 * PostgreSQL and MySQL), counted from their code; the handler's DescribeSecret runs before every step.
 * createSecret: DescribeSecret, GetSecretValue (AWSCURRENT), GetSecretValue (AWSPENDING), GetRandomPassword,
 * PutSecretValue (5). setSecret: DescribeSecret, GetSecretValue AWSPENDING and AWSCURRENT, and AWSPREVIOUS (single
 * user: always read) or the superuser's secret (alternating) (4). testSecret: DescribeSecret, GetSecretValue
 * (AWSPENDING) (2). finishSecret: DescribeSecret twice (the handler's, then the current version's),
 * UpdateSecretVersionStage (3). 14 either way.
 */
const AWS_FLOOR = { single: 14, alternating: 14 };
/**
 * Database round trips the steps cannot do without, counted as connections opened plus statements run:
 * setSecret logs in (1) and changes the password (1); testSecret logs in with the new one (1) and runs a query (1).
 * Alternating users also log in with AWSCURRENT before the superuser acts (1, AWS's confused-deputy check) and
 * check that the clone exists (1).
 */
const DB_FLOOR = { single: 4, alternating: 6 };

/** Connections opened and statements run, from the servers' statement logs (they log everything). */
function databaseEvents(h: Harness, engine: Engine): number {
  if (engine === 'postgres') {
    const log = readFileSync(h.postgres.statementLogPath, 'utf8');
    return (log.match(/LOG: {2}(statement: |connection authorized)/g) ?? []).length;
  }
  const log = readFileSync(h.mariadb.statementLogPath, 'utf8');
  return (log.match(/\s(Connect|Query)\t/g) ?? []).length;
}

/** Every file of a bundle folder (what the function's zip holds), raw and gzipped. */
function bundleSize(name: string): { bytes: number; gzipped: number } {
  const files = readdirSync(join(ASSETS, name)).map(file => readFileSync(join(ASSETS, name, file)));
  return { bytes: files.reduce((sum, f) => sum + f.length, 0), gzipped: files.reduce((sum, f) => sum + gzipSync(f, { level: 9 }).length, 0) };
}

export async function rotationBenchmark(): Promise<string> {
  const lines: string[] = [];
  let proxy!: RecordingProxy;
  // Each secret's rotation runs in the bundle its construct ships (the harness picks it per secret, like addEngine).
  const h = await startHarness({
    secretsManagerEndpoint: async moto => (proxy = await recordingProxy(moto)).endpoint,
  });
  const rows: string[] = [];
  let breakdown = '';
  let cold!: Awaited<ReturnType<typeof coldStarts>>;
  try {
    cold = await coldStarts(h, COLD_STARTS);
    for (const engine of ['postgres', 'mariadb'] as Engine[]) {
      for (const strategy of ['single', 'alternating'] as const) {
        const server = serverFor(h, engine);
        const username = `bench_${strategy.slice(0, 3)}_${engine.slice(0, 2)}`;
        await createDatabaseUser(h, engine, username, `Initial-${username}-pw`);
        const masterarn = strategy === 'alternating'
          ? await createDatabaseSecret(h, engine, { username: server.superuser, password: server.superuserPassword })
          : undefined;
        const secretArn = await createDatabaseSecret(h, engine, { username, password: `Initial-${username}-pw`, ...(masterarn ? { masterarn } : {}) });
        // One rotation to warm up (alternating: the first creates the clone user), then the measured ones.
        await rotate(h, secretArn);
        const ms: number[] = [];
        const apiCalls: number[] = [];
        const dbTrips: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          proxy.requests.length = 0;
          const dbBefore = databaseEvents(h, engine);
          const started = process.hrtime.bigint();
          const token = await startRotationLikeSecretsManager(h, secretArn);
          for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
            await h.handler({ SecretId: secretArn, ClientRequestToken: token, Step });
          }
          ms.push(Number(process.hrtime.bigint() - started) / 1e6);
          // Secrets Manager's own end of the rotation (the harness's stand-in, straight to moto): not the function's
          // work, so neither timed nor counted.
          await completeRotationLikeSecretsManager(h, secretArn, token);
          // RotateSecret is the harness starting the rotation as Secrets Manager would, not the function's call.
          apiCalls.push(proxy.requests.filter(r => r.action !== 'RotateSecret').length);
          dbTrips.push(databaseEvents(h, engine) - dbBefore);
        }
        if (!breakdown) {
          const byAction = new Map<string, number>();
          for (const r of proxy.requests) if (r.action !== 'RotateSecret') byAction.set(r.action, (byAction.get(r.action) ?? 0) + 1);
          breakdown = [...byAction].map(([action, count]) => `${action} ×${count}`).join(', ');
        }
        const calls = stat(apiCalls);
        const trips = stat(dbTrips);
        rows.push(`| ${engine} | ${strategy} user${strategy === 'single' ? '' : 's'} | ${fmt(stat(ms), 1)} | ${fmt(calls)} | ${AWS_FLOOR[strategy]} | ${fmt(trips)} | ${DB_FLOOR[strategy]} |`);
      }
    }
  } finally {
    proxy?.close();
    await h.stop();
  }

  lines.push(`### Rotation function (median of ${RUNS} runs, min–max)`);
  lines.push('');
  lines.push('Bundles (each folder is one asset; a function ships the folder of its databases\' engine, `all` when it serves several):');
  lines.push('');
  lines.push('| bundle | minified KB | gzipped KB | goal, gzipped KB | cold start to the first createSecret, ms | CPU ms by then | × the floor (wall) | × the floor (CPU) | × the floor of the same round (wall) |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const verdict = (value: number, goal: number | undefined) => goal === undefined ? '' : `${goal} (${value <= goal ? 'met' : 'NOT met'})`;
  for (const name of ROTATION_BUNDLES) {
    const { bytes, gzipped } = bundleSize(name);
    const c = cold.bundles[name];
    const ratio = c ? c.ms.median / cold.floor.ms.median : undefined;
    lines.push(`| ${name} | ${(bytes / 1024).toFixed(0)} | ${(gzipped / 1024).toFixed(1)} | ${verdict(gzipped / 1024, SIZE_GOALS[name])} | ${c ? fmt(c.ms) : 'not measured (the same code as the others, all engines)'} | ${c ? fmt(c.cpuMs) : ''} | `
      + `${ratio ? `${ratio.toFixed(2)} (goal ≤ ${COLD_START_GOAL}: ${ratio <= COLD_START_GOAL ? 'met' : 'NOT met'})` : ''} | ${c ? (c.cpuMs.median / cold.floor.cpuMs.median).toFixed(2) : ''} | `
      + `${c ? fmt(cold.paired[name], 2) : ''} |`);
  }
  lines.push('');
  lines.push(`The floor: a fresh Node.js ${process.version} process whose handler, bundled the same way, makes one SDK call`);
  lines.push(`(DescribeSecret): ${fmt(cold.floor.ms)} ms, ${fmt(cold.floor.cpuMs)} ms CPU (median of ${COLD_STARTS * 3}). Each cold start is`);
  lines.push(`a fresh process timed from its own start to the handler's answer, median of ${COLD_STARTS}; createSecret makes four AWS`);
  lines.push('calls against moto in two round trips (DescribeSecret, GetSecretValue of AWSCURRENT and of the token\'s AWSPENDING');
  lines.push('together; then PutSecretValue; the password is made in the function, without GetRandomPassword), the floor one.');
  lines.push('Those calls alone, in the same round trips,');
  lines.push(`from a handler that does nothing else (bench/cold-start-calls.ts), took ${fmt(cold.calls.ms)} ms, ${(cold.calls.ms.median / cold.floor.ms.median).toFixed(2)}× the floor`);
  lines.push(`(${fmt(cold.paired.calls, 2)}× in the same round): the part of a cold start no change inside the function can remove.`);
  lines.push('The last column divides each cold start by the floor\'s run just before or after it, steadier than the ratio of');
  lines.push('medians when the machine is busy; the goal is judged on the ratio of medians.');
  lines.push('');
  lines.push('| engine | strategy | four steps, ms | AWS API calls | floor (AWS templates) | database round trips | floor |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  lines.push(...rows);
  lines.push('');
  lines.push(`AWS API calls of one single-user rotation: ${breakdown}. finishSecret reuses the handler's`);
  lines.push('DescribeSecret (AWS\'s functions describe the secret again), which pays for reading the new version to log in with');
  lines.push('it before it moves AWSCURRENT (an out-of-order call cannot promote a password the database refuses); it leaves');
  lines.push('AWSPENDING for Secrets Manager to clear when the rotation completes, as AWS\'s functions do. Single user: setSecret');
  lines.push('reads AWSPREVIOUS only when AWSCURRENT does not log in (AWS\'s function always reads it), one call fewer; and the');
  lines.push('function makes its passwords itself from GetRandomPassword\'s rules (lambda/rotation/password.ts), another one fewer.');
  lines.push('Database round trips above the floor: that re-login, the current user\'s name and the server\'s');
  lines.push('password_encryption (PostgreSQL, one query), the server version (MariaDB gets a hash, never the password), the');
  lines.push('session\'s statement timeout set before the change (a lock another session holds fails the step after 10 s rather than');
  lines.push('at Lambda\'s timeout), and on MySQL/MariaDB the grants and TLS requirement copied to the pending user on every rotation.');
  lines.push('');
  lines.push('Round trips are connections opened plus statements run, read from the servers\' statement logs; a TLS');
  lines.push('connection costs several network round trips of its own. Local servers and moto: the times show the');
  lines.push('function\'s own cost (TLS handshakes, SCRAM and password hashing, SDK calls), not AWS latency.');
  return lines.join('\n');
}

if (require.main === module) {
  // process.stdout: the harness captures console output, as the function's logs.
  rotationBenchmark().then(text => process.stdout.write(`${text}\n`), error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
