// Rewrites the Go translations in a jsii-rosetta tablet (.jsii.tabl.json) into Go that compiles against the module.
// jsii-rosetta translates aws-cdk-lib's submodules as members of its root package and without the module's major
// version (`import "github.com/aws/aws-cdk-go/awscdk"`, `awscdk.Aws_iam.NewRole`, `awscdk.*Aws_iam.NewServicePrincipal`,
// `SecretsKey_*ForStack`), leaves struct names unqualified (`&RoleProps{`), capitalizes the value of a shorthand
// property (`Vpc: Vpc`), misses the capital of some inherited methods (`apiKey.grantRead(`) and the jsii runtime's
// import, writes `jsii.Boolean` (jsii-runtime-go has `jsii.Bool`), leaves out the optional parameters TypeScript lets a
// call omit (Go takes `nil`: `awscdk.Aspects_Of(app).Add(guard, nil)`) and reads properties as fields (`secret.Monitoring`
// for the getter `secret.Monitoring()`). The types are looked up in the assemblies (this library's, aws-cdk-lib's and
// constructs'), not guessed from names; package-check.sh compiles the result (scripts/check-package-examples.mjs).
// Idempotent: rosetta reuses the tablet as its cache, so a translation can pass through here again.
//
//   node scripts/fix-go-translations.mjs .jsii.tabl.json
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** Every type of the assemblies by its fqn (constructs' too: Construct's `node` is a member of every construct). */
const constructs = loadAssembly(path.dirname(require.resolve('constructs/package.json')));
const types = new Map();
for (const assembly of [own, cdk, constructs]) for (const type of Object.values(assembly.types ?? {})) types.set(type.fqn, type);
const goName = name => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * Each constructor and static method by its Go name (`awsiam.NewRole`, `awscdk.NewApp`,
 * `cdkprotectedsecrets.SecretsKey_ForStack`): its parameters and the type it returns. jsii's Go takes every parameter,
 * optional props included, where TypeScript lets a call leave them out, and rosetta leaves them out
 * (`awscdk.NewApp()` for `awscdk.NewApp(nil)`).
 */
const callables = new Map();
/** The parameter lists of the instance methods of each Go name (`GrantRead`), for a receiver of unknown type. */
const instanceMethods = new Map();
for (const assembly of [own, cdk]) {
  for (const type of Object.values(assembly.types ?? {})) {
    if (type.kind !== 'class' && type.kind !== 'interface') continue;
    for (const method of type.methods ?? []) {
      if (!method.static) instanceMethods.set(goName(method.name), [...(instanceMethods.get(goName(method.name)) ?? []), method.parameters ?? []]);
    }
    const pkg = goPackageOf(assembly, type.fqn);
    if (!pkg || type.kind !== 'class') continue;
    if (type.initializer) callables.set(`${pkg}.New${type.name}`, { params: type.initializer.parameters ?? [], returns: type.fqn });
    for (const method of type.methods ?? []) {
      if (method.static) callables.set(`${pkg}.${type.name}_${goName(method.name)}`, { params: method.parameters ?? [], returns: method.returns?.type?.fqn });
    }
  }
}
/** The names a snippet's Go code qualifies with a package, not a variable. */
const goPackages = new Set(['jsii', cdk.targets.go.packageName, own.targets.go.packageName, ...cdkPackages.values()]);

/**
 * The names the snippets use without declaring them, and their types, from the fixture they are compiled in
 * (`declare const vpc: import('aws-cdk-lib').aws_ec2.IVpc;` → vpc: aws-cdk-lib.aws_ec2.IVpc). Every `declare const`
 * must be read: one the pattern missed would leave its properties read as fields (`vpc.VpcId` for `vpc.VpcId()`).
 */
const fixtureFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'rosetta', 'default.ts-fixture');
const fixtureSource = fs.readFileSync(fixtureFile, 'utf8');
const fixtureTypes = new Map([...fixtureSource.matchAll(/^declare const (\w+): import\('aws-cdk-lib'\)\.([\w.]+);$/gm)]
  .map(m => [m[1], `aws-cdk-lib.${m[2]}`]));
if (fixtureTypes.size !== [...fixtureSource.matchAll(/^declare const /gm)].length) {
  throw new Error(`fix-go-translations: ${fixtureFile} declares a name as other than \`declare const <name>: import('aws-cdk-lib').<type>;\``);
}

/** A method or property (`kind`) of a type by its Go name, declared on the type, a base class or an interface. */
function memberOf(fqn, name, kind) {
  const seen = new Set();
  const queue = [fqn];
  while (queue.length) {
    const type = types.get(queue.shift());
    if (!type || seen.has(type.fqn)) continue;
    seen.add(type.fqn);
    const member = (type[kind] ?? []).find(m => !m.static && goName(m.name) === name);
    if (member) return { member, datatype: Boolean(type.datatype) };
    queue.push(...(type.base ? [type.base] : []), ...(type.interfaces ?? []));
  }
  return undefined;
}

/**
 * The parameters of an instance method called on a receiver of unknown type, by its name: only when every method of
 * that name that takes `given` arguments has the same parameters (required, optional, variadic), so the `nil`s to
 * pass do not depend on the type.
 */
function instanceParams(name, given) {
  const fitting = (instanceMethods.get(name) ?? []).filter(params => params.filter(p => !p.optional && !p.variadic).length <= given
    && (given <= params.length || params.at(-1)?.variadic));
  const shapes = new Set(fitting.map(params => params.map(p => (p.variadic ? 'v' : p.optional ? 'o' : 'r')).join('')));
  return shapes.size === 1 ? fitting[0] : undefined;
}

