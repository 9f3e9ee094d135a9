// What a real account refuses and no template check sees: IAM's policy quotas. A customer-managed policy holds at most
// 6,144 characters (whitespace not counted), a role at most 10,240 characters of inline policies and 10 attached
// managed policies by default: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html and
// https://repost.aws/knowledge-center/iam-increase-policy-size. CloudFormation would fail the deployment with
// LimitExceeded. Checked at the largest stack the footprint allows, and for a function shared by many stacks.
import { App, CfnElement, Stack, aws_ec2 as ec2, aws_kms as kms, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RotatedAuroraCluster, RotatedDatabase, RotationFunction } from '../src';
import { longestDeployed } from '../src/private/deployed-size';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const MANAGED_POLICY_CHARACTERS = 6144;
const ROLE_INLINE_POLICY_CHARACTERS = 10240;
const MANAGED_POLICIES_PER_ROLE = 10;
/** Longer than any ARN CloudFormation fills in here (a secret's ARN with its suffix is about 90 characters). */
const REFERENCE = 'x'.repeat(120);
const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });

/** The deployed length of a resolved policy document at its longest, without whitespace, as IAM counts it. */
function deployedCharacters(document: unknown): number {
  return JSON.stringify(longestDeployed(document, () => REFERENCE)).replace(/\s/g, '').length;
}

type Resource = { Type: string; Properties: any };

/** Every role's managed policies (created in any of the templates) and inline policy characters. */
function rolePolicies(templates: Record<string, any>[]) {
  const resources = templates.flatMap(t => Object.entries<Resource>(t.Resources));
  const roles = resources.filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => id);
  // A role of another stack is named through an export, whose name carries its logical ID.
  const names = (list: unknown) => JSON.stringify(list ?? []);
  return roles.map(role => ({
    role,
    managed: resources.filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && names(r.Properties.Roles).includes(role))
      .map(([id, r]) => ({ id, characters: deployedCharacters(r.Properties.PolicyDocument) })),
    inlineCharacters: resources.filter(([, r]) => r.Type === 'AWS::IAM::Policy' && names(r.Properties.Roles).includes(role))
      .reduce((sum, [, r]) => sum + deployedCharacters(r.Properties.PolicyDocument), 0),
  }));
}

function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

function expectWithinQuotas(templates: Record<string, any>[]) {
  for (const { role, managed, inlineCharacters } of rolePolicies(templates)) {
    for (const policy of managed) {
      expect({ role, policy: policy.id, characters: policy.characters, fits: policy.characters <= MANAGED_POLICY_CHARACTERS })
        .toEqual(expect.objectContaining({ fits: true }));
    }
    expect({ role, attached: managed.length, fits: managed.length <= MANAGED_POLICIES_PER_ROLE }).toEqual(expect.objectContaining({ fits: true }));
    expect({ role, inlineCharacters, fits: inlineCharacters <= ROLE_INLINE_POLICY_CHARACTERS }).toEqual(expect.objectContaining({ fits: true }));
  }
}

test('49 rotated databases in one stack (the footprint goal): every rotation policy fits IAM\'s quotas', () => {
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const vpc = isolatedVpc(stack);
  for (let i = 0; i < 49; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres });
  const template = app.synth().getStackArtifact(stack.artifactId).template;
  expectWithinQuotas([template]);
});

/**
 * Lambda's quota on a function's resource-based policy: 20 KB, which "can't be changed"
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
 * https://repost.aws/knowledge-center/lambda-resource-based-policy-size-error). Each AWS::Lambda::Permission is one
 * statement; CloudFormation names it after the stack and the permission (`<stack>-<logical id>-<random>`, at most
 * 100 characters, AddPermission's StatementId) and the function after the stack and the function.
 */
const FUNCTION_POLICY_BYTES = 20 * 1024;

/**
 * A secret's ARN as CloudFormation gives it: a secret of the template by its `Name`, or the name CloudFormation
 * generates (the logical ID, a dash and a random suffix); Secrets Manager adds `-` and six characters.
 */
