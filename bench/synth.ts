// Synth cost and deployed resources of this library against two aws-cdk-lib baselines, measured in the same run on
// the same machine: `plain` (aws-cdk-lib's documented rotation) and `matched` (plain plus a customer-managed key and
// a resource policy per secret, what the library adds that aws-cdk-lib can express). CPU time (process.cpuUsage of
// the build and synth) is the figure compared: wall time on a shared 2-core machine moves with the neighbours.
// Each figure is the median of RUNS fresh processes, with min and max. Prints Markdown.
import { execFileSync } from 'child_process';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNTS = [1, 10, 50, 100];
/** The N the goals are set at: more runs there, since its ratios decide them and one busy moment moves a median of 5. */
const GOAL_COUNT = 50;
/** Fewer runs where one run takes seconds, to keep `npm run bench` near ten minutes on two cores. */
const runsFor = (count: number) => (count >= 100 ? Math.min(RUNS, 3) : count === GOAL_COUNT ? RUNS + 4 : RUNS);
const CLOUDFORMATION_RESOURCE_LIMIT = 500;
const GOALS = { plain: 1.5, matched: 1.1 };

interface Sample {
  synthMs: number;
  cpuMs: number;
  rssMb: number;
  topLevelResources: number;
  resources: number;
  lambdaFunctions: number;
  serverlessApplications: number;
  stacks: number;
  templateBytes: number;
}

