// The README and @example snippets as the Go and Java packages show them (pkg.go.dev shows the Go module's README.md
// and the `// Example:` comments of its files; the Javadoc shows package-info.java and the classes' comments), checked
// as what they claim to be: a pattern search for TypeScript passes on Go that no Go compiler accepts.
//
//   node scripts/check-package-examples.mjs go <dir of the generated Go module> [<dir of a copy of it that builds>]
//     Every example must parse as Go (gofmt -e, each wrapped in `package main` / `func main()` when it is a list of
//     statements), import this module by its real path and aws-cdk-go by its /v2 path, name no package it does not
//     import, and compile against the module and aws-cdk-go (compileGo: `go build` of a package written into the copy
//     and removed after). Without a copy, the module is copied and `go mod tidy` resolves the versions its go.mod pins;
//     package-check.sh passes the copy it built, retargeted when the Go module proxy does not serve those versions.
//   node scripts/check-package-examples.mjs java <dir of the unpacked -sources.jar> <dir to write into>
//     Every Java example must not import a package that is not this library's Java package, and is written as a class
//     of its own into the given directory (package `readme`), for the caller to compile against the jar.
//   node scripts/check-package-examples.mjs python <the wheel> <python of a venv with the wheel, aws-cdk-lib and mypy> [<mypy cache dir>]
//     Every Python example (the wheel's README, which is its PyPI page, and the `Example::` of its docstrings) must
//     type-check with mypy against the installed wheel and aws-cdk-lib (checkPython).
// Exits 1 naming every example that fails, with its text.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The names the snippets use without declaring them (rosetta/default.ts-fixture), and their Java types. */
const FIXTURE_JAVA = {
  app: 'software.amazon.awscdk.App',
  stack: 'software.amazon.awscdk.Stack',
  vpc: 'software.amazon.awscdk.services.ec2.IVpc',
  service: 'software.amazon.awscdk.services.iam.IRole',
};
/** The same names as Python types (jsii's Python has a typing Protocol for each interface). */
const FIXTURE_PYTHON = {
  app: 'aws_cdk.App',
  stack: 'aws_cdk.Stack',
  vpc: 'aws_cdk.aws_ec2.IVpc',
  service: 'aws_cdk.aws_iam.IRole',
};
/** The same names as Go types (jsii's Go has an interface for each class), with the package each is in. */
const CDK_GO = 'github.com/aws/aws-cdk-go/awscdk/v2';
const FIXTURE_GO = {
  app: { type: 'awscdk.App', importPath: CDK_GO },
  stack: { type: 'awscdk.Stack', importPath: CDK_GO },
  vpc: { type: 'awsec2.IVpc', importPath: `${CDK_GO}/awsec2` },
  service: { type: 'awsiam.IRole', importPath: `${CDK_GO}/awsiam` },
};

const problems = [];
const fail = (where, message, text) => problems.push(`${where}: ${message}\n${text.replace(/^/gm, '    ')}`);

function filesUnder(dir, ext) {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter(f => f.endsWith(ext)).map(f => path.join(dir, f));
}

// ---------------------------------------------------------------------------------------------------------------- Go

/** The README's ```go blocks and each file's `// Example:` comment. */
function goExamples(moduleDir) {
  const examples = [];
  const readme = fs.readFileSync(path.join(moduleDir, 'README.md'), 'utf8');
  let n = 0;
  for (const m of readme.matchAll(/^```go\n([\s\S]*?)^```$/gm)) examples.push({ where: `README.md go block ${++n}`, code: m[1] });
  for (const file of filesUnder(moduleDir, '.go')) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!/^\s*\/\/ Example:$/.test(line)) return;
      const body = [];
      // godoc's code lines: `//` and three spaces, then the code; a blank line of the code is `//`.
      for (let j = i + 1; j < lines.length && /^\s*\/\/( {3}|$)/.test(lines[j]); j++) body.push(lines[j].replace(/^\s*\/\/( {3})?/, ''));
      examples.push({ where: `${path.relative(moduleDir, file)}:${i + 1} Example`, code: body.join('\n') });
    });
  }
  return examples;
}