function deployedSecretArn(template: Record<string, any>, sourceArn: any): string {
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${name}-AbCdEf`;
  const secret = typeof sourceArn?.Ref === 'string' ? template.Resources[sourceArn.Ref] : undefined;
  if (secret?.Type !== 'AWS::SecretsManager::Secret') return longestDeployed(sourceArn, () => REFERENCE);
  const name = secret.Properties.Name;
  return arn(typeof name === 'string' ? name : `${sourceArn.Ref}-ABCDEFGHIJKL`);
}

/** Each function's resource-based policy as Lambda would keep it, from the templates' invoke permissions. */
function functionPolicies(templates: Record<string, any>[], stackNames: string[]): Map<string, number> {
  const generated = (stack: string, logicalId: string, max: number) => `${stack}-${logicalId}-ABCDEFGHIJKL`.slice(0, max);
  const sizes = new Map<string, number>();
  templates.forEach((template, i) => {
    for (const [id, r] of Object.entries<Resource>(template.Resources)) {
      if (r.Type !== 'AWS::Lambda::Permission') continue;
      // The function, by logical ID: a GetAtt in its own stack, an import (whose name holds the ID) in another.
      const fnRef = JSON.stringify(r.Properties.FunctionName);
      const fnId = /"([A-Za-z0-9]*Function[A-Za-z0-9]*)/.exec(fnRef.replace(/Fn::GetAtt","|Fn::ImportValue","/g, '"'))![1];
      const statement = {
        Sid: generated(stackNames[i], id, 100),
        Effect: 'Allow',
        Principal: { Service: r.Properties.Principal },
        Action: r.Properties.Action,
        Resource: `arn:aws:lambda:eu-west-1:111111111111:function:${generated('Network', fnId, 64)}`,
        Condition: {
          StringEquals: { 'AWS:SourceAccount': '111111111111' },
          ArnLike: { 'AWS:SourceArn': deployedSecretArn(template, r.Properties.SourceArn) },
        },
      };
      sizes.set(fnId, (sizes.get(fnId) ?? '{"Version":"2012-10-17","Id":"default","Statement":[]}'.length) + JSON.stringify(statement).length + 1);
    }
  });
  return sizes;
}

test('49 rotated databases in one stack: no rotation function is invoked for more secrets than its 20 KB policy holds', () => {
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const vpc = isolatedVpc(stack);
  for (let i = 0; i < 49; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres });
  const policies = functionPolicies([app.synth().getStackArtifact(stack.artifactId).template], ['Data']);
  expect(policies.size).toBeGreaterThanOrEqual(2);
  for (const [fn, bytes] of policies) expect({ fn, bytes, fits: bytes <= FUNCTION_POLICY_BYTES }).toEqual(expect.objectContaining({ fits: true }));
});

test('45 databases whose secrets have names of 200 characters: still no function past 20 KB', () => {
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const vpc = isolatedVpc(stack);
  const long = (i: number) => `team-${String(i).padStart(2, '0')}/${'payments-ledger-reconciliation/'.repeat(6)}database`.padEnd(200, 'x');
  for (let i = 0; i < 45; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres, secretName: long(i) });
  const policies = functionPolicies([app.synth().getStackArtifact(stack.artifactId).template], ['Data']);
  for (const [fn, bytes] of policies) expect({ fn, bytes, fits: bytes <= FUNCTION_POLICY_BYTES }).toEqual(expect.objectContaining({ fits: true }));
});

test('a function of yours given to 45 databases fails at synth, naming it and the fix, before Lambda refuses its policy', () => {
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const vpc = isolatedVpc(stack);
  const rotationFunction = new RotationFunction(stack, 'Rotation', { vpc });
  for (let i = 0; i < 45; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres, rotationFunction });
  expect(() => app.synth()).toThrow(/Data\/Rotation would be invoked for 45 secrets.*20 KB.*rotationFunction: new RotationFunction/);
});

test('one rotation function in a network stack serving databases of 12 stacks: its role fits IAM\'s quotas', () => {
  const app = new App();
  const network = new Stack(app, 'Network', { env: ENV });
  const vpc = isolatedVpc(network);
  const rotationFunction = RotationFunction.shared(network, { vpc });
  const stacks = Array.from({ length: 12 }, (_, i) => new Stack(app, `Team${i}`, { env: ENV }));
  for (const stack of stacks) {
    for (let i = 0; i < 3; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres, rotationFunction });
  }
  const assembly = app.synth();
  expectWithinQuotas([network, ...stacks].map(s => assembly.getStackArtifact(s.artifactId).template));
});

// A cluster's Data API grant has no resource policy of the app to go in: each stack of clusters attaches a managed
// policy of its own to the function's role, and IAM attaches at most 10 to a role by default.
test('a function you share with Aurora clusters of 10 stacks warns that its role passes IAM\'s 10 managed policies; 9 do not', () => {
  const build = (teams: number) => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV });
    const vpc = isolatedVpc(network);
    const rotationFunction = new RotationFunction(network, 'Rotation', { vpc });
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });
    for (let i = 0; i < teams; i++) {
      new RotatedAuroraCluster(new Stack(app, `Team${i}`, { env: ENV }), 'Ledger', { vpc, engine, rotationFunction, monitoring: { enabled: false } });
    }
    app.synth();
    const attached = rolePolicies(app.node.children.filter((c): c is Stack => c instanceof Stack).map(st => Template.fromStack(st).toJSON()))
      .find(({ role }) => role.startsWith('RotationRole'))!.managed.length;
    return { attached, warnings: Annotations.fromStack(network).findWarning('/Network/Rotation', Match.stringLikeRegexp('managed policies')) };
  };
  const nine = build(9);
  expect(nine.attached).toBe(10);
  expect(nine.warnings).toHaveLength(0);
  const ten = build(10);
  expect(ten.attached).toBe(11);
  expect(ten.warnings).toHaveLength(1);
  expect(ten.warnings[0].entry.data).toMatch(/11 managed policies.*10.*RotationFunction.shared|11 managed policies.*10/s);
});

test('a secret of the app grants the role in its own policy; an imported secret, which has none here, in the role\'s', () => {
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const rotationFunction = new RotationFunction(stack, 'Rotation', { vpc: isolatedVpc(stack) });
  const own = new secretsmanager.Secret(stack, 'Own', { encryptionKey: new kms.Key(stack, 'Key') });
  const imported = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy-AbCdEf');
  rotationFunction.addSecret(own);
  rotationFunction.addSecret(imported);
  const template = Template.fromStack(stack);
  const roleArn = stack.resolve(rotationFunction.function.role!.roleArn);
  template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
    SecretId: stack.resolve(own.secretArn),
    ResourcePolicy: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { AWS: roleArn }, Action: Match.arrayWith(['secretsmanager:PutSecretValue']) })]) },
  });
  const rolePolicy = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
  expect(rolePolicy).toContain('legacy-AbCdEf');
  expect(rolePolicy).not.toContain(stack.getLogicalId(own.node.defaultChild as secretsmanager.CfnSecret));
});

test('30 Aurora clusters rotated through the Data API in one stack: every rotation policy fits IAM\'s quotas', () => {
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const vpc = isolatedVpc(stack);
  const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });
  for (let i = 0; i < 30; i++) new RotatedAuroraCluster(stack, `Aurora${i}`, { vpc, engine });
  expectWithinQuotas([app.synth().getStackArtifact(stack.artifactId).template]);
});

test('in one stack, the secret\'s resource policy that names the new role waits for the function', () => {
  // Secrets Manager refuses a principal it cannot see yet (MalformedPolicyDocumentException for a role created
  // seconds before: hashicorp/terraform-provider-aws#14449, boto/boto3#3206). Lambda creates the function only once
  // it can assume the role, so a policy written after the function names a role that has propagated.
  const app = new App();
  const stack = new Stack(app, 'Data', { env: ENV });
  const db = new RotatedDatabase(stack, 'Db', { vpc: isolatedVpc(stack), engine: postgres });
  const resources = app.synth().getStackArtifact(stack.artifactId).template.Resources;
  const fnId = stack.getLogicalId(db.rotationFunction.function.node.defaultChild as CfnElement);
  const policyId = stack.getLogicalId(db.secret.secret.node.findChild('Policy').node.defaultChild as CfnElement);
  expect(resources[policyId].DependsOn).toContain(fnId);
});

// The sizes are judged with every intrinsic at its longest: a region as long as the longest aws-cdk-lib knows
// (us-isof-south-1, 15 characters; review DZ found 14 assumed), a partition of aws-us-gov.
test('the longest deployed value takes the longest region and partition aws-cdk-lib knows', () => {
  expect(longestDeployed({ Ref: 'AWS::Region' }, () => REFERENCE).length).toBeGreaterThanOrEqual('us-isof-south-1'.length);
  expect(longestDeployed({ Ref: 'AWS::Partition' }, () => REFERENCE)).toBe('aws-us-gov');
});
