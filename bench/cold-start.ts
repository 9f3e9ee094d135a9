// Cold start as Lambda pays it: a fresh Node.js process loads the handler and answers its first event. For the
// rotation function that event is createSecret (against moto): DescribeSecret, reading AWSCURRENT, GetRandomPassword,
// PutSecretValue. The floor: a fresh process whose handler makes one SDK call, bundled the same way. Both are timed
// from the process's own start (performance.now()) to the answer, with the CPU time the process spent by then.
import { spawnSync, execFileSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Stat, stat } from './synth';
import { Harness, RotationBundle, bundlePath, createDatabaseSecret, startRotationLikeSecretsManager } from '../test/lambda/rotation-harness';

const TMP = join(__dirname, '.tmp');
const MARK = 'COLD-START ';
const RUNNER = join(TMP, 'cold-start-runner.cjs');
const FLOOR = join(TMP, 'cold-start-floor.cjs');

export interface ColdStart { ms: Stat; cpuMs: Stat }

/** Builds the floor bundle and the runner once. */
function prepare(): void {
  mkdirSync(TMP, { recursive: true });
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'bundle-rotation.mjs'), '--entry', join(__dirname, 'cold-start-floor.ts'), '--outfile', FLOOR]);
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

function once(h: Harness, module: string, event: object): { ms: number; cpuMs: number } {
  // Straight to moto: a recording proxy in this process could not answer while spawnSync blocks it.
  const env = { ...process.env, AWS_ENDPOINT_URL_SECRETS_MANAGER: h.moto.endpoint };
  const result = spawnSync(process.execPath, [RUNNER, module, JSON.stringify(event)], { env, encoding: 'utf8', timeout: 60_000 });
  const line = result.stderr.split('\n').find(l => l.startsWith(MARK));
  if (result.status !== 0 || !line) throw new Error(`cold start of ${module} failed: ${result.stderr}`);
  return JSON.parse(line.slice(MARK.length));
}

/** Cold starts of each bundle (a fresh secret and rotation per sample) and of the floor, interleaved. */
export async function coldStarts(h: Harness, samples: number): Promise<{ floor: ColdStart; bundles: Record<string, ColdStart> }> {
  prepare();
  const secrets: Record<string, () => Promise<string>> = {
    'postgres': () => createDatabaseSecret(h, 'postgres', { username: 'cold', password: 'Initial-cold-pw-1' }),
    'mysql': () => createDatabaseSecret(h, 'mariadb', { username: 'cold', password: 'Initial-cold-pw-2' }),
    'data-api': () => createDatabaseSecret(h, 'postgres', { username: 'cold', password: 'Initial-cold-pw-3', dbClusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:cold' }),
  };
  const floor: { ms: number; cpuMs: number }[] = [];
  const bundles: Record<string, { ms: number; cpuMs: number }[]> = {};
  for (let i = 0; i < samples; i++) {
    for (const [name, makeSecret] of Object.entries(secrets)) {
      const secretArn = await makeSecret();
      const token = await startRotationLikeSecretsManager(h, secretArn);
      floor.push(once(h, FLOOR, { SecretId: secretArn }));
      (bundles[name] ??= []).push(once(h, bundlePath(name as RotationBundle), { SecretId: secretArn, ClientRequestToken: token, Step: 'createSecret' }));
    }
  }
  const summary = (values: { ms: number; cpuMs: number }[]) => ({ ms: stat(values.map(v => v.ms)), cpuMs: stat(values.map(v => v.cpuMs)) });
  return { floor: summary(floor), bundles: Object.fromEntries(Object.entries(bundles).map(([name, values]) => [name, summary(values)])) };
}