/** A Go file gofmt can parse: imports first, the statements as the body of main() unless the example is a file. */
function goFile(code) {
  if (/^package /m.test(code)) return code;
  const lines = code.split('\n');
  const imports = lines.filter(l => /^import\b/.test(l));
  const body = lines.filter(l => !/^import\b/.test(l));
  return `package main\n\n${imports.join('\n')}\n\nfunc main() {\n${body.join('\n')}\n}\n`;
}

function checkGo(moduleDir, buildDir) {
  const modulePath = /^module (\S+)$/m.exec(fs.readFileSync(path.join(moduleDir, 'go.mod'), 'utf8'))?.[1];
  if (!modulePath) throw new Error(`no module line in ${moduleDir}/go.mod`);
  const examples = goExamples(moduleDir);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'go-examples-'));
  for (const [i, { where, code }] of examples.entries()) {
    const file = path.join(work, `example${i + 1}.go`);
    fs.writeFileSync(file, goFile(code));
    try {
      execFileSync('gofmt', ['-e', '-l', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const errors = String(e.stderr).trim().split('\n').map(l => l.replace(`${file}:`, 'line '));
      fail(where, `is not Go: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, code);
    }
    const imports = [...code.matchAll(/^import (?:(\w+) )?"([^"]+)"$/gm)].map(m => ({ alias: m[1], path: m[2] }));
    if (!imports.some(imp => imp.path === modulePath)) fail(where, `does not import this module as ${modulePath}`, code);
    const wrong = imports.filter(imp => imp.path.includes('aws-samples/dummy')
      || (imp.path.startsWith('github.com/aws/aws-cdk-go/') && !imp.path.startsWith('github.com/aws/aws-cdk-go/awscdk/v2')));
    if (wrong.length) fail(where, `imports paths that do not exist: ${wrong.map(w => w.path).join(', ')} (aws-cdk-go is github.com/aws/aws-cdk-go/awscdk/v2[/<service>])`, code);
    // A package the example uses must be imported: `awscdk.Aws_iam.NewRole` uses awscdk, which has no Aws_iam.
    // A package's name is the last element of its path (less a /vN major version), except the jsii runtime's.
    const packageName = p => (p === 'github.com/aws/jsii-runtime-go' ? 'jsii' : p.split('/').filter(s => !/^v\d+$/.test(s)).pop());
    const imported = new Set(imports.map(imp => imp.alias ?? packageName(imp.path)));
    const declared = new Set([...code.matchAll(/\b(\w+) :=/g)].map(m => m[1]).concat(Object.keys(FIXTURE_GO)));
    const qualifiers = new Set([...code.replace(/"(?:[^"\\]|\\.)*"|\/\/.*$/gm, '').matchAll(/(?<![.\w])([a-z]\w*)\.[A-Za-z*]/g)].map(m => m[1]));
    const unknown = [...qualifiers].filter(q => !imported.has(q) && !declared.has(q));
    if (unknown.length) fail(where, `uses packages it does not import: ${unknown.join(', ')}`, code);
    if (/\b\w+\.\*?Aws_/.test(code)) fail(where, 'names a CDK service module as a member of awscdk (Go imports each, e.g. awsiam)', code);
  }
  fs.rmSync(work, { recursive: true, force: true });
  if (problems.length === 0) compileGo(examples, moduleDir, buildDir);
  return examples.length;
}

/**
 * Type-checks the examples with the Go compiler against the generated module and aws-cdk-go, in a package of
 * `buildDir` (a copy of the module whose go.mod resolves; without one, a copy of `moduleDir`) that is removed after.
 * A list of statements becomes the body of a function of package `examplescheck`, followed by `_ = name` for each
 * variable it declares (Go refuses unused variables; a reader pastes the example into code that uses them); the names
 * the snippets use without declaring them come from a fixture file (FIXTURE_GO). An example that is a whole file is a
 * package of its own. `go build` of non-main packages compiles without linking.
 */
function compileGo(examples, moduleDir, buildDir) {
  let copy;
  if (!buildDir) {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'go-examples-build-'));
    buildDir = path.join(copy, 'module');
    fs.cpSync(moduleDir, buildDir, { recursive: true });
    try {
      execFileSync('go', ['mod', 'tidy'], { cwd: buildDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    } catch (e) {
      fs.rmSync(copy, { recursive: true, force: true });
      fail(`go mod tidy in a copy of ${moduleDir}`, 'failed: the examples were not compiled. Pass a copy of the module whose go.mod '
        + 'resolves as the third argument (package-check.sh builds one where the Go module proxy does not serve the pinned aws-cdk-go)',
      String(e.stderr).trim());
      return;
    }
  }
  const pkgDir = path.join(buildDir, 'examplescheck');
  fs.rmSync(pkgDir, { recursive: true, force: true });
  fs.mkdirSync(pkgDir);
  fs.writeFileSync(path.join(pkgDir, 'fixture.go'), [
    '// The names the examples use without declaring them (rosetta/default.ts-fixture).',
    'package examplescheck',
    '',
    ...[...new Set(Object.values(FIXTURE_GO).map(t => t.importPath))].map(p => `import "${p}"`),
    '',
    ...Object.entries(FIXTURE_GO).map(([name, { type }]) => `var ${name} ${type}`),
    '',
  ].join('\n'));
  /** Per generated file (relative to buildDir): the example and the example's line of each file line. */
  const sources = new Map();
  for (const [i, { where, code }] of examples.entries()) {
    const lines = code.split('\n');
    const out = [`// ${where}`];
    const lineOf = [undefined];
    const emit = (text, exampleLine) => { out.push(text); lineOf.push(exampleLine); };
    let file;
    if (/^package /m.test(code)) {
      const name = `example${i + 1}`;
      fs.mkdirSync(path.join(pkgDir, name));
      file = path.join('examplescheck', name, 'example.go');
      lines.forEach((line, j) => emit(line.replace(/^package main$/, `package ${name}`), j + 1));
    } else {
      file = path.join('examplescheck', `example${i + 1}.go`);
      emit('package examplescheck', undefined);
      lines.forEach((line, j) => { if (/^import\b/.test(line)) emit(line, j + 1); });
      emit(`func example${i + 1}() {`, undefined);
      lines.forEach((line, j) => { if (!/^import\b/.test(line)) emit(line, j + 1); });
      // The example's own top-level variables (a line that starts unindented); nested scopes see to their own.
      const declared = [...new Set(lines.flatMap(l => /^(\w+(?:, *\w+)*) :?= /.exec(l)?.[1].split(/, */) ?? []).concat(
        lines.flatMap(l => /^var (\w+)/.exec(l)?.[1] ?? [])))].filter(n => n !== '_');
      for (const name of declared) emit(`\t_ = ${name}`, undefined);
      emit('}', undefined);
    }
    fs.writeFileSync(path.join(buildDir, file), `${out.join('\n')}\n`);
    sources.set(file, { where, code, lineOf });
  }
  try {
    // -gcflags=-e: every error, not the first ten (applies to the packages named here, so aws-cdk-go stays cached).
    execFileSync('go', ['build', '-gcflags=-e', './examplescheck/...'], { cwd: buildDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const byExample = new Map();
    const unplaced = [];
    for (const line of String(e.stderr).split('\n')) {
      const m = /^(?:\.\/)?(examplescheck\/\S+\.go):(\d+):(?:(\d+):)? (.*)$/.exec(line);
      const source = m && sources.get(m[1]);
      if (!source) { if (line.trim() && !line.startsWith('#')) unplaced.push(line); continue; }
      const at = source.lineOf[Number(m[2]) - 1];
      const message = `${at ? `line ${at}${m[3] ? `:${m[3]}` : ''}` : 'after the example'}: ${m[4]}`;
      byExample.set(source, [...(byExample.get(source) ?? []), message]);
    }
    for (const [{ where, code }, messages] of byExample) {
      const numbered = code.split('\n').map((l, j) => `${String(j + 1).padStart(3)}  ${l}`).join('\n');
      fail(where, `does not compile against the Go module and aws-cdk-go:\n  ${messages.join('\n  ')}`, numbered);
    }
    if (byExample.size === 0) fail(`go build in ${buildDir}`, 'failed on no example', unplaced.join('\n') || String(e.message));
  } finally {
    fs.rmSync(pkgDir, { recursive: true, force: true });
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------------------------------------------------------- Java

function unescapeHtml(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
    .replace(/&amp;/g, '&');
}

/** The `<pre>` blocks of the Javadoc that are Java (a line ends in `;`): not the mermaid or Python blocks. */
function javaExamples(sourcesDir) {
  const examples = [];
  for (const file of filesUnder(sourcesDir, '.java')) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*\* <blockquote><pre>\n([\s\S]*?)^\s*\* <\/pre><\/blockquote>/gm)) {
      const code = unescapeHtml(m[1].split('\n').map(l => l.replace(/^\s*\* ?/, '')).join('\n'));
      if (!/;\s*(\/\/.*)?$/m.test(code)) continue;
      const line = text.slice(0, m.index).split('\n').length + 1;
      examples.push({ where: `${path.relative(sourcesDir, file)}:${line}`, code });
    }
  }
  return examples;
}

function checkJava(sourcesDir, outDir) {
  const javaPackage = path.dirname(path.relative(sourcesDir, filesUnder(sourcesDir, 'package-info.java')[0])).split(path.sep).join('.');
  const examples = javaExamples(sourcesDir);
  fs.mkdirSync(outDir, { recursive: true });
  for (const [i, { where, code }] of examples.entries()) {
    const imports = [...code.matchAll(/^import (?:static )?([\w.]+)(?:\.\*)?;$/gm)].map(m => m[1]);
    // `protected` is a Java keyword: rosetta's guess for a package it cannot resolve (`cdk.protected.secrets`).
    const invented = imports.filter(imp => /(^|\.)(protected|cdk\.protected)(\.|$)/.test(imp) || imp.startsWith('cdk.'));
    if (invented.length) fail(where, `imports packages that do not exist: ${invented.join(', ')} (this library is ${javaPackage})`, code);
    if (/^Object \w+ = /m.test(code)) fail(where, 'declares a variable as Object (rosetta translated it without types)', code);
    const lines = code.split('\n');
    const fields = Object.entries(FIXTURE_JAVA).map(([name, type]) => `  static ${type} ${name};`).join('\n');
    fs.writeFileSync(path.join(outDir, `Example${i + 1}.java`), [
      `// ${where}`,
      'package readme;',
      '',
      ...lines.filter(l => /^import /.test(l)),
      'import java.util.*;',
      '',
      `class Example${i + 1} {`,
      fields,
      '  static void example() {',
      ...lines.filter(l => !/^import /.test(l)),
      '  }',
      '}',
      '',
    ].join('\n'));
  }
  return examples.length;
}

// ------------------------------------------------------------------------------------------------------------ Python

/** The README's ```python blocks (the wheel's METADATA, the PyPI page) and the `Example::` blocks of its docstrings. */
function pythonExamples(wheel) {
  const unzip = (...args) => execFileSync('unzip', [...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const files = unzip('-Z1', wheel).split('\n').filter(Boolean);
  const metadata = files.find(f => /^[^/]+\.dist-info\/METADATA$/.test(f));
  if (!metadata) throw new Error(`${wheel} has no METADATA`);
  const readmeSource = fs.readFileSync('README.md', 'utf8');
  const examples = [];
  let n = 0;
  for (const m of unzip('-p', wheel, metadata).matchAll(/^```python\n([\s\S]*?)^```$/gm)) {
    // A block README.md holds as it is was written in Python there; the others are jsii-rosetta's translations.
    const source = readmeSource.includes(m[1]) ? 'written as Python in README.md' : 'translated by jsii-rosetta from README.md\'s TypeScript block';
    examples.push({ where: `README python block ${++n} (the PyPI page; ${source})`, code: m[1] });
  }
  for (const file of files.filter(f => f.endsWith('.py'))) {
    const lines = unzip('-p', wheel, file).split('\n');
    lines.forEach((line, i) => {
      const start = /^(\s*)Example::\s*$/.exec(line);
      if (!start) return;
      // reStructuredText's literal block: the lines indented deeper than `Example::`, blank lines included.
      const body = [];
      for (let j = i + 1; j < lines.length && (lines[j].trim() === '' || /^\s*/.exec(lines[j])[0].length > start[1].length); j++) body.push(lines[j]);
      while (body.length && body[body.length - 1].trim() === '') body.pop();
      const indent = Math.min(...body.filter(l => l.trim()).map(l => /^\s*/.exec(l)[0].length));
      const owner = lines.slice(0, i).reverse().find(l => /^\s*(class|def) \w+/.test(l))?.trim().replace(/\(.*$/, '');
      examples.push({
        where: `${file}:${i + 1} Example (docstring of ${owner ?? 'the module'}; translated by jsii-rosetta from an @example in src/)`,
        code: `${body.map(l => l.slice(indent)).join('\n').replace(/^\n+/, '')}\n`,
      });
    });
  }
  return examples;
}

/**
 * Type-checks the Python examples with mypy (installed in the same venv as the wheel and aws-cdk-lib), each the body of
 * a function of a file of its own: the names the snippets use without declaring them are module variables of the types
 * in FIXTURE_PYTHON (a stub module each file imports them from), so an example's own `stack = Stack(app, ...)` shadows
 * the fixture's, as the TypeScript snippet's does inside rosetta's fixture. `--check-untyped-defs`: mypy checks the body
 * of a function without annotations (a class an example declares) only then. mypy rather than pyright: pyright refuses
 * aws-cdk-lib's own classes where its interfaces are expected (`iam.ServicePrincipal` for `IPrincipal`, `kms.Key` for
 * `IKey`), because their methods name a parameter differently from the interface's (aws/jsii#4541); mypy does not
 * compare parameter names there, and reports the same errors otherwise. aws-cdk-lib's submodules (`aws_cdk.aws_ec2`
 * and the rest) are not followed: analysing them took 104 s on an empty cache, against 5 s with its core alone, and a
 * CI machine starts empty. What the check is for stays checked: this package's classes (the core's `Resource` and
 * `Stack` are analysed, so a method name misspelt on `ProtectedSecret` is caught), keywords, structs and optional
 * results, aws-cdk-lib's core (`Environment`, `Duration`), the names an example uses, its imports. A call of a service
 * module, and a member of a class built on one (`SecretsKey` on `aws_kms.Key`), is an `Any` here; the same example's Go
 * and Java translations are compiled against the real types. The files are removed after, unless mypy itself failed.
 */
function checkPython(wheel, python, cacheDir) {
  const examples = pythonExamples(wheel);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'python-examples-'));
  const modules = [...new Set(Object.values(FIXTURE_PYTHON).map(t => t.slice(0, t.lastIndexOf('.'))))];
  fs.writeFileSync(path.join(work, 'rosetta_fixture.pyi'), [
    '# The names the examples use without declaring them (rosetta/default.ts-fixture).',
    ...modules.map(m => `import ${m}`),
    '',
    ...Object.entries(FIXTURE_PYTHON).map(([name, type]) => `${name}: ${type}`),
    '',
  ].join('\n'));
  const preamble = [`from rosetta_fixture import ${Object.keys(FIXTURE_PYTHON).join(', ')}`, '', '', 'def example() -> None:'];
  const files = examples.map(({ where, code }, i) => {
    const file = `example${i + 1}.py`;
    const body = code.replace(/\n+$/, '').split('\n').map(l => (l.trim() ? `    ${l}` : ''));
    fs.writeFileSync(path.join(work, file), [`# ${where}`, ...preamble, ...body, ''].join('\n'));
    return file;
  });
  const offset = preamble.length + 1;
  // No user's or project's mypy configuration applies; aws-cdk-lib's submodules are not analysed, its core is (see
  // above). Named one by one: mypy's `aws_cdk.*` would match `aws_cdk` itself too.
  const cdkDir = execFileSync(python, ['-c', 'import importlib.util; print(importlib.util.find_spec("aws_cdk").submodule_search_locations[0])'],
    { encoding: 'utf8' }).trim();
  const submodules = fs.readdirSync(cdkDir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && /^[a-z]/.test(entry.name)).flatMap(entry => [`aws_cdk.${entry.name}`, `aws_cdk.${entry.name}.*`]);
  fs.writeFileSync(path.join(work, 'mypy.ini'), `[mypy]\n\n[mypy-${submodules.join(',')}]\nfollow_imports = skip\n`);
  const args = ['-m', 'mypy', '--config-file', 'mypy.ini', '--check-untyped-defs', '--show-column-numbers', '--show-error-codes',
    '--no-error-summary', '--no-pretty', '--no-color-output', '--cache-dir', cacheDir ?? path.join(work, '.mypy_cache'), ...files];
  try {
    execFileSync(python, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    if (e.status !== 1) {
      fail(`mypy in ${work}`, `failed (exit ${e.status}) on no example`, `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || String(e.message));
      return examples.length;
    }
    const byExample = new Map();
    const unplaced = [];
    for (const line of String(e.stdout).split('\n')) {
      const m = /^example(\d+)\.py:(\d+):(?:(\d+):)? (error|note): (.*)$/.exec(line);
      if (!m) { if (line.trim()) unplaced.push(line); continue; }
      const example = examples[Number(m[1]) - 1];
      const at = Number(m[2]) - offset;
      const column = m[3] ? `:${Number(m[3]) - 4}` : '';
      byExample.set(example, [...(byExample.get(example) ?? []), `${at >= 1 ? `line ${at}${column}` : 'before the example'}: ${m[4]}: ${m[5]}`]);
    }
    for (const example of examples) {
      const { where, code } = example;
      const messages = byExample.get(example);
      if (!messages) continue;
      const numbered = code.replace(/\n+$/, '').split('\n').map((l, j) => `${String(j + 1).padStart(3)}  ${l}`).join('\n');
      fail(where, `does not type-check against the wheel and aws-cdk-lib (mypy):\n  ${messages.join('\n  ')}`, numbered);
    }
    if (byExample.size === 0) {
      fail(`mypy in ${work}`, 'failed on no example', unplaced.join('\n') || String(e.message));
      return examples.length;
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
  return examples.length;
}

const [language, dir, outDir, cacheDir] = process.argv.slice(2);
const count = language === 'go' ? checkGo(dir, outDir) : language === 'java' ? checkJava(dir, outDir)
  : language === 'python' ? checkPython(dir, outDir, cacheDir) : undefined;
if (count === undefined) {
  throw new Error('usage: check-package-examples.mjs go <module dir> [<build dir>] | java <sources dir> <out dir> | python <wheel> <venv python> [<mypy cache dir>]');
}
if (problems.length) {
  console.error(`check-package-examples: ${problems.length} problem(s) in the ${count} ${language} examples:\n\n${problems.join('\n\n')}`);
  process.exit(1);
}
console.log(count);
