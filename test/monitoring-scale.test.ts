// Monitoring at account scale: EventBridge allows 30 rules with wildcards per event bus, and that quota cannot be
// adjusted (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html); an event pattern may hold
// 2,048 characters by default. Every stack of an account shares the default bus, so these limits are per account.
import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProtectedSecret } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const PATTERN_SIZE_LIMIT = 2048;

/** A stack of `count` protected secrets, each read by its own role, with generated names. */
function stackOfSecrets(app: App, id: string, count: number): Stack {
  const stack = new Stack(app, id, { env: ENV });
  for (let i = 0; i < count; i++) {
    const reader = new iam.Role(stack, `Reader${i}`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new ProtectedSecret(stack, `Secret${i}`, { readers: [reader] });
  }
  return stack;
}

/**
 * The length of a pattern once CloudFormation has replaced its intrinsics, at the longest it can get. `resources` are
 * the template's, to tell what a Ref names.
 */
function deployedPatternLength(pattern: unknown, resources: Record<string, { Type: string }>): number {
  const longest = (value: any): any => {
    if (Array.isArray(value)) return value.map(longest);
    if (value && typeof value === 'object') {
      if (value.Ref === 'AWS::Partition') return 'aws-us-gov';
      // A KMS key's Ref is its key ID: a UUID, or `mrk-` and 32 hex digits, 36 characters either way.
      if (value.Ref && resources[value.Ref]?.Type === 'AWS::KMS::Key') return 'x'.repeat(36);
      // A rule's Ref is its name, at most 64 characters (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html);
      // a topic's its ARN, with a name of up to 256 (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
      if (value.Ref && resources[value.Ref]?.Type === 'AWS::Events::Rule') return 'x'.repeat(64);
      if (value.Ref && resources[value.Ref]?.Type === 'AWS::SNS::Topic') return `arn:aws-us-gov:sns:eu-west-1:111111111111:${'x'.repeat(256)}`;
      // Secret ARNs at their longest: a partition of 10 characters, a generated name of logical id and 16 characters.
      if (value.Ref) return `arn:aws-us-gov:secretsmanager:eu-west-1:111111111111:secret:${value.Ref}-${'x'.repeat(16)}-AbCdEf`;
      if (value['Fn::Join']) return value['Fn::Join'][1].map(longest).join(value['Fn::Join'][0]);
      if (value['Fn::Select']) {
        const [index, source] = value['Fn::Select'];
        const parts = longest(source);
        return Array.isArray(parts) ? parts[index] : parts;
      }
      if (value['Fn::Split']) return String(longest(value['Fn::Split'][1])).split(value['Fn::Split'][0]);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, longest(v)]));
    }
    return value;
  };
  return JSON.stringify(longest(pattern)).length;
}

const isWildcardPattern = (pattern: unknown) => JSON.stringify(pattern).includes('"wildcard"');

describe('monitoring at account scale', () => {
  test('100 protected secrets across 4 stacks: at most 30 wildcard rules in the account and no pattern over 2,048 characters', () => {
    const app = new App();
    const stacks = [0, 1, 2, 3].map(i => stackOfSecrets(app, `Stack${i}`, 25));
    const templates = stacks.map(stack => Template.fromStack(stack).toJSON());
    const rules = templates.flatMap(template => Object.values(template.Resources as Record<string, any>)
      .filter(resource => resource.Type === 'AWS::Events::Rule').map(rule => ({ rule, resources: template.Resources })));
    const wildcardRules = rules.filter(({ rule }) => isWildcardPattern(rule.Properties.EventPattern));
    expect(wildcardRules.length).toBeLessThanOrEqual(30);
    // Every kind of rule is there, the key-change rules among them.
    expect(rules.some(({ rule }) => rule.Properties.EventPattern.source[0] === 'aws.kms')).toBe(true);
    const oversized = rules.map(({ rule, resources }) => deployedPatternLength(rule.Properties.EventPattern, resources))
      .filter(size => size > PATTERN_SIZE_LIMIT);
    expect(oversized).toEqual([]);
  });

  test('monitoring adds no resource for a second to a ninth secret in a stack', () => {
    const monitoringResources = (n: number) => {
      const template = Template.fromStack(stackOfSecrets(new App(), 'Stack', n));
      return ['AWS::Events::Rule', 'AWS::CloudWatch::Alarm', 'AWS::SNS::Topic']
        .map(type => Object.keys(template.findResources(type)).length);
    };
    // Seven rules (the fifth on the secrets' keys, two on calls that switch the monitoring off), three alarms (failed
    // rotations, deprecated access, failed alert deliveries), one topic, whether the stack has one secret or nine.
    expect(monitoringResources(9)).toEqual(monitoringResources(1));
    expect(monitoringResources(1)).toEqual([7, 3, 1]);
  });

  test('a stack of 40 secrets has as many monitoring resources as a stack of 1, give or take a few groups', () => {
    const count = (n: number) => {
      const template = Template.fromStack(stackOfSecrets(new App(), 'Stack', n));
      return ['AWS::Events::Rule', 'AWS::CloudWatch::Alarm']
        .reduce((sum, type) => sum + Object.keys(template.findResources(type)).length, 0);
    };
    const one = count(1);
    const forty = count(40);
    // Rules and alarms grow with groups of secrets that fill a pattern, not with each secret. At 40 secrets: 2 change,
    // 2 rotation, 2 failed-rotation and 4 deprecated-access rules with their 6 alarms, 2 key-change rules, and 2 alarms
    // on failed alert deliveries (10 rules each), and a third monitoring-tamper rule for the names of the rules: 21,
    // against 10 for one secret.
    expect(forty - one).toBeLessThanOrEqual(13);
  });
});
