import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildExampleApp } from '../examples/example-app';

describe('example app', () => {
  const app = new App();
  const [stack] = buildExampleApp(app);
  const template = Template.fromStack(stack);

  test('two rotated databases share exactly one rotation function and one Secrets Manager endpoint', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });

  test('synthesizes without AWS credentials or context lookups', () => {
    const assembly = app.synth();
    const messages = assembly.getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error');
    expect(messages).toEqual([]);
  });
});
