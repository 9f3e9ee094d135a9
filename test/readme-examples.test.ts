// Every ```ts block of the README must run and synthesize: the examples are the first code users copy.
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import * as ts from 'typescript';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);

/** What the README's snippets assume exists around them, offered only where a snippet does not declare it. */
function context() {
  const app = new App({ context: { 'availability-zones:account=111111111111:region=eu-west-1': ['eu-west-1a', 'eu-west-1b'] } });
  const stack = new Stack(app, 'Readme', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const service = new iam.Role(stack, 'ServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  return { app, stack, vpc, service } as Record<string, unknown>;
}

function run(snippet: string): App {
  const js = ts.transpileModule(snippet, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const given = context();
  const names = Object.keys(given).filter(name => !new RegExp(`\\b(const|let|var)\\s+${name}\\b`).test(snippet));
  // The snippets import the published package name; here that is the source tree.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireForSnippet = (id: string) => (id === 'cdk-protected-secrets' ? require('../src') : require(id));
  const body = new Function('require', 'exports', ...names, `${js}\nreturn typeof app !== 'undefined' ? app : undefined;`);
  return body(requireForSnippet, {}, ...names.map(n => given[n])) ?? (given.app as App);
}

test('the README has TypeScript examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(3);
});

test.each(blocks.map((code, i) => [i + 1, code]))('README example %d synthesizes without errors', (_index, code) => {
  const app = run(code as string);
  const assembly = app.synth();
  const errors = assembly.stacks.flatMap(s => s.messages).filter(m => m.level === 'error');
  expect(errors).toEqual([]);
  expect(assembly.stacks.length).toBeGreaterThan(0);
});

// Running a snippet proves it synthesizes, not that it compiles: `metric.createAlarm(...)` runs on the Metric a
// method returns while its declared type, IMetric, has no such method, so a TypeScript user's copy did not compile.
// One program type-checks every snippet as a module of its own, against the source tree, with the names the
// snippets assume declared.
test('every README example type-checks against the API', () => {
  const root = path.join(__dirname, '..');
  // Inside the project, so the snippets resolve aws-cdk-lib from its node_modules; test-reports is git-ignored.
  fs.mkdirSync(path.join(root, 'test-reports'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, 'test-reports', 'readme-'));
  const cdk = "import('aws-cdk-lib')";
  const declared: Record<string, string> = { app: `${cdk}.App`, stack: `${cdk}.Stack`, vpc: `${cdk}.aws_ec2.IVpc`, service: `${cdk}.aws_iam.IRole` };
  const files = blocks.map((code, i) => {
    const prelude = Object.entries(declared)
      .filter(([name]) => !new RegExp(`\\b(const|let|var)\\s+${name}\\b`).test(code))
      .map(([name, type]) => `declare const ${name}: ${type};`).join('\n');
    const file = path.join(dir, `example${i + 1}.ts`);
    fs.writeFileSync(file, `${code}\n${prelude}\nexport {};\n`);
    return file;
  });
  const program = ts.createProgram(files, {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    baseUrl: root,
    paths: { 'cdk-protected-secrets': ['src'] },
    types: ['node'],
    // TypeScript 6 deprecates baseUrl and node10 resolution; reported without a file, they would hide nothing else.
    ignoreDeprecations: '6.0',
  });
  // The snippets' own errors, and any error without a file (a compiler option), which would otherwise pass unseen.
  const problems = ts.getPreEmitDiagnostics(program).filter(d => !d.file || files.includes(path.resolve(d.file.fileName)))
    .map(d => `${d.file ? path.basename(d.file.fileName) : '(options)'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  expect(problems).toEqual([]);
});

// Users acknowledge warnings by id, so the README's "Synth warnings" table must name every id the source can emit,
// and nothing the source no longer emits. An id built from a template (`private-dns-${name}`) counts as its prefix.
test('the README lists every synth warning id, and only those', () => {
  const srcDir = path.join(__dirname, '..', 'src');
  const sources = fs.readdirSync(srcDir, { recursive: true }).map(String).filter(f => f.endsWith('.ts'))
    .map(f => fs.readFileSync(path.join(srcDir, f), 'utf8')).join('\n');
  const emitted = [...sources.matchAll(/addWarningV2\(\s*['`]((?:cdk-protected-secrets:|SecretsGuard\.)[A-Za-z0-9.-]*)(\$\{)?/g)]
    .map(m => ({ id: m[1], prefix: m[2] !== undefined }));
  expect(emitted.length).toBeGreaterThan(10);
  const section = readme.split('\n## Synth warnings\n')[1]?.split('\n## ')[0] ?? '';
  const listed = [...section.matchAll(/^\|([^|]+)\|/gm)].flatMap(m => [...m[1].matchAll(/`([^`]+)`/g)].map(c => c[1]))
    .map(id => id.replace(/<rule>$/, 'Rule'));
  const matches = (id: string, e: { id: string; prefix: boolean }) => (e.prefix ? id.startsWith(e.id) && id !== e.id : id === e.id);
  expect(emitted.filter(e => !listed.some(id => matches(id, e))).map(e => e.id)).toEqual([]);
  expect(listed.filter(id => !emitted.some(e => matches(id, e)))).toEqual([]);
});
