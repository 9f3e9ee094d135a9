// Proves the npm tarball carries every Lambda asset the constructs reference: the package is useless without them
// (`cdk synth` fails with "Cannot find asset"), and a compile that skipped the bundle step once shipped none.
//   1. every file of every directory under the project's assets/ (built by `npx projen compile`) is in the tarball,
//      byte for byte: however the bundle is split into per-engine folders later, none can be left out;
//   2. in every lib/**/*.js of the tarball that calls `Code.fromAsset`, each `path.join(__dirname, ...)` /
//      `path.resolve(__dirname, ...)` resolves to a path inside the package that exists; when the path ends in a
//      variable (an asset chosen per engine), its fixed prefix must be a non-empty directory of the package.
// Usage: node scripts/check-package-assets.mjs dist/js/<package>.tgz
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tarball = process.argv[2];
if (!tarball || !existsSync(tarball)) {
  console.error(`package-check: give the npm tarball to check (got ${tarball ?? 'nothing'}); build it with npx projen package:js`);
  process.exit(2);
}
const unpacked = mkdtempSync(join(tmpdir(), 'package-assets-'));
execFileSync('tar', ['xzf', resolve(tarball), '-C', unpacked]);
const pkg = join(unpacked, 'package');

const files = (dir) => readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
const problems = [];

// 1. The built assets, all of them.
const built = join(root, 'assets');
const builtFiles = existsSync(built) ? files(built) : [];
if (!builtFiles.length) problems.push('assets/ is empty in the project: run npx projen compile (it bundles the rotation Lambda) before packing');
for (const f of builtFiles) {
  const shipped = join(pkg, 'assets', f);
  if (!existsSync(shipped)) problems.push(`assets/${f} is not in the tarball`);
  else if (!readFileSync(shipped).equals(readFileSync(join(built, f)))) problems.push(`assets/${f} in the tarball differs from the one built (stale bundle)`);
}

// 2. The paths the compiled constructs hand to Code.fromAsset.
const literal = /^\s*(['"`])([^'"`$]*)\1\s*$/;
const pathCall = /\bpath\w*\.(?:join|resolve)\(\s*__dirname\s*((?:,[^,()]+)*)\)/g;
let referenced = 0;
for (const f of files(join(pkg, 'lib')).filter((name) => name.endsWith('.js'))) {
  const source = readFileSync(join(pkg, 'lib', f), 'utf8');
  if (!/\bfromAsset\(/.test(source)) continue;
  const calls = [...source.matchAll(pathCall)];
  if (!calls.length) problems.push(`lib/${f} calls Code.fromAsset but builds no path from __dirname: this check cannot tell what it ships`);
  for (const [, argList] of calls) {
    const args = argList.split(',').slice(1);
    const fixed = [];
    for (const arg of args) {
      const m = literal.exec(arg);
      if (!m) break;
      fixed.push(m[2]);
    }
    const target = resolve(pkg, 'lib', dirname(f), ...fixed);
    const shown = relative(pkg, target) || '.';
    referenced++;
    if (!(target + sep).startsWith(pkg + sep)) problems.push(`lib/${f}: path.join(__dirname${argList}) leaves the package (${target})`);
    else if (!existsSync(target)) problems.push(`lib/${f}: path.join(__dirname${argList}) is ${shown}, which is not in the tarball`);
    else if (fixed.length < args.length && !(statSync(target).isDirectory() && readdirSync(target).length)) {
      problems.push(`lib/${f}: the fixed part of path.join(__dirname${argList}), ${shown}, is not a non-empty directory in the tarball`);
    } else console.log(`package-check: lib/${f} -> ${shown}${fixed.length < args.length ? '/<chosen at synth>' : ''}: in the tarball`);
  }
}

if (problems.length) {
  console.error(`package-check: the npm package ${tarball} lacks Lambda code the constructs need:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`package-check: every file under assets/ (${builtFiles.length}) and every asset path of lib/ (${referenced}) is in ${tarball}`);
