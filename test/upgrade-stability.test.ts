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
// A resource keeps its logical ID and is still replaced when a property CloudFormation replaces it for changes ("Update
// requires: Replacement", e.g. an instance's KmsKeyId or MasterUsername in
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html); and a secret keeps
// its resource but gets a new value whenever its GenerateSecretString changes, an open CloudFormation bug
// (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2210,
// https://github.com/aws/aws-cdk/issues/19985): a library change to a database secret's passwordLength would give every
// deployed secret a password its database never got. So the same apps' values of those properties are pinned too.
//
// The integ snapshots change with every template change and are regenerated as a matter of course; these lists change
// only when one of these does. If a change to the library moves one on purpose, update
// test/fixtures/stable-logical-ids.json and test/fixtures/stable-properties.json
// (UPDATE_STABLE_IDS=1 npx jest test/upgrade-stability.test.ts) and say in the README what a deployed app must do (see
// "Upgrading a deployed stack").
import { readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { gunzipSync } from 'zlib';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CHECKED_APPS } from './checked-apps';

const FIXTURE = join(__dirname, 'fixtures', 'stable-logical-ids.json');
const PROPERTIES_FIXTURE = join(__dirname, 'fixtures', 'stable-properties.json');

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

/**
 * The pinned values of `file` (rewritten from `now` with UPDATE_STABLE_IDS=1), once the stacks of the checked apps are
 * those it pins.
 */
function pinnedAs<T>(file: string, now: Record<string, T>): Record<string, T> {
  if (process.env.UPDATE_STABLE_IDS === '1') writeFileSync(file, `${JSON.stringify(now, undefined, 1)}\n`);
  const pinned = JSON.parse(readFileSync(file, 'utf8'));
  expect(Object.keys(now).sort()).toEqual(Object.keys(pinned).sort());
  return pinned;
}

test('an upgrade keeps the logical IDs of stateful and referenced resources, and the export names, of every checked app', () => {
  const now = stableIds();
  const pinned = pinnedAs(FIXTURE, now);
  // Each stack is compared on its own, so a failure names the stack and the type.
  for (const stack of Object.keys(pinned)) expect({ stack, ids: now[stack] }).toEqual({ stack, ids: pinned[stack] });
  // Not vacuous: the apps hold databases, clusters, secrets and their keys.
  const all = Object.values(pinned) as Record<string, string[]>[];
  for (const type of ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::RDS::DBSubnetGroup']) {
    expect(all.some(ids => (ids[type]?.length ?? 0) > 0)).toBe(true);
  }
});

/**
 * Per stable type, the properties a change of which makes CloudFormation replace the resource, always or in some
 * cases ("Update requires: Replacement" on the resource's page of the CloudFormation reference): the
 * `causesReplacement` of each property ('yes' or 'maybe') in the resource specification AWS CDK's own tools read
 * (@aws-cdk/aws-service-spec, pinned in package-lock.json through @aws-cdk/integ-runner).
 */
function replacingProperties(): Record<string, string[]> {
  const specFile = join(dirname(require.resolve('@aws-cdk/aws-service-spec')), '..', 'db.json.gz');
  const db = JSON.parse(gunzipSync(readFileSync(specFile)).toString('utf8'));
  const result: Record<string, string[]> = {};
  for (const resource of Object.values<any>(db.schema.resource.entities)) {
    if (!STABLE_TYPES.includes(resource.cloudFormationType)) continue;
    result[resource.cloudFormationType] = Object.entries<any>(resource.properties)
      .filter(([, property]) => property.causesReplacement === 'yes' || property.causesReplacement === 'maybe')
      .map(([name]) => name).sort();
  }
  return result;
}

/** Properties that change what a resource holds without replacing it: a new GenerateSecretString, a new secret value. */
const VALUE_PROPERTIES: Record<string, string[]> = { 'AWS::SecretsManager::Secret': ['GenerateSecretString'] };

/** Per stack, per stable resource, its type and the values of its replacing and value properties that the template sets. */
function stableProperties(): Record<string, Record<string, Record<string, unknown>>> {
  const replacing = replacingProperties();
  const result: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [name, build] of CHECKED_APPS) {
    for (const stack of build(new App())) {
      const resources: Record<string, any> = Template.fromStack(stack).toJSON().Resources ?? {};
      const pinned: Record<string, Record<string, unknown>> = {};
      for (const [id, resource] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
        if (!STABLE_TYPES.includes(resource.Type)) continue;
        const properties: Record<string, unknown> = { Type: resource.Type };
        for (const property of [...replacing[resource.Type] ?? [], ...VALUE_PROPERTIES[resource.Type] ?? []].sort()) {
          if (resource.Properties?.[property] !== undefined) properties[property] = resource.Properties[property];
        }
        pinned[id] = properties;
      }
      result[`${name}/${stack.stackName}`] = pinned;
    }
  }
  return result;
}

test('an upgrade keeps, for every checked app, the secrets\' GenerateSecretString and the properties CloudFormation replaces a stateful resource for', () => {
  const now = stableProperties();
  const pinned = pinnedAs(PROPERTIES_FIXTURE, now);
  // Each resource is compared on its own, so a failure names the stack, the resource and the property.
  for (const stack of Object.keys(pinned)) {
    expect(Object.keys(now[stack]).sort()).toEqual(Object.keys(pinned[stack]).sort());
    for (const id of Object.keys(pinned[stack])) {
      expect({ stack, id, properties: now[stack][id] }).toEqual({ stack, id, properties: pinned[stack][id] });
    }
  }
});

test('the replacing properties come from the specification and cover what matters here', () => {
  const replacing = replacingProperties();
  // Not vacuous: every stable type is in the specification, and the properties the README names as replacing are there.
  expect(Object.keys(replacing).sort()).toEqual([...STABLE_TYPES].sort());
  expect(replacing['AWS::RDS::DBInstance']).toEqual(expect.arrayContaining(['DBInstanceIdentifier', 'DBName', 'DBSubnetGroupName', 'KmsKeyId', 'MasterUsername', 'Port']));
  expect(replacing['AWS::RDS::DBCluster']).toEqual(expect.arrayContaining(['DBClusterIdentifier', 'DatabaseName', 'DBSubnetGroupName', 'KmsKeyId']));
  expect(replacing['AWS::SecretsManager::Secret']).toEqual(['Name']);
  // The database secrets' generators are pinned: the pinned file holds the 32-character password every database secret is made with.
  const secrets = Object.values<Record<string, any>>(JSON.parse(readFileSync(PROPERTIES_FIXTURE, 'utf8')))
    .flatMap(stack => Object.values<any>(stack)).filter(r => r.Type === 'AWS::SecretsManager::Secret');
  expect(secrets.some(r => r.GenerateSecretString?.PasswordLength === 32 && r.GenerateSecretString?.GenerateStringKey === 'password')).toBe(true);
});
