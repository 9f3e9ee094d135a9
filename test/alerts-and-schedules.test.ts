// Alerts, alarms, key administration and rotation schedules that only a real account would show broken, checked with
// the held-out engines (Event Ruler, the IAM simulator) or the template's wait order. Each test was written by a
// mutation review (review ED): every one of its 15 surviving mutants (an event name dropped from a rule, an alarm's
// evaluation periods raised, a key-administration action dropped, a schedule's wait removed, a SourceArn without its
// suffix wildcard) fails one of these, and all pass on the code as it is. Events are the CloudTrail fixtures with only
// eventName, errorCode or the response changed.
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProtectedSecret, RotationFunction, SecretMonitoring } from '../src';
import { matchAll } from './event-ruler/matcher';
import { ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { buildMultiStackApp } from '../examples/multi-stack-app';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf';
const FN_NAME = 'Test-RotationFunctionAbCd-Xy12Zz34Ww56';
const fixture = (name: string): any => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'cloudtrail', `${name}.json`), 'utf8'));
const variant = (base: any, change: (detail: any) => void): any => {
  const event = JSON.parse(JSON.stringify(base));
  change(event.detail);
  return event;
};
const newStack = () => new Stack(new App(), 'Test', { env: ENV });
const patternOf = (stack: Stack, rule: { ruleName: string }) => {
  const json = Template.fromStack(stack).toJSON();
  return new ResolvedTemplate('Test', json).resolve(json.Resources[stack.resolve(rule.ruleName).Ref].Properties.EventPattern);
};
const anyMatches = (patterns: object[], event: object) => matchAll(patterns.map(pattern => ({ pattern, event }))).some(Boolean);

test('the change rule alerts on the other label and rotation changes it lists (UpdateSecretVersionStage, RotateSecret, CancelRotateSecret)', () => {
  const stack = newStack();
  const monitoring = new SecretMonitoring(stack, 'Monitoring', { secrets: [secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN)] });
  const patterns = monitoring.changeRules.map(rule => patternOf(stack, rule));
  // Each API answers with the secret's ARN and name (API_UpdateSecretVersionStage, API_RotateSecret, API_CancelRotateSecret).
  for (const eventName of ['UpdateSecretVersionStage', 'RotateSecret', 'CancelRotateSecret']) {
    const event = variant(fixture('update-secret'), d => { d.eventName = eventName; });
    expect({ eventName, alerted: anyMatches(patterns, event) }).toEqual({ eventName, alerted: true });
  }
});

test('the rotation-function rule alerts on every change it lists, as Lambda names them with an API version', () => {
  const stack = newStack();
  const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', {
    functionArn: `arn:aws:lambda:eu-west-1:111111111111:function:${FN_NAME}`,
    role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/rotation'),
    sameEnvironment: true,
  });
  const monitoring = new SecretMonitoring(stack, 'Monitoring', { rotationFunctions: [fn] });
  const patterns = monitoring.rotationFunctionChangeRules.map(rule => patternOf(stack, rule));
  for (const eventName of [
    'UpdateAlias20150331', 'RemovePermission20150331v2', 'PutFunctionCodeSigningConfig20200630', 'PutFunctionConcurrency20171031',
    'UpdateFunctionUrlConfig20211031', 'UpdateEventSourceMapping20150331',
  ]) {
    const event = variant(fixture('lambda-update-function-code'), d => { d.eventName = eventName; });
    expect({ eventName, alerted: anyMatches(patterns, event) }).toEqual({ eventName, alerted: true });
  }
});

test('a refused call on a watched key is not alerted (the rule says successful calls only)', () => {
  const stack = newStack();
  const secret = new ProtectedSecret(stack, 'Db', { readers: [new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() })] });
  const monitoring = secret.monitoring!;
  const keyId = stack.getLogicalId((secret.encryptionKey as kms.Key).node.defaultChild as kms.CfnKey);
  const patterns = monitoring.keyChangeRules.map(rule => patternOf(stack, rule));
  const onKey = (event: any) => JSON.parse(JSON.stringify(event).split('1234abcd-12ab-34cd-56ef-1234567890ab').join(keyId));
  expect(anyMatches(patterns, onKey(fixture('schedule-key-deletion')))).toBe(true);
  const refused = onKey(variant(fixture('schedule-key-deletion'), d => {
    d.errorCode = 'AccessDenied';
    d.errorMessage = 'User is not authorized to perform: kms:ScheduleKeyDeletion';
    delete d.responseElements;
  }));
  expect(anyMatches(patterns, refused)).toBe(false);
});

test('one failed rotation, one deprecated read or one dropped alert alarms: one evaluation period of one datapoint', () => {
  const stack = newStack();
  const monitoring = new SecretMonitoring(stack, 'Monitoring', { secrets: [secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN)] });
  const alarms = [...monitoring.rotationFailedAlarms, ...monitoring.deprecatedAccessAlarms, ...monitoring.alertDeliveryAlarms];
  expect(alarms).toHaveLength(3);
  const resources = Template.fromStack(stack).toJSON().Resources;
  for (const alarm of alarms) {
    const props = resources[stack.getLogicalId(alarm.node.defaultChild as any)].Properties;
    expect({ alarm: alarm.node.path, EvaluationPeriods: props.EvaluationPeriods, DatapointsToAlarm: props.DatapointsToAlarm })
      .toEqual({ alarm: alarm.node.path, EvaluationPeriods: 1, DatapointsToAlarm: undefined });
  }
});

