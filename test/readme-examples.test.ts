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
