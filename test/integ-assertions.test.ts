// The integ tests' own assertion stacks, read from the committed snapshots integ-runner deploys. The function that
// starts each rotation must be allowed to, or every integ test fails with AccessDenied before a rotation begins.
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';

const INTEG = join(__dirname, '..', 'integ');

interface Template { Resources: Record<string, any>; Outputs?: Record<string, any> }

function templatesOf(snapshot: string): Map<string, Template> {
  const dir = join(INTEG, snapshot);
  return new Map(readdirSync(dir).filter(name => name.endsWith('.template.json'))
    .map(name => [name.replace(/\.template\.json$/, ''), JSON.parse(readFileSync(join(dir, name), 'utf8'))]));
}

/** The value an `Fn::ImportValue` reads, and the stack whose output exports it. */
function exported(templates: Map<string, Template>, name: string): { stack: string; value: any } {
  for (const [stack, t] of templates) {
    for (const output of Object.values(t.Outputs ?? {})) if (output.Export?.Name === name) return { stack, value: output.Value };
  }
  throw new Error(`no stack exports ${name}`);
}

/** The resource an ARN or URL of `stack`'s template names, as `<stack>/<logical id>`, through an import if it is one. */
function resourceNamed(templates: Map<string, Template>, stack: string, arn: any): string {
  const { stack: owner, value } = arn['Fn::ImportValue'] ? exported(templates, arn['Fn::ImportValue']) : { stack, value: arn };
  return `${owner}/${value['Fn::GetAtt']?.[0] ?? value.Ref}`;
}

/** The functions the rotation schedules of the snapshot's test stacks name. */
function rotationFunctions(templates: Map<string, Template>): Set<string> {
  const ids = new Set<string>();
  for (const [stack, t] of templates) {
    for (const r of Object.values(t.Resources)) {
      if (r.Type === 'AWS::SecretsManager::RotationSchedule') ids.add(resourceNamed(templates, stack, r.Properties.RotationLambdaARN));
    }
  }
  return ids;
}

const snapshots = readdirSync(INTEG).filter(name => name.endsWith('.snapshot'));

test('there are integ snapshots to check', () => {
  expect(snapshots.length).toBeGreaterThanOrEqual(4);
});

test.each(snapshots)('%s: the function that starts a rotation may invoke the rotation function (RotateSecret requires lambda:InvokeFunction)', snapshot => {
  const templates = templatesOf(snapshot);
  const functions = rotationFunctions(templates);
  expect(functions.size).toBeGreaterThan(0);
  let calls = 0;
  for (const [stack, t] of templates) {
    for (const call of Object.values(t.Resources).filter(r => r.Type === 'Custom::DeployAssert@SdkCallSecretsManagerrotateSecret')) {
      calls++;
      // The assertion's provider function, its role, and what that role may invoke.
      const providerId = call.Properties.ServiceToken['Fn::GetAtt'][0];
      const roleId = t.Resources[providerId].Properties.Role['Fn::GetAtt'][0];
      const statements: any[] = t.Resources[roleId].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
      const invocable = statements
        .filter(s => s.Effect === 'Allow' && [].concat(s.Action).includes('lambda:InvokeFunction' as never))
        .flatMap(s => [].concat(s.Resource))
        .map((resource: any) => resourceNamed(templates, stack, resource));
      // The secret the call rotates is rotated by one of the snapshot's functions; the role may invoke it.
      expect(invocable.filter(id => functions.has(id))).not.toHaveLength(0);
    }
  }
  expect(calls).toBeGreaterThan(0);
});

test.each(snapshots)('%s: an assertion waits for the succeeded rotation\'s alert in a queue subscribed to the topic the rules publish to', snapshot => {
  const templates = templatesOf(snapshot);
  // The queues subscribed to a topic that the monitoring rules of the same stack target, as `<stack>/<logical id>`.
  const probes = new Set<string>();
  for (const [stack, t] of templates) {
    const ruleTopics = new Set(Object.values(t.Resources).filter(r => r.Type === 'AWS::Events::Rule')
      .flatMap(r => (r.Properties.Targets ?? []).map((target: any) => target.Arn?.Ref)));
    for (const sub of Object.values(t.Resources).filter(r => r.Type === 'AWS::SNS::Subscription')) {
      if (sub.Properties.Protocol === 'sqs' && ruleTopics.has(sub.Properties.TopicArn.Ref)) probes.add(`${stack}/${sub.Properties.Endpoint['Fn::GetAtt'][0]}`);
    }
  }
  const waited = new Set<string>();
  const bodies: string[] = [];
  for (const [stack, t] of templates) {
    for (const call of Object.values(t.Resources).filter(r => r.Type === 'Custom::DeployAssert@SdkCallSQSreceiveMessage')) {
      const expected = JSON.parse(call.Properties.expected);
      bodies.push(expected.$ObjectLike.Messages.$ArrayWith[0].$ObjectLike.Body.$StringLike);
      // The queue URL is the queue's Ref, through an import when the queue is in the test stack.
      const url = call.Properties.parameters.QueueUrl['Fn::Join'][1].find((part: any) => typeof part === 'object');
      waited.add(resourceNamed(templates, stack, url));
    }
  }
  expect(probes.size).toBeGreaterThan(0);
  expect([...probes].sort()).toEqual([...waited].sort());
  // The rotation's alert, and the message of the alarm the next test sets off.
  expect(bodies.sort()).toEqual([...probes].flatMap(() => [ALARM_PROBE_REASON, 'RotationSucceeded']).sort());
});

const ALARM_PROBE_REASON = 'integ probe: the alarm action reaches the alert topic';

test.each(snapshots)('%s: an assertion sets off an alarm of the monitoring, whose action is the probed topic, and waits for its message', snapshot => {
  const templates = templatesOf(snapshot);
  const calls = [...templates].flatMap(([stack, t]) => Object.values(t.Resources)
    .filter(r => r.Type === 'Custom::DeployAssert@SdkCallCloudWatchsetAlarmState').map(call => ({ stack, call })));
  const probeQueues = [...templates.values()].flatMap(t => Object.entries(t.Resources).filter(([id, r]) => r.Type === 'AWS::SQS::Queue' && /AlertProbe/.test(id)));
  // One per test database stack, as there is one probe queue per such stack.
  expect(calls.length).toBeGreaterThan(0);
  expect(calls).toHaveLength(probeQueues.length);
  for (const { stack, call } of calls) {
    expect(JSON.parse(call.Properties.parameters.StateValue)).toBe('ALARM');
    expect(JSON.parse(call.Properties.parameters.StateReason)).toBe(ALARM_PROBE_REASON);
    // The alarm name is the alarm's Ref, through an import from the test stack; that alarm notifies a topic a probe queue reads.
    const name = call.Properties.parameters.AlarmName['Fn::Join'][1].find((part: any) => typeof part === 'object');
    const [owner, alarmId] = resourceNamed(templates, stack, name).split('/');
    const alarm = templates.get(owner)!.Resources[alarmId];
    expect(alarm.Type).toBe('AWS::CloudWatch::Alarm');
    const probedTopics = Object.values(templates.get(owner)!.Resources)
      .filter(r => r.Type === 'AWS::SNS::Subscription' && r.Properties.Protocol === 'sqs').map(r => r.Properties.TopicArn.Ref);
    expect(probedTopics.length).toBeGreaterThan(0);
    expect(alarm.Properties.AlarmActions.map((a: any) => a.Ref)).toEqual(expect.arrayContaining(probedTopics));
  }
});
