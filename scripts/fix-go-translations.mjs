// Rewrites the Go translations in a jsii-rosetta tablet (.jsii.tabl.json) into Go that parses and imports what exists.
// jsii-rosetta translates aws-cdk-lib's submodules as members of its root package and without the module's major
// version (`import "github.com/aws/aws-cdk-go/awscdk"`, `awscdk.Aws_iam.NewRole`, `awscdk.*Aws_iam.NewServicePrincipal`,
// `SecretsKey_*ForStack`), leaves struct names unqualified (`&RoleProps{`), capitalizes the value of a shorthand
// property (`Vpc: Vpc`), misses the capital of some inherited methods (`apiKey.grantRead(`) and the jsii runtime's
// import. The types are looked up in the assemblies (this library's and aws-cdk-lib's), not guessed from names.
// Idempotent: rosetta reuses the tablet as its cache, so a translation can pass through here again.
//
//   node scripts/fix-go-translations.mjs .jsii.tabl.json
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const require = createRequire(import.meta.url);

function loadAssembly(dir) {
  let assembly = JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));
  if (assembly.schema === 'jsii/file-redirect') assembly = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, assembly.filename))));
  return assembly;
}

const cdkDir = path.dirname(require.resolve('aws-cdk-lib/package.json'));
const cdk = loadAssembly(cdkDir);
const cdkMajor = cdk.version.split('.')[0];
const cdkModule = `${cdk.targets.go.moduleName}/${cdk.targets.go.packageName}/v${cdkMajor}`; // github.com/aws/aws-cdk-go/awscdk/v2
const own = loadAssembly('.');
const ownModule = `${own.targets.go.moduleName}/${own.targets.go.packageName}`;

/** Go package of each aws-cdk-lib submodule by the name rosetta gives it (`Aws_iam` → `awsiam`). */
const cdkPackages = new Map();
for (const [fqn, submodule] of Object.entries(cdk.submodules ?? {})) {
  if (fqn.split('.').length !== 2) continue; // aws-cdk-lib.aws_iam, not aws-cdk-lib.interfaces.aws_iam
  const tsName = fqn.split('.').pop();
  const goName = submodule.targets?.go?.packageName ?? tsName.replace(/_/g, '').toLowerCase();
  cdkPackages.set(tsName.charAt(0).toUpperCase() + tsName.slice(1), goName);
}

/** Go packages that declare an interface or struct of a given name: `RoleProps` → ['awsiam']. */
const typePackages = new Map();
const goPackageOf = (assembly, fqn) => {
  const parts = fqn.split('.');
  if (assembly === own) return own.targets.go.packageName;
  if (parts.length === 2) return cdk.targets.go.packageName;
  if (parts.length !== 3) return undefined;
  return cdkPackages.get(parts[1].charAt(0).toUpperCase() + parts[1].slice(1));
};
for (const assembly of [own, cdk]) {
  for (const type of Object.values(assembly.types ?? {})) {
    if (type.kind !== 'interface') continue; // jsii structs and behavioural interfaces; classes are built by New<Name>
    const pkg = goPackageOf(assembly, type.fqn);
    if (!pkg) continue;
    typePackages.set(type.name, [...(typePackages.get(type.name) ?? []), pkg]);
  }
}
const isStruct = name => [own, cdk].some(a => Object.values(a.types).some(t => t.name === name && t.datatype));

