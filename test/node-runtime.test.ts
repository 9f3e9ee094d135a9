// The rotation function's tests and its cold-start figures mean something only on the Node.js major its Lambda runs:
// the test task runs on that major (scripts/lambda-node.sh puts it first on PATH for every projen task). This fails when the
// tests run on another major, e.g. the machine's own Node.js because scripts/lambda-node.sh could not find or install it,
// or when the function's runtime moves to a new major and scripts/lambda-node still pins the old one.
import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RotationFunction } from '../src';

test('the tests run on the Node.js major of the rotation function\'s Lambda runtime', () => {
  const stack = new Stack(new App(), 'Stack');
  new RotationFunction(stack, 'Rotation', { vpc: new ec2.Vpc(stack, 'Vpc') });
  const runtimes = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.Runtime as string);
  const lambdaMajors = [...new Set(runtimes.map((runtime) => /^nodejs(\d+)\.x$/.exec(runtime)?.[1]))];
  expect(lambdaMajors).toHaveLength(1);

  const testMajor = process.versions.node.split('.')[0];
  if (testMajor !== lambdaMajors[0]) {
    throw new Error(`The tests run on Node.js ${process.version} (${process.execPath}) but the rotation function runs on ${runtimes[0]}. `
      + 'Run them through projen (npm test, npx projen ...), which puts the right Node.js first on PATH with scripts/lambda-node.sh, and read its '
      + 'warning; or, if the Lambda runtime changed, pin that major in scripts/lambda-node/package.json (and its lockfile: npm install --package-lock-only).');
  }
});