/** The end of the string or comment that starts at `i`, or `i` when none does. */
function skipLiteral(code, i) {
  if (code[i] === '"') {
    let j = i + 1;
    while (j < code.length && code[j] !== '"') j += code[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (code[i] === '`') return code.indexOf('`', i + 1) < 0 ? code.length : code.indexOf('`', i + 1) + 1;
  if (code.startsWith('//', i)) return code.indexOf('\n', i) < 0 ? code.length : code.indexOf('\n', i);
  return i;
}

/** The arguments of the call whose `(` is before `open`: the matching `)` and the count of arguments. */
function callArguments(code, open) {
  let depth = 0;
  let commas = 0;
  for (let i = open; i < code.length; i++) {
    const end = skipLiteral(code, i);
    if (end !== i) { i = end - 1; continue; }
    const c = code[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth > 0) { depth--; continue; }
      const args = code.slice(open, i);
      // Top-level commas only; a trailing comma ends the last argument.
      return { close: i, given: args.trim() === '' ? 0 : commas + 1 - (/,\s*$/.test(args) ? 1 : 0) };
    } else if (c === ',' && depth === 0) commas++;
  }
  return undefined;
}

/** `args` with `nil` for each optional parameter of `params` past the `given` arguments (none past a variadic one). */
function withOmittedOptionals(args, given, params) {
  const omitted = (params ?? []).filter(p => !p.variadic).slice(given);
  if (omitted.length === 0 || omitted.some(p => !p.optional)) return args;
  const kept = args.replace(/,?\s*$/, '');
  // A comment ending the last argument's line would swallow what is appended there: leave such a call as it is.
  if (/\/\/[^\n]*$/.test(kept)) return args;
  return [kept, ...omitted.map(() => 'nil')].filter(a => a.trim() !== '').join(', ');
}

/**
 * One chain of calls and property reads from `start` (`awscdk.Aspects_Of(app).Add(guard)`, `secret.Monitoring`),
 * completed for Go with the types it goes through: `nil` for the optional parameters a call leaves out, `()` after a
 * property of a class or interface (jsii's Go reads them by a method; a struct's fields stay fields). A member of a
 * type that is not known is left as it is, except an instance method that instanceParams can tell by its name.
 */
function completeChain(code, start, vars) {
  const head = /[A-Za-z_]\w*/y;
  head.lastIndex = start;
  let text = head.exec(code)[0];
  let end = start + text.length;
  let pkg = goPackages.has(text) && !vars.has(text) ? text : undefined;
  let type = pkg ? undefined : vars.get(text);
  const memberName = /\.([A-Za-z_]\w*)/y;
  for (let m; (memberName.lastIndex = end, m = memberName.exec(code));) {
    const name = m[1];
    const after = end + m[0].length;
    const isCall = code[after] === '(';
    let params;
    let next;
    let getter = false;
    const onPackage = pkg !== undefined;
    if (onPackage) {
      ({ params, returns: next } = callables.get(`${pkg}.${name}`) ?? {});
    } else if (type) {
      const method = memberOf(type, name, 'methods');
      const property = method ? undefined : memberOf(type, name, 'properties');
      if (method) {
        params = method.member.parameters ?? [];
        next = method.member.returns?.type?.fqn;
      } else if (property && !property.datatype) {
        getter = true;
        params = [];
        next = property.member.type?.fqn;
      }
    }
    pkg = undefined;
    type = next;
    if (!isCall) {
      text += `.${name}${getter ? '()' : ''}`;
      end = after;
      // A struct field, a constant or a name this script does not know: what follows is not typed.
      if (!getter) break;
      continue;
    }
    const call = callArguments(code, after + 1);
    if (!call) break;
    if (!params && !onPackage) params = instanceParams(name, call.given);
    const args = completeCalls(code.slice(after + 1, call.close), vars);
    text += `.${name}(${withOmittedOptionals(args, call.given, params)})`;
    end = call.close + 1;
  }
  return { text, end, type };
}

/**
 * `code` with every chain completed (completeChain), reading it in order so a variable has the type of the chain it
 * was declared from (`secret := cdkprotectedsecrets.NewProtectedSecret(` makes `secret` a ProtectedSecret).
 */
function completeCalls(code, vars = new Map(fixtureTypes)) {
  let out = '';
  for (let i = 0; i < code.length;) {
    const end = skipLiteral(code, i);
    if (end !== i) { out += code.slice(i, end); i = end; continue; }
    if (!/[A-Za-z_]/.test(code[i]) || /[\w.]/.test(code[i - 1] ?? '')) { out += code[i++]; continue; }
    const chain = completeChain(code, i, vars);
    const declared = /^[ \t]*(\w+) :?= $/.exec(out.slice(out.lastIndexOf('\n') + 1))?.[1];
    if (declared) {
      if (chain.type) vars.set(declared, chain.type);
      else vars.delete(declared);
    }
    out += chain.text;
    i = chain.end;
  }
  return out;
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
  // rosetta writes jsii.Boolean, which jsii-runtime-go does not have: its helpers are Bool and Bools.
  code = code.replace(/\bjsii\.Boolean(s?)\(/g, (_, plural) => `jsii.Bool${plural}(`);
  code = completeCalls(code);
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

// Run as a script (not imported, as test/go-translations.test.ts does): rewrite the tablet named on the command line.
const tabletFile = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) ? process.argv[2] : undefined;
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
