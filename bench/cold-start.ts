// Cold start as Lambda pays it: a fresh Node.js process loads the handler and answers its first event. For the
// rotation function that event is createSecret (against moto), two round trips: DescribeSecret with the reads of
// AWSCURRENT and of the token's AWSPENDING (the password is made in the function), then PutSecretValue. The floor: a fresh process
// whose handler makes one SDK call, bundled the same way. Both are timed from the process's own start
// (performance.now()) to the answer, with the CPU time the process spent by then.
import { spawnSync, execFileSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { fmt, Stat, stat } from './synth';
import { Harness, RotationBundle, bundlePath, createDatabaseSecret, startHarness, startRotationLikeSecretsManager } from '../test/lambda/rotation-harness';

const TMP = join(__dirname, '.tmp');
const MARK = 'COLD-START ';
const RUNNER = join(TMP, 'cold-start-runner.cjs');
const FLOOR = join(TMP, 'cold-start-floor.cjs');
const CALLS = join(TMP, 'cold-start-calls.cjs');

export interface ColdStart { ms: Stat; cpuMs: Stat }
export interface ColdStarts {
  floor: ColdStart;
  /** createSecret's four AWS calls alone, in its two round trips (bench/cold-start-calls.ts), on the PostgreSQL rounds. */
  calls: ColdStart;
  bundles: Record<string, ColdStart>;
  /** Per bundle, its wall time over the floor's of the same round (the two ran back to back), a steadier ratio when the machine is busy. */
  paired: Record<string, Stat>;
}
/** One cold start: wall time from the process's start to the answer, and the CPU time it spent by then. */
interface Sample { ms: number; cpuMs: number }

/** Builds the floor and calls bundles and the runner once. */
function prepare(): void {
  mkdirSync(TMP, { recursive: true });
  for (const [entry, outfile] of [['cold-start-floor.ts', FLOOR], ['cold-start-calls.ts', CALLS]]) {
    execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'bundle-rotation.mjs'), '--entry', join(__dirname, entry), '--outfile', outfile]);
  }
  writeFileSync(RUNNER, [
    '// Loads the handler given on the command line, answers one event, reports the time since the process started.',
    'const { performance } = require("perf_hooks");',
    'const [handlerPath, event] = process.argv.slice(2);',
    'require(handlerPath).handler(JSON.parse(event)).then(() => {',
    '  const cpu = process.cpuUsage();',
    `  process.stderr.write("${MARK}" + JSON.stringify({ ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 }) + "\\n");`,
    '}, error => { process.stderr.write(String(error.stack || error)); process.exit(1); });',
  ].join('\n'));
}

function once(h: Harness, module: string, event: object): Sample {
  // Straight to moto: a recording proxy in this process could not answer while spawnSync blocks it.
  const env = { ...process.env, AWS_ENDPOINT_URL_SECRETS_MANAGER: h.moto.endpoint };
  const result = spawnSync(process.execPath, [RUNNER, module, JSON.stringify(event)], { env, encoding: 'utf8', timeout: 60_000 });
  const line = result.stderr.split('\n').find(l => l.startsWith(MARK));
  if (result.status !== 0 || !line) throw new Error(`cold start of ${module} failed: ${result.stderr}`);
  return JSON.parse(line.slice(MARK.length));
}

/**
 * Cold starts of each bundle (a fresh secret and rotation per sample) and of the floor, interleaved. With
 * `baselineDir` (another build's assets/rotation), that build's bundles run in the same rounds, each on a fresh
 * rotation of its own, as `<name> (baseline)`: a before/after comparison on a noisy machine. The order within a round
 * rotates, so no side always runs first.
 */