/** The package a type of this name is in; among several, the one of the nearest call before it. */
function qualify(name, textBefore) {
  const candidates = typePackages.get(name);
  if (!candidates) return name;
  if (candidates.length === 1) return `${candidates[0]}.${name}`;
  const calls = [...textBefore.matchAll(/\b(\w+)\.(?:New\w+|\w+_\w+)\(/g)].map(m => m[1]).reverse();
  const pkg = calls.find(c => candidates.includes(c)) ?? (candidates.includes('awscdk') ? 'awscdk' : candidates[0]);
  return `${pkg}.${name}`;
}

/**
 * Parameters of each constructor and static method by its Go name (`awsiam.NewRole`, `awscdk.NewApp`,
 * `cdkprotectedsecrets.SecretsKey_ForStack`): jsii's Go takes every parameter, optional props included, where
 * TypeScript lets a call leave them out, and rosetta leaves them out (`awscdk.NewApp()` for `awscdk.NewApp(nil)`).
 */
const callables = new Map();
for (const assembly of [own, cdk]) {
  for (const type of Object.values(assembly.types ?? {})) {
    if (type.kind !== 'class') continue;
    const pkg = goPackageOf(assembly, type.fqn);
    if (!pkg) continue;
    if (type.initializer) callables.set(`${pkg}.New${type.name}`, type.initializer.parameters ?? []);
    for (const method of type.methods ?? []) {
      if (method.static) callables.set(`${pkg}.${type.name}_${method.name.charAt(0).toUpperCase()}${method.name.slice(1)}`, method.parameters ?? []);
    }
  }
}

/** `code` with `nil` for each optional parameter a call of a known constructor or static method leaves out. */
function passOmittedOptionals(code) {
  let out = '';
  let from = 0;
  for (const match of code.matchAll(/\b(\w+\.\w+)\(/g)) {
    const params = callables.get(match[1]);
    const open = match.index + match[0].length;
    if (!params || open < from) continue;
    // The call's arguments: up to the matching parenthesis, split at top-level commas (strings skipped).
    let depth = 0;
    let close = -1;
    const commas = [];
    for (let i = open; i < code.length && close < 0; i++) {
      const c = code[i];
      if (c === '"') { i++; while (i < code.length && code[i] !== '"') i += code[i] === '\\' ? 2 : 1; continue; }
      if (c === '`') { i++; while (i < code.length && code[i] !== '`') i++; continue; }
      if (c === '/' && code[i + 1] === '/') { while (i < code.length && code[i] !== '\n') i++; continue; }
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) { if (depth === 0) close = i; else depth--; }
      else if (c === ',' && depth === 0) commas.push(i);
    }
    if (close < 0) continue;
    const args = code.slice(open, close);
    // Top-level commas only: a comma inside a string or a nested call separates no argument of this call.
    const given = args.trim() === '' ? 0 : commas.length + 1 - (/,\s*$/.test(args) ? 1 : 0);
    const omitted = params.slice(given);
    if (omitted.length === 0 || omitted.some(p => !p.optional)) continue;
    const kept = passOmittedOptionals(args.replace(/,?\s*$/, ''));
    // A comment ending the last argument's line would swallow what is appended there: leave such a call as it is.
    if (/\/\/[^\n]*$/.test(kept)) continue;
    out += code.slice(from, open) + [kept, ...omitted.map(() => 'nil')].filter(a => a.trim() !== '').join(', ') + ')';
    from = close + 1;
  }
  return out + code.slice(from);
}

export function fixGo(source) {
  const lines = source.split('\n');
  let code = lines.filter(l => !/^import /.test(l)).join('\n');
  // awscdk.Aws_iam.X / awscdk.*Aws_iam.X → awsiam.X; Class_*Method → Class_Method.
  code = code.replace(/\bawscdk\.\*?([A-Z]\w*?)\.(?=[A-Z*])/g, (whole, sub) => (cdkPackages.has(sub) ? `${cdkPackages.get(sub)}.` : whole));
  code = code.replace(/(\b\w+\.\w+_)\*(\w)/g, '$1$2');
  // A field set from a slice or map literal takes a pointer to it (jsii Go fields are *[]T and *map[string]T).
  code = code.replace(/^(\s*\w+: )(\[\]|map\[)/gm, '$1&$2');
  // Unqualified type names in composite literals: &RoleProps{, []IPrincipal{, []SubnetConfiguration{.
  code = code.replace(/(&|\[\]\*?)([A-Z]\w*)(?=\{)/g, (whole, prefix, name, offset) => {
    const qualified = qualify(name, code.slice(0, offset));
    if (qualified === name) return whole;
    const pointer = prefix.startsWith('[]') && isStruct(name) ? '[]*' : prefix;
    return `${pointer}${qualified}`;
  });
  // A shorthand property (`{ vpc }`) comes out as `Vpc: Vpc`: the value is the variable.
  code = code.replace(/^(\s*)([A-Z])(\w*): \2\3,$/gm, (_, indent, first, rest) => `${indent}${first}${rest}: ${first.toLowerCase()}${rest},`);
  // Every method of a jsii object is exported in Go: apiKey.grantRead( → apiKey.GrantRead( (not in comments or strings).
  code = code.split('\n').map(line => (/^\s*\/\//.test(line) ? line : line.replace(/("(?:[^"\\]|\\.)*")|\.([a-z])(\w*)\(/g,
    (whole, str, first, rest) => (str ? str : `.${first.toUpperCase()}${rest}(`)))).join('\n');
  code = passOmittedOptionals(code);
  // rosetta repeats a comment that precedes a chained call.
  code = code.split('\n').filter((line, i, all) => !(/^\s*\/\//.test(line) && line === all[i - 1])).join('\n');

  const body = code.replace(/^\n+/, '');
  const used = new Set([...body.replace(/"(?:[^"\\]|\\.)*"|\/\/.*$/gm, '').matchAll(/(?<![.\w])([a-z]\w*)\./g)].map(m => m[1]));
  const imports = [];
  if (used.has('jsii')) imports.push('github.com/aws/jsii-runtime-go');
  if (used.has(cdk.targets.go.packageName)) imports.push(cdkModule);
  for (const pkg of [...new Set(cdkPackages.values())].sort()) if (used.has(pkg)) imports.push(`${cdkModule}/${pkg}`);
  if (used.has(own.targets.go.packageName)) imports.push(ownModule);
  return `${imports.map(p => `import ${JSON.stringify(p)}`).join('\n')}\n\n${body}`;
}

const tabletFile = process.argv[2];
if (tabletFile) {
  const tablet = JSON.parse(fs.readFileSync(tabletFile, 'utf8'));
  let changed = 0;
  for (const snippet of Object.values(tablet.snippets)) {
    const go = snippet.translations.go;
    if (!go) continue;
    const fixed = fixGo(go.source);
    if (fixed !== go.source) changed++;
    go.source = fixed;
  }
  fs.writeFileSync(tabletFile, JSON.stringify(tablet, null, 2));
  console.log(`fix-go-translations: rewrote ${changed} of ${Object.keys(tablet.snippets).length} Go translations in ${tabletFile}`);
}
