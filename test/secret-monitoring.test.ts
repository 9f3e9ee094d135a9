import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_rds as rds, aws_secretsmanager as secretsmanager, aws_sns as sns } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ProtectedSecret, RotatedDatabase, SecretMonitoring } from '../src';
import { matchAll } from './event-ruler/matcher';

// The fixtures' account, region and secret.
const ENV = { account: '111111111111', region: 'eu-west-1' };
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf';
const FIXTURES = join(__dirname, 'fixtures', 'cloudtrail');
const fixtures: Record<string, object> = Object.fromEntries(readdirSync(FIXTURES)
  .filter(file => file.endsWith('.json'))
  .map(file => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))]));

/** Which fixtures each rule must match; every other fixture it must not. */
const EXPECTED: Record<string, string[]> = {
  ChangeRule: ['create-secret', 'put-secret-value', 'update-secret', 'put-resource-policy', 'delete-secret', 'restore-secret'],
  RotationRule: ['rotation-succeeded', 'rotation-abandoned'],
  RotationFailedRule: ['rotation-failed'],
  DeprecatedAccessRule: [
    'get-secret-value-previous', 'get-secret-value-previous-by-arn', 'get-secret-value-previous-by-partial-arn',
    'get-secret-value-pending-deletion', 'put-secret-value-pending-deletion',
  ],
};

function newStack() {
  const app = new App();
  return new Stack(app, 'Test', { env: ENV });
}

function role(stack: Stack, id: string) {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

/** The rules' event patterns by rule kind (the construct id the logical id starts with). */
function patterns(template: Template, resolve: (value: any) => any): Record<string, object> {
  const rules = template.findResources('AWS::Events::Rule');
  return Object.fromEntries(Object.keys(EXPECTED).map(kind => {
    const ids = Object.keys(rules).filter(id => new RegExp(`Monitoring${kind}[0-9A-F]{8}$`).test(id));
    expect(ids).toHaveLength(1);
    return [kind, resolve(rules[ids[0]].Properties.EventPattern)];
  }));
}

/** What CloudFormation makes of the intrinsics the patterns use, given the physical ids of resources. */
function deploymentValue(value: any, refs: Record<string, string> = {}): any {
  if (Array.isArray(value)) return value.map(v => deploymentValue(v, refs));
  if (value && typeof value === 'object') {
    if (value.Ref === 'AWS::Partition') return 'aws';
    if (value.Ref) {
      if (!(value.Ref in refs)) throw new Error(`no value for Ref ${value.Ref}`);
      return refs[value.Ref];
    }
    if (value['Fn::Join']) return value['Fn::Join'][1].map((v: any) => deploymentValue(v, refs)).join(value['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deploymentValue(v, refs)]));
  }
  return value;
}

/** The same event about another secret whose name shares a prefix with the watched one. */
function aboutAnotherSecret(event: object): object {
  return JSON.parse(JSON.stringify(event).replace(/prod\/db(-AbCdEf)?/g, (_m, suffix) => `prod/db2${suffix ? '-XyZ987' : ''}`));
}

/** Runs every rule against every fixture (and its other-secret twin) and compares with EXPECTED. */
function expectMatchesExactlyAsDocumented(rulePatterns: Record<string, object>) {
  const cases: Array<{ kind: string; fixture: string; twin: boolean; pattern: object; event: object }> = [];
  for (const [kind, pattern] of Object.entries(rulePatterns)) {
    for (const [fixture, event] of Object.entries(fixtures)) {
      cases.push({ kind, fixture, twin: false, pattern, event });
      cases.push({ kind, fixture, twin: true, pattern, event: aboutAnotherSecret(event) });
    }
  }
  const results = matchAll(cases);
  const matched = (twin: boolean) => Object.fromEntries(Object.keys(rulePatterns).map(kind => [kind,
    cases.filter((c, i) => c.kind === kind && c.twin === twin && results[i]).map(c => c.fixture).sort()]));
  expect(matched(false)).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [k, [...v].sort()])));
  expect(matched(true)).toEqual(Object.fromEntries(Object.keys(EXPECTED).map(k => [k, []])));
}

describe('SecretMonitoring event patterns, checked with AWS Event Ruler against CloudTrail fixtures', () => {
  test('the fixtures cover every expected match and some events no rule may match', () => {
    const expected = new Set(Object.values(EXPECTED).flat());
    for (const name of expected) expect(fixtures).toHaveProperty([name]);
    expect(Object.keys(fixtures).filter(name => !expected.has(name)).sort())
      .toEqual(['describe-secret', 'get-secret-value-current', 'put-secret-value-access-denied', 'rotation-started']);
  });

  test('an imported secret: each rule matches its events and nothing else, and no event of another secret', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN);
    new SecretMonitoring(stack, 'Monitoring', { secrets: [secret] });
    expectMatchesExactlyAsDocumented(patterns(Template.fromStack(stack), value => deploymentValue(value)));
  });

  test('a ProtectedSecret: the same, with the ARN CloudFormation gives the secret at deployment', () => {
    const stack = newStack();
    const secret = new ProtectedSecret(stack, 'Db', { secretName: 'prod/db', readers: [role(stack, 'Reader')] });
    const template = Template.fromStack(stack);
    const secretId = stack.resolve((secret.secret.node.defaultChild as secretsmanager.CfnSecret).ref).Ref;
    const resolved = patterns(template, value => deploymentValue(value, { [secretId]: SECRET_ARN }));
    expect(JSON.stringify(resolved)).not.toMatch(/"(Ref|Fn::)/);
    expectMatchesExactlyAsDocumented(resolved);
  });
});

