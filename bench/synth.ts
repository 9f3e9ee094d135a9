// Synth cost of this library against plain aws-cdk-lib, measured in the same run on the same machine.
// Each figure is the median of RUNS fresh processes, with min and max. Prints a Markdown table.
import { execFileSync } from 'child_process';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNTS = [1, 10, 50];
const CLOUDFORMATION_RESOURCE_LIMIT = 500;

interface Sample {
  synthMs: number;
  rssMb: number;
  heapMb: number;
  resources: number;
  templateBytes: number;
  lambdaFunctions: number;
  serverlessApplications: number;
  stacks: number;
}

function measure(variant: string, count: number): Sample {
  const out = execFileSync('npx', ['ts-node', 'bench/synth-app.ts', variant, String(count)], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', JSII_DEPRECATED: 'quiet' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export interface Stat { median: number; min: number; max: number }
export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}
export const fmt = (s: Stat, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

export function synthBenchmark(): string {
  const lines: string[] = [];
  lines.push(`### Synth cost: N rotated PostgreSQL databases (at most 25 per stack) (median of ${RUNS} fresh processes, min–max)`);
  lines.push('');
  lines.push('| N | stacks | library synth ms | baseline synth ms | ratio | library RSS MB | baseline RSS MB | ratio | library resources | baseline resources | library template KB | baseline template KB |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const byVariant: Record<string, Record<number, Sample[]>> = { library: {}, baseline: {} };
  for (const count of COUNTS) {
    for (let run = 0; run < RUNS; run++) {
      // Interleave the variants so drift on the machine hits both alike.
      for (const variant of ['library', 'baseline']) {
        (byVariant[variant][count] ??= []).push(measure(variant, count));
      }
    }
    const lib = byVariant.library[count];
    const base = byVariant.baseline[count];
    const ms = [stat(lib.map(s => s.synthMs)), stat(base.map(s => s.synthMs))];
    const rss = [stat(lib.map(s => s.rssMb)), stat(base.map(s => s.rssMb))];
    lines.push(`| ${count} | ${lib[0].stacks} | ${fmt(ms[0])} | ${fmt(ms[1])} | ${(ms[0].median / ms[1].median).toFixed(2)} | ${fmt(rss[0])} | ${fmt(rss[1])} | ${(rss[0].median / rss[1].median).toFixed(2)} | ${lib[0].resources} | ${base[0].resources} | ${(lib[0].templateBytes / 1024).toFixed(0)} | ${(base[0].templateBytes / 1024).toFixed(0)} |`);
  }

  lines.push('');
  lines.push('### Resources per rotated database and the 500-resource limit');
  lines.push('');
  lines.push('| | fixed per stack | per database | template bytes per database | largest N in one stack | Lambda functions at N=10 | nested SAR stacks at N=10 |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const variant of ['library', 'baseline']) {
    const one = byVariant[variant][1][0];
    const ten = byVariant[variant][10][0];
    const per = (ten.resources - one.resources) / 9;
    const fixed = one.resources - per;
    const bytesPer = (ten.templateBytes - one.templateBytes) / 9;
    const largest = Math.floor((CLOUDFORMATION_RESOURCE_LIMIT - fixed) / per);
    lines.push(`| ${variant} | ${fixed.toFixed(0)} | ${per.toFixed(1)} | ${bytesPer.toFixed(0)} | ${largest} | ${ten.lambdaFunctions} | ${ten.serverlessApplications} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  console.log(synthBenchmark());
}