export async function coldStarts(h: Harness, samples: number, baselineDir?: string): Promise<ColdStarts> {
  prepare();
  const secrets: Record<string, () => Promise<string>> = {
    'postgres': () => createDatabaseSecret(h, 'postgres', { username: 'cold', password: 'Initial-cold-pw-1' }),
    'mysql': () => createDatabaseSecret(h, 'mariadb', { username: 'cold', password: 'Initial-cold-pw-2' }),
    'data-api': () => createDatabaseSecret(h, 'postgres', { username: 'cold', password: 'Initial-cold-pw-3', dbClusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:cold' }),
  };
  const floor: Sample[] = [];
  const calls: Sample[] = [];
  const bundles: Record<string, Sample[]> = {};
  const paired: Record<string, number[]> = {};
  for (let i = 0; i < samples; i++) {
    for (const [name, makeSecret] of Object.entries(secrets)) {
      const createSecret = (handler: string) => async () => {
        const secretArn = await makeSecret();
        const token = await startRotationLikeSecretsManager(h, secretArn);
        return once(h, handler, { SecretId: secretArn, ClientRequestToken: token, Step: 'createSecret' });
      };
      const runs: [string, () => Promise<Sample>][] = [
        ['floor', async () => once(h, FLOOR, { SecretId: await makeSecret() })],
        [name, createSecret(bundlePath(name as RotationBundle))],
      ];
      if (baselineDir) runs.push([`${name} (baseline)`, createSecret(join(baselineDir, name, 'index.js'))]);
      if (name === 'postgres') runs.push(['calls', createSecret(CALLS)]);
      const shift = i % runs.length;
      const round: Record<string, Sample> = {};
      for (const [label, run] of [...runs.slice(shift), ...runs.slice(0, shift)]) round[label] = await run();
      floor.push(round.floor);
      for (const [label] of runs.slice(1)) {
        (label === 'calls' ? calls : bundles[label] ??= []).push(round[label]);
        (paired[label] ??= []).push(round[label].ms / round.floor.ms);
      }
    }
  }
  const summary = (values: Sample[]) => ({ ms: stat(values.map(v => v.ms)), cpuMs: stat(values.map(v => v.cpuMs)) });
  const byBundle = <T, U>(values: Record<string, T>, f: (value: T) => U) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, f(value)]));
  return { floor: summary(floor), calls: summary(calls), bundles: byBundle(bundles, summary), paired: byBundle(paired, stat) };
}

/**
 * `BENCH_ONLY=cold-start npm run bench`: the cold starts alone (about a minute), printed, bench/results.md untouched.
 * BENCH_COLD_STARTS sets the samples per bundle (default 15); BENCH_COLD_START_BASELINE=<dir> compares with another
 * build's assets/rotation (copy it aside before rebuilding).
 */
export async function coldStartBenchmark(): Promise<string> {
  const samples = Number(process.env.BENCH_COLD_STARTS ?? 15);
  const baselineDir = process.env.BENCH_COLD_START_BASELINE;
  const h = await startHarness();
  let cold!: ColdStarts;
  try {
    cold = await coldStarts(h, samples, baselineDir);
  } finally {
    await h.stop();
  }
  const ratio = (s: Stat) => (s.median / cold.floor.ms.median).toFixed(2);
  return [
    `### Cold start to the first answered createSecret (median of ${samples} fresh processes, min–max)${baselineDir ? `; baseline: ${baselineDir}` : ''}`,
    '',
    '| bundle | ms | CPU ms | × the floor (wall) | × the floor (CPU) | × the floor in the same round (wall, median) |',
    '| --- | --- | --- | --- | --- | --- |',
    `| floor | ${fmt(cold.floor.ms)} | ${fmt(cold.floor.cpuMs)} | 1.00 | 1.00 | 1.00 |`,
    `| createSecret's calls alone | ${fmt(cold.calls.ms)} | ${fmt(cold.calls.cpuMs)} | ${ratio(cold.calls.ms)} | ${(cold.calls.cpuMs.median / cold.floor.cpuMs.median).toFixed(2)} | ${fmt(cold.paired.calls, 2)} |`,
    ...Object.entries(cold.bundles).sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) =>
      `| ${name} | ${fmt(c.ms)} | ${fmt(c.cpuMs)} | ${ratio(c.ms)} | ${(c.cpuMs.median / cold.floor.cpuMs.median).toFixed(2)} | ${fmt(cold.paired[name], 2)} |`),
  ].join('\n');
}
