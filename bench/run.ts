// `npm run bench`: every benchmark, printed and written to bench/results.md with the machine it ran on.
// BENCH_RUNS sets the runs per figure (default 5). About ten minutes on two cores; not part of CI.
// BENCH_ONLY=cold-start runs the rotation function's cold starts alone and only prints them (bench/cold-start.ts).
import { writeFileSync } from 'fs';
import * as os from 'os';
import { join } from 'path';
import { coldStartBenchmark } from './cold-start';
import { rotationBenchmark } from './rotation';
import { synthBenchmark } from './synth';

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'cold-start') {
    process.stdout.write(`${await coldStartBenchmark()}\n`);
    return;
  }
  if (process.env.BENCH_ONLY) throw new Error(`BENCH_ONLY is "${process.env.BENCH_ONLY}"; the one benchmark that runs alone is cold-start (unset it for all).`);
  const started = Date.now();
  const sections = [synthBenchmark().markdown, await rotationBenchmark()];
  const machine = `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, `
    + `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.release()}; `
    + `the whole run took ${((Date.now() - started) / 1000).toFixed(0)} s.`;
  const text = ['# Benchmarks', '', 'Produced by `npm run bench` (bench/run.ts); ratios are against a baseline measured in the same run.', '',
    ...sections.flatMap(section => [section, '']), machine, ''].join('\n');
  writeFileSync(join(__dirname, 'results.md'), text);
  // process.stdout: the rotation harness captures console output, as the function's logs.
  process.stdout.write(text);
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
