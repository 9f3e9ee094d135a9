import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildExampleApp } from '../examples/example-app';

describe('example app', () => {
  const app = new App();
  const [stack] = buildExampleApp(app);
  const template = Template.fromStack(stack);

  test('two rotated databases share exactly one rotation function and one Secrets Manager endpoint', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    // The catalog's superuser rotates too.
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 3);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });

  test('the VPC\'s DNS is left alone: no endpoint with private DNS', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints.length).toBeGreaterThan(0);
    expect(endpoints.filter(e => e.Properties.PrivateDnsEnabled !== false)).toEqual([]);
  });

  test('Secrets Manager may invoke the rotation function only for the secrets it rotates, in this account', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
      .filter(p => p.Properties.Principal === 'secretsmanager.amazonaws.com');
    const schedules = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(permissions.map(p => p.Properties.SourceArn).sort()).toEqual(schedules.map(s => s.Properties.SecretId).sort());
    for (const p of permissions) expect(p.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  test('every secret is monitored: rules, alarms and one shared alert topic', () => {
    // Four secrets (API key, two database secrets, the catalog's superuser), watched by the stack's seven rules
    // (changes, rotations, failed rotations, deprecated access, changes to the secrets' keys, changes to the rotation
    // function and functions given its role), and three on calls that switch the monitoring off: the second of those
    // lists the stack's rules by name, and they fill it, so the third lists the rest (each tamper rule is listed by
    // another: secret-monitoring.ts, watchRule).
    // Plus the shared rotation function's proof key, which only its role reads (lambda/rotation/proof.ts).
    template.resourceCountIs('AWS::SecretsManager::Secret', 5);
    template.resourceCountIs('AWS::Events::Rule', 10);
    // The failed-rotation, deprecated-access and failed-delivery alarms plus one on the shared rotation function's errors.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secrets-oncall@example.com' });
  });

  test('synthesizes without AWS credentials or context lookups', () => {
    const assembly = app.synth();
    const messages = assembly.getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error');
    expect(messages).toEqual([]);
  });
});