function measure(variant: string, count: number, env: Record<string, string> = {}): Sample {
  const out = execFileSync('npx', ['ts-node', 'bench/synth-app.ts', variant, String(count)], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', JSII_DEPRECATED: 'quiet', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/**
 * The largest N whose databases all fit in one stack, found by synthesizing it: aws-cdk-lib refuses a stack of more
 * than 500 resources at synth. The estimate from N=1 and N=10 is only a start, since the monitoring's rules and
 * alarms grow in steps (a new group of rules when a pattern is full).
 */
function largestInOneStack(variant: string, estimate: number): number {
  const fits = (n: number) => {
    try {
      measure(variant, n, { BENCH_PER_STACK: String(n) });
      return true;
    } catch {
      return false;
    }
  };
  let n = estimate;
  if (fits(n)) {
    while (fits(n + 1)) n++;
    return n;
  }
  while (n > 1 && !fits(n)) n--;
  return n;
}

export interface Stat { median: number; min: number; max: number }
export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}
export const fmt = (s: Stat, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

export interface SynthSummary {
  markdown: string;
  cpuRatioPlain50: number;
  cpuRatioMatched50: number;
  perDatabase: Record<string, number>;
  largestN: Record<string, number>;
}

export function synthBenchmark(): SynthSummary {
  const variants = ['library', 'plain', 'matched'];
  const samples: Record<string, Record<number, Sample[]>> = { 'library': {}, 'plain': {}, 'matched': {}, 'library-lean': {}, 'library-unmonitored': {} };
  for (const count of COUNTS) {
    for (let run = 0; run < runsFor(count); run++) {
      // Interleaved, so drift on the machine hits every variant alike.
      for (const variant of variants) (samples[variant][count] ??= []).push(measure(variant, count));
      // At the goal's N, also the library with one key for the stack's secrets and the library without monitoring (which
      // neither baseline has), in the same rounds.
      if (count === GOAL_COUNT) {
        for (const variant of ['library-lean', 'library-unmonitored']) (samples[variant][count] ??= []).push(measure(variant, count));
      }
    }
  }
  // Resources do not vary between runs: one process each.
  for (const count of [1, 10]) samples['library-lean'][count] = [measure('library-lean', count)];

  const lines: string[] = [];
  lines.push(`### Synth: N rotated PostgreSQL databases, at most 25 per stack (median of ${RUNS} fresh processes, ${runsFor(GOAL_COUNT)} at N=${GOAL_COUNT}, ${runsFor(100)} at N=100; min–max)`);
  lines.push('');
  lines.push('CPU time is the build and synth of the app in its process (user + system, `process.cpuUsage`); wall time beside it.');
  lines.push('');
  lines.push('| N | stacks | library CPU ms | plain CPU ms | ratio | matched CPU ms | ratio | library wall ms | plain wall ms | matched wall ms | library RSS MB | plain RSS MB |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const cpu = (variant: string, count: number) => stat(samples[variant][count].map(s => s.cpuMs));
  const wall = (variant: string, count: number) => stat(samples[variant][count].map(s => s.synthMs));
  const rss = (variant: string, count: number) => stat(samples[variant][count].map(s => s.rssMb));
  for (const count of COUNTS) {
    const [lib, plain, matched] = variants.map(v => cpu(v, count));
    lines.push(`| ${count} | ${samples.library[count][0].stacks} | ${fmt(lib)} | ${fmt(plain)} | ${(lib.median / plain.median).toFixed(2)} | ${fmt(matched)} | ${(lib.median / matched.median).toFixed(2)} | `
      + `${fmt(wall('library', count))} | ${fmt(wall('plain', count))} | ${fmt(wall('matched', count))} | ${fmt(rss('library', count))} | ${fmt(rss('plain', count))} |`);
  }
  const cpuRatioPlain50 = cpu('library', GOAL_COUNT).median / cpu('plain', GOAL_COUNT).median;
  const cpuRatioMatched50 = cpu('library', GOAL_COUNT).median / cpu('matched', GOAL_COUNT).median;
  const verdict = (ratio: number, goal: number) => `${ratio.toFixed(2)}× (goal ≤ ${goal}×: ${ratio <= goal ? 'met' : 'NOT met'})`;
  // Each round runs the three variants back to back, so the ratio within a round cancels most of the machine's drift.
  const perRound = (baseline: string) => fmt(stat(samples.library[GOAL_COUNT].map((s, i) => s.cpuMs / samples[baseline][GOAL_COUNT][i].cpuMs)), 2);
  lines.push('');
  lines.push(`Synth CPU at N=${GOAL_COUNT}: ${verdict(cpuRatioPlain50, GOALS.plain)} the plain baseline, ${verdict(cpuRatioMatched50, GOALS.matched)} the feature-matched one `
    + `(ratio of the medians, which the goals are judged on). Within each round: ${perRound('plain')} and ${perRound('matched')} (median of the ${runsFor(GOAL_COUNT)} rounds, min–max).`);
  const lean = cpu('library-lean', GOAL_COUNT);
  lines.push('');
  lines.push(`With one key for the stack's secrets (\`encryptionKey: SecretsKey.forStack(stack)\`, library-lean), in the same rounds: ${fmt(lean)} ms, `
    + `${(lean.median / cpu('plain', GOAL_COUNT).median).toFixed(2)}× plain and ${(lean.median / cpu('matched', GOAL_COUNT).median).toFixed(2)}× feature-matched: `
    + 'a key per secret (its policy, alias and grants) is that much of the difference.');
  const unmonitored = cpu('library-unmonitored', GOAL_COUNT);
  const monitoringShare = (cpu('library', GOAL_COUNT).median - unmonitored.median) / cpu('library', GOAL_COUNT).median;
  lines.push('');
  lines.push(`Without monitoring (\`monitoring: { enabled: false }\`, library-unmonitored: the defaults less the alerts neither baseline has), in the same rounds: ${fmt(unmonitored)} ms, `
    + `${(unmonitored.median / cpu('plain', GOAL_COUNT).median).toFixed(2)}× plain and ${(unmonitored.median / cpu('matched', GOAL_COUNT).median).toFixed(2)}× feature-matched; `
    + `the monitoring (rules, alarms, the alert topic and its key, the trail check) is ${(monitoringShare * 100).toFixed(0)}% of the library's synth CPU at N=${GOAL_COUNT}. The goals are judged on the defaults, monitoring on.`);

  lines.push('');
  lines.push('### Deployed resources');
  lines.push('');
  lines.push('Every resource CloudFormation creates, the baselines\' nested Serverless Application Repository stacks included (each');
  lines.push('deploys a rotation function, its role and its invoke permission beside the nested stack resource itself). Monitoring');
  lines.push('(CloudTrail-based alerts, per stack) is on for the library and absent from the baselines.');
  lines.push('');
  lines.push('| N | library | plain (top level + nested) | matched (top level + nested) | library Lambda functions | baseline Lambda functions |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const count of COUNTS) {
    const [lib, plain, matched] = variants.map(v => samples[v][count][0]);
    lines.push(`| ${count} | ${lib.resources} | ${plain.resources} (${plain.topLevelResources} + ${plain.resources - plain.topLevelResources}) | ${matched.resources} (${matched.topLevelResources} + ${matched.resources - matched.topLevelResources}) | ${lib.lambdaFunctions} | ${plain.lambdaFunctions} |`);
  }

  lines.push('');
  lines.push('### Resources per rotated database and the 500-resource limit of one stack');
  lines.push('');
  lines.push('Per database: from N=1 and N=10 in one stack. Largest N: synthesized in one stack (aws-cdk-lib refuses more than');
  lines.push('500 resources), starting from the estimate those give. The nested stacks\' contents count against their own stacks\'');
  lines.push('limits, so a baseline stack counts its top-level resources only.');
  lines.push('');
  lines.push('| | fixed per stack | deployed per database | in the stack\'s template per database | largest N in one stack | template bytes per database |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  const perDatabase: Record<string, number> = {};
  const largestN: Record<string, number> = {};
  for (const variant of ['library', 'library-lean', 'plain', 'matched']) {
    const one = samples[variant][1][0];
    const ten = samples[variant][10][0];
    const per = (ten.resources - one.resources) / 9;
    const perTop = (ten.topLevelResources - one.topLevelResources) / 9;
    const fixedTop = one.topLevelResources - perTop;
    const largest = largestInOneStack(variant, Math.floor((CLOUDFORMATION_RESOURCE_LIMIT - fixedTop) / perTop));
    perDatabase[variant] = per;
    largestN[variant] = largest;
    const bytesPer = (ten.templateBytes - one.templateBytes) / 9;
    lines.push(`| ${variant} | ${fixedTop.toFixed(0)} | ${per.toFixed(1)} | ${perTop.toFixed(1)} | ${largest} | ${bytesPer.toFixed(0)} |`);
  }
  lines.push('');
  lines.push('`library`: the defaults. `library-lean`: `encryptionKey: SecretsKey.forStack(stack)`. A library database\'s own');
  lines.push('resources: the secret, its resource policy, its key and key alias (none with `SecretsKey`), the attachment that');
  lines.push('writes the host into the secret, the instance, its security group, the invoke permission scoped to the secret, and');
  lines.push('the rotation schedule. Shared per stack: the DB subnet group (per VPC and subnets; the context key');
  lines.push('`cdk-protected-secrets:shareDbSubnetGroups: false` keeps one per database, for databases deployed before it was');
  lines.push('shared: see the README), the rotation function\'s targets security group with one ingress and one egress rule per');
  lines.push('database port, the parameter group (per engine family and settings), the option group (per engine and options),');
  lines.push('the Enhanced Monitoring role, the rotation function and its endpoint (per VPC), and the monitoring (its rules and');
  lines.push('alarms grow slowly with N).');
  return { markdown: lines.join('\n'), cpuRatioPlain50, cpuRatioMatched50, perDatabase, largestN };
}

if (require.main === module) {
  console.log(synthBenchmark().markdown);
}