describe('SecretMonitoring resources', () => {
  function monitored(props: Partial<ConstructorParameters<typeof SecretMonitoring>[2]> = {}) {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN);
    const monitoring = new SecretMonitoring(stack, 'Monitoring', { secrets: [secret], ...props });
    return { stack, monitoring, template: Template.fromStack(stack) };
  }

  test('every rule sends a readable message to the alert topic', () => {
    const { stack, monitoring, template } = monitored();
    const topicRef = stack.resolve(monitoring.alertTopic.topicArn);
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(4);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toHaveLength(1);
      const target = rule.Properties.Targets[0];
      expect(target.Arn).toEqual(topicRef);
      // The message names the event, the secret and when; the change and read alerts also say who.
      const paths = Object.values(target.InputTransformer.InputPathsMap);
      expect(paths).toEqual(expect.arrayContaining(['$.detail.eventName', '$.detail.eventTime']));
      expect(paths.some(p => /responseElements\.arn|additionalEventData\.SecretId|requestParameters\.secretId/.test(String(p)))).toBe(true);
    }
    const changeTarget = rules.find(r => r.Properties.EventPattern.detail.eventName.includes('PutSecretValue'))!.Properties.Targets[0];
    expect(Object.values(changeTarget.InputTransformer.InputPathsMap)).toContain('$.detail.userIdentity.arn');
  });

  test('only the deprecated-access rule receives read-only management events', () => {
    const { stack, monitoring, template } = monitored();
    const rules = template.findResources('AWS::Events::Rule');
    const deprecatedId = stack.getLogicalId(monitoring.deprecatedAccessRule!.node.defaultChild as any);
    for (const [id, rule] of Object.entries(rules)) {
      expect(rule.Properties.State).toEqual(id === deprecatedId ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED');
    }
  });

  test('the shared topic is encrypted with its own rotating key, requires TLS and lets only this account\'s rules and alarms publish', () => {
    const { template } = monitored();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const keys = template.findResources('AWS::KMS::Key');
    const [keyId] = Object.keys(keys);
    expect(keys[keyId].Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });

    const statements: any[] = Object.values(template.findResources('AWS::SNS::TopicPolicy'))
      .flatMap(p => p.Properties.PolicyDocument.Statement);
    const publish = statements.filter(s => s.Effect === 'Allow');
    expect(publish).toHaveLength(1);
    expect(publish[0]).toMatchObject({
      Action: 'sns:Publish',
      Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    });
    // TLS for every call to the topic, not only Publish: a subscriber over plain HTTP is refused as well.
    const tlsDeny = statements.find(s => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(tlsDeny.Action).toEqual(expect.arrayContaining(['sns:Publish', 'sns:Subscribe', 'sns:SetTopicAttributes', 'sns:DeleteTopic']));

    const keyStatements: any[] = keys[keyId].Properties.KeyPolicy.Statement;
    const publishers = keyStatements.find(s => s.Sid === 'AlertPublishersOfThisAccountEncryptThroughSns');
    expect(publishers.Principal.Service).toEqual(['events.amazonaws.com', 'cloudwatch.amazonaws.com']);
    expect(publishers.Action).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    expect(publishers.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });
    // Nobody may use the key except through SNS or as a publishing service of this account.
    for (const s of keyStatements.filter(st => [].concat(st.Action).some((a: string) => /Decrypt|GenerateDataKey|Encrypt/.test(a)))) {
      expect(s === publishers || s.Condition?.StringEquals?.['kms:ViaService'] === 'sns.eu-west-1.amazonaws.com').toBe(true);
    }
  });

  test('alarms on failed rotations and deprecated access say what to do and notify the topic', () => {
    const { stack, monitoring, template } = monitored();
    const topicRef = stack.resolve(monitoring.alertTopic.topicArn);
    const ruleRef = (rule: any) => stack.resolve(rule.ruleName);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: ruleRef(monitoring.rotationFailedRule) }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
      AlarmDescription: Match.stringLikeRegexp('rotate-secret'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: ruleRef(monitoring.deprecatedAccessRule) }],
      AlarmActions: [topicRef],
      AlarmDescription: Match.stringLikeRegexp('make it read AWSCURRENT'),
    });
  });

  test('watchDeprecatedAccess: false leaves out the read-only rule and its alarm', () => {
    const { monitoring, template } = monitored({ watchDeprecatedAccess: false });
    template.resourceCountIs('AWS::Events::Rule', 3);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    expect(monitoring.metricDeprecatedAccess()).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  test('a topic passed in gets the rules and no shared topic or key is created', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Mine');
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN);
    new SecretMonitoring(stack, 'Monitoring', { secrets: [secret], alertTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const topicRef = stack.resolve(topic.topicArn);
    for (const rule of Object.values(template.findResources('AWS::Events::Rule'))) {
      expect(rule.Properties.Targets[0].Arn).toEqual(topicRef);
    }
    // The user's topic gets the same publisher statement as the shared one: this account's rules and alarms only.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sns:Publish',
          Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] },
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })]),
      },
    });
  });

  test('a topic of your own encrypted with your key: alarms can publish too, not only rules', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey');
    const topic = new sns.Topic(stack, 'Mine', { masterKey: key });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN);
    new SecretMonitoring(stack, 'Monitoring', { secrets: [secret], alertTopic: topic });
    const statements: any[] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    const forServices = statements.filter(s => s.Principal?.Service);
    expect(forServices).toHaveLength(1);
    expect(forServices[0].Principal.Service).toEqual(['events.amazonaws.com', 'cloudwatch.amazonaws.com']);
    expect(forServices[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });
  });

  test('alert emails are subscribed once each, to the shared topic', () => {
    const { template } = monitored({ alertEmails: ['ops@example.com', 'ops@example.com', 'sec@example.com'] });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'sec@example.com' });
  });

  test('metric methods point at the rules\' TriggeredRules metric', () => {
    const { stack, monitoring } = monitored();
    const metric = monitoring.metricChanges();
    expect(metric.namespace).toBe('AWS/Events');
    expect(metric.metricName).toBe('TriggeredRules');
    expect(stack.resolve(metric.dimensions!.RuleName)).toEqual(stack.resolve(monitoring.changeRule.ruleName));
    expect(monitoring.metricRotationFailures({ statistic: 'Maximum' }).statistic).toBe('Maximum');
  });

  test.each([
    [{ secrets: [] }, /`secrets` must name at least one secret/],
    [{ alertEmails: ['not-an-address'] }, /`emails` contains "not-an-address"/],
  ])('bad props fail at synth naming the prop: %j', (props, message) => {
    expect(() => monitored(props as any)).toThrow(message);
  });

  test('alertEmails with a topic passed in fails, naming both props', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN);
    expect(() => new SecretMonitoring(stack, 'Monitoring', { secrets: [secret], alertTopic: new sns.Topic(stack, 'T'), alertEmails: ['a@example.com'] }))
      .toThrow(/`alertEmails` only subscribes to the shared alert topic; .*`alertTopic`/);
  });
});

