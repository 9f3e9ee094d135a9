// The README's failed-rotation recovery is a shell loop an on-call pastes at 3 am. Run as written, against a stand-in
// for the AWS CLI (named as such: no AWS account here) that answers as `aws lambda invoke` does: exit 0 and the
// function's error in FunctionError (https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html), or a
// non-zero exit when the call itself is refused (254: https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-returncodes.html).
// Review DX: the loop ran finishSecret after a failed setSecret, and a
// single-user finishSecret that cannot reach the database promotes the pending version.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The README's recovery loop, its placeholders filled in. */
function recoveryLoop(): string {
  const block = [...README.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map(m => m[1]).find(code => code.includes('for step in createSecret'));
  if (!block) throw new Error('README.md has no ```sh block with the recovery loop');
  return block.replace(/<function>/g, 'rotator').replace(/<arn>/g, 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf')
    .replace(/<pending version id>/g, 'pending-version');
}

/** Runs the loop with a stand-in `aws` that fails `failing` (a FunctionError) or refuses `refused` (exit 254). */
function run(answers: { failing?: string; refused?: string }): { steps: string[]; readTimeouts: number[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-'));
  fs.writeFileSync(path.join(dir, 'aws'), `#!/usr/bin/env bash
# Stand-in for the AWS CLI's lambda invoke (test/readme-runbook.test.ts): Invoke's response (StatusCode 200, and
# FunctionError when the function failed), then --query of one key and --output as the CLI prints them (text: None
# for a missing value).
payload=""; timeout=""; out=""; query=""; output=json
while [ $# -gt 0 ]; do
  case "$1" in
    --payload) payload="$2"; shift 2;;
    --cli-read-timeout) timeout="$2"; shift 2;;
    --query) query="$2"; shift 2;;
    --output) output="$2"; shift 2;;
    --function-name|--cli-binary-format) shift 2;;
    lambda|invoke) shift;;
    *) out="$1"; shift;;
  esac
done
step=$(node -e 'console.log(JSON.parse(process.argv[1]).Step)' "$payload")
echo "$step \${timeout:-60}" >> "${dir}/calls"
if [ "$step" = "${answers.refused ?? ''}" ]; then echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi
failed=false
if [ "$step" = "${answers.failing ?? ''}" ]; then failed=true; echo '{"errorType":"DatabaseUnreachable"}' > "$out"; else echo null > "$out"; fi
node -e '
  const [failed, query, output] = process.argv.slice(1);
  const response = { StatusCode: 200, ExecutedVersion: "$LATEST", ...(failed === "true" ? { FunctionError: "Unhandled" } : {}) };
  const value = query ? (response[query] ?? null) : response;
  if (output === "text") console.log(value === null ? "None" : typeof value === "object" ? Object.values(value).join("\\t") : String(value));
  else console.log(JSON.stringify(value, null, 4));
' "$failed" "$query" "$output"
`, { mode: 0o755 });
  try {
    execFileSync('bash', ['-c', recoveryLoop()], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, stdio: 'pipe' });
  } catch {
    // The loop's last command may fail; what it invoked is what counts.
  }
  const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { steps: calls.map(line => line.split(' ')[0]), readTimeouts: calls.map(line => Number(line.split(' ')[1])) };
}

test('the recovery loop runs the four steps in order when each succeeds, waiting longer than the function may run', () => {
  const { steps, readTimeouts } = run({});
  expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
  // Lambda runs a function at most 900 s (the library's 180 s); the CLI's default read timeout of 60 s retries the call.
  for (const timeout of readTimeouts) expect(timeout).toBeGreaterThan(900);
});

test.each(['createSecret', 'setSecret', 'testSecret'])('no step runs after %s answers with a FunctionError', failing => {
  const { steps } = run({ failing });
  expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret'].slice(0, ['createSecret', 'setSecret', 'testSecret'].indexOf(failing) + 1));
});

test('no step runs after the CLI itself fails (a refused call)', () => {
  expect(run({ refused: 'setSecret' }).steps).toEqual(['createSecret', 'setSecret']);
});