test('the account can still undo a scheduled deletion of a secret\'s key: CancelKeyDeletion, then EnableKey (simulator)', async () => {
  const stack = newStack();
  const secret = new ProtectedSecret(stack, 'Db', { readers: [new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() })] });
  const json = Template.fromStack(stack).toJSON();
  const t = new ResolvedTemplate('Test', json);
  const keyId = stack.getLogicalId((secret.encryptionKey as kms.Key).node.defaultChild as kms.CfnKey);
  const policy = t.resolve(json.Resources[keyId].Properties.KeyPolicy);
  const admin = principalCaller('admin', 'arn:aws:iam::111111111111:role/Administrator', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  for (const action of ['kms:CancelKeyDeletion', 'kms:EnableKey', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy']) {
    expect([action, await decide(admin, action, t.arnOf(keyId), policy)]).toEqual([action, 'Allowed']);
  }
});

/** Everything a resource waits for: its DependsOn and what it names (Ref, GetAtt), transitively. */
function waitsFor(resources: Record<string, any>, start: string): Set<string> {
  const seen = new Set<string>();
  const named = (v: any, out: string[]) => {
    if (Array.isArray(v)) {v.forEach(x => named(x, out));} else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Ref' && typeof x === 'string' && resources[x]) out.push(x);
        else if (k === 'Fn::GetAtt' && Array.isArray(x) && resources[x[0]]) out.push(x[0]);
        else named(x, out);
      }
    }
  };
  const visit = (id: string) => {
    const out: string[] = [...(resources[id].DependsOn ?? [])];
    named(resources[id].Properties, out);
    for (const n of out) if (!seen.has(n)) { seen.add(n); visit(n); }
  };
  visit(start);
  return seen;
}

test('a schedule with a function of your own waits for its invoke permission (Secrets Manager checks it when rotation is configured)', () => {
  const stack = newStack();
  const secret = new ProtectedSecret(stack, 'Db', { readers: [new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() })], monitoring: { enabled: false } });
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
  const schedule = secret.addRotationSchedule('Rotation', { rotationLambda: fn });
  const resources = Template.fromStack(stack).toJSON().Resources;
  const permissions = Object.keys(resources).filter(id => resources[id].Type === 'AWS::Lambda::Permission');
  expect(permissions).toHaveLength(1);
  expect(waitsFor(resources, stack.getLogicalId(schedule.node.defaultChild as any)).has(permissions[0])).toBe(true);
});

test('a schedule in another stack than the function waits for the role\'s policy written in its own stack', () => {
  const app = new App();
  const m = buildMultiStackApp(app);
  const assembly = app.synth();
  let checked = 0;
  for (const stack of [m.data, m.billing] as Stack[]) {
    const resources = assembly.getStackByName(stack.stackName).template.Resources;
    const policies = Object.keys(resources).filter(id => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resources[id].Type));
    for (const schedule of Object.keys(resources).filter(id => resources[id].Type === 'AWS::SecretsManager::RotationSchedule')) {
      const before = waitsFor(resources, schedule);
      for (const policy of policies) { expect(`${schedule} waits for ${policy}: ${before.has(policy)}`).toBe(`${schedule} waits for ${policy}: true`); checked++; }
    }
  }
  expect(checked).toBeGreaterThan(0);
});

test('a secret imported by name (V2) is invoked for: the permission\'s SourceArn matches its full ARN, random suffix included (simulator)', async () => {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = new RotationFunction(stack, 'Rotation', { vpc });
  fn.scheduleRotation('B', secretsmanager.Secret.fromSecretNameV2(stack, 'B', 'other-db'));
  const json = Template.fromStack(stack).toJSON();
  const t = new ResolvedTemplate('Test', json);
  const permission = Object.values(json.Resources).find((r: any) => r.Type === 'AWS::Lambda::Permission') as any;
  const sourceArn = t.resolve(permission.Properties.SourceArn);
  // Lambda compares SourceArn with a like-operator; the statement as Lambda writes it.
  const policy = {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Service: 'secretsmanager.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: 'arn:aws:lambda:eu-west-1:111111111111:function:f',
      Condition: { ArnLike: { 'AWS:SourceArn': sourceArn }, StringEquals: { 'AWS:SourceAccount': '111111111111' } },
    }],
  };
  const secretsManager = (secretArn: string) => ({
    label: 'sm',
    principal: 'secretsmanager.amazonaws.com',
    context: { 'aws:PrincipalServiceName': 'secretsmanager.amazonaws.com', 'aws:SourceArn': secretArn, 'aws:SourceAccount': '111111111111' },
  });
  expect(await decide(secretsManager('arn:aws:secretsmanager:eu-west-1:111111111111:secret:other-db-AbCdEf'), 'lambda:InvokeFunction',
    'arn:aws:lambda:eu-west-1:111111111111:function:f', policy)).toBe('Allowed');
  expect(await decide(secretsManager('arn:aws:secretsmanager:eu-west-1:111111111111:secret:other-db2-AbCdEf'), 'lambda:InvokeFunction',
    'arn:aws:lambda:eu-west-1:111111111111:function:f', policy)).not.toBe('Allowed');
});