describe('monitoring wired into the constructs', () => {
  test('ProtectedSecret monitors by default; secrets of a stack share one topic and one alert key', () => {
    const stack = newStack();
    const a = new ProtectedSecret(stack, 'A', { readers: [role(stack, 'RA')], monitoring: { alertEmails: ['ops@example.com'] } });
    new ProtectedSecret(stack, 'B', { readers: [role(stack, 'RB')], monitoring: { alertEmails: ['ops@example.com'] } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 8);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    // Two secret keys and one alert key.
    template.resourceCountIs('AWS::KMS::Key', 3);
    const secretRef = stack.resolve((a.secret.node.defaultChild as secretsmanager.CfnSecret).ref);
    const aChange = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { detail: { responseElements: { arn: [secretRef] } } } },
    });
    expect(Object.keys(aChange)).toHaveLength(1);
  });

  test('monitoring: { enabled: false } creates no rule, alarm or topic', () => {
    const stack = newStack();
    const secret = new ProtectedSecret(stack, 'A', { readers: [role(stack, 'R')], monitoring: { enabled: false } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(secret.monitoring).toBeUndefined();
  });

  test('monitoring options given while it is switched off fail, naming the prop', () => {
    const stack = newStack();
    expect(() => new ProtectedSecret(stack, 'A', { readers: [role(stack, 'R')], monitoring: { enabled: false, alertEmails: ['a@example.com'] } }))
      .toThrow(/`monitoring.enabled` is false/);
  });

  test('two RotatedDatabases sharing the rotation function get one alarm on its errors', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
    const one = new RotatedDatabase(stack, 'One', { vpc, engine });
    new RotatedDatabase(stack, 'Two', { vpc, engine });
    const template = Template.fromStack(stack);
    const errorAlarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors' } });
    expect(Object.values(errorAlarms)).toHaveLength(1);
    expect(Object.values(errorAlarms)[0].Properties.Dimensions).toEqual([
      { Name: 'FunctionName', Value: stack.resolve(one.rotationFunction.function.functionName) },
    ]);
    template.resourceCountIs('AWS::SNS::Topic', 1);
  });
});
