// What an upgrade of the library must not change in a deployed app: the logical IDs of the resources that hold data
// or that other resources and stacks point at, and the names of the stacks' exports. CloudFormation reads a new
// logical ID as a new resource: it creates it and deletes the old one ("If you change the logical ID of a resource,
// CloudFormation replaces it", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html):
// a new, empty database or a secret with a new value; a log group or key left behind under Retain; a new subnet or
// parameter group, whose name change replaces the databases on it. An export another stack imports cannot be removed
// or changed ("After another stack imports an output value, you can't delete the stack that is exporting the output
// value or modify the exported output value",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html), so a
// renamed export blocks the update of both stacks.
//
// The integ snapshots change with every template change and are regenerated as a matter of course; this list changes
// only when one of these does. If a change to the library moves one on purpose, update
// test/fixtures/stable-logical-ids.json (UPDATE_STABLE_IDS=1 npx jest test/upgrade-stability.test.ts) and say in the
// README what a deployed app must do (see "Upgrading a deployed stack").
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CHECKED_APPS } from './checked-apps';

const FIXTURE = join(__dirname, 'fixtures', 'stable-logical-ids.json');

/** Resources whose replacement loses data, leaves a retained copy behind, or replaces the resources that name them. */
const STABLE_TYPES = [
  'AWS::SecretsManager::Secret',
  'AWS::KMS::Key',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBSubnetGroup',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::OptionGroup',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::CloudTrail::Trail',
  'AWS::Lambda::Function',
  // A new topic drops every subscription, and a new email subscription waits for its confirmation again.
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
];

function stableIds(): Record<string, Record<string, string[]>> {
  const result: Record<string, Record<string, string[]>> = {};
  for (const [name, build] of CHECKED_APPS) {
    for (const stack of build(new App())) {
      const template = Template.fromStack(stack).toJSON();
      const resources: Record<string, any> = template.Resources ?? {};
      const ids: Record<string, string[]> = {};
      for (const type of STABLE_TYPES) {
        const ofType = Object.entries(resources).filter(([, r]) => r.Type === type).map(([id]) => id).sort();
        if (ofType.length) ids[type] = ofType;
      }
      const exports = Object.values<any>(template.Outputs ?? {})
        .map(o => o.Export?.Name).filter(n => n !== undefined).map(n => JSON.stringify(n)).sort();
      if (exports.length) ids.exports = exports;
      result[`${name}/${stack.stackName}`] = ids;
    }
  }
  return result;
}

test('an upgrade keeps the logical IDs of stateful and referenced resources, and the export names, of every checked app', () => {
  const now = stableIds();
  if (process.env.UPDATE_STABLE_IDS === '1') writeFileSync(FIXTURE, `${JSON.stringify(now, undefined, 1)}\n`);
  const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  // Each stack is compared on its own, so a failure names the stack and the type.
  expect(Object.keys(now).sort()).toEqual(Object.keys(pinned).sort());
  for (const stack of Object.keys(pinned)) expect({ stack, ids: now[stack] }).toEqual({ stack, ids: pinned[stack] });
  // Not vacuous: the apps hold databases, clusters, secrets and their keys.
  const all = Object.values(pinned) as Record<string, string[]>[];
  for (const type of ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::RDS::DBSubnetGroup']) {
    expect(all.some(ids => (ids[type]?.length ?? 0) > 0)).toBe(true);
  }
});
