import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RotatedAuroraCluster, RotatedAuroraClusterProps } from '../src';

// Review EI, EH, EF: configurations that synthesized without error or warning, then failed at deploy or left the
// rotation function without the RDS Data API it reaches Aurora through.

const ENV = { account: '111111111111', region: 'eu-west-1' };
const postgres = (version: rds.AuroraPostgresEngineVersion) => rds.DatabaseClusterEngine.auroraPostgres({ version });
const mysql = (version: rds.AuroraMysqlEngineVersion) => rds.DatabaseClusterEngine.auroraMysql({ version });

function build(extra: Partial<RotatedAuroraClusterProps> = {}) {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const aurora = new RotatedAuroraCluster(stack, 'Aurora', { vpc, engine: postgres(rds.AuroraPostgresEngineVersion.VER_17_7), ...extra });
  return { stack, vpc, aurora };
}

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('a Babelfish cluster, which has no Data API, is refused', () => {
  // `rds.babelfish_status` turns Babelfish on ("ParameterName=rds.babelfish_status,ParameterValue=on",
  // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-create.html; off or datatypesonly turn it
  // off, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-remove.html), and "Babelfish doesn't
  // support the following Aurora features: ... RDS Data API with Aurora PostgreSQL Serverless v2 and provisioned"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/babelfish-limitations.html).
  test.each([['rds.babelfish_status', 'on'], ['RDS.Babelfish_Status', 'ON'], ['rds.babelfish_status', 'datatypesonly']])(
    'parameters { %s: %s }', (name, value) => {
      const message = messageOf(() => build({ parameters: { [name]: value } }));
      expect(message).toMatch(new RegExp(`\`parameters\` must not set "${name.replace(/\./g, '\\.')}" to "${value}".*Babelfish.*Data API.*babelfish-limitations\\.html`));
      expect(message).toMatch(/Leave it out of `parameters`, or set it to "off"/);
    });

  test('rds.babelfish_status off is accepted', () => {
    expect(() => build({ parameters: { 'rds.babelfish_status': 'off' } })).not.toThrow();
  });
});

describe('Aurora PostgreSQL versions that are not numerals are refused', () => {
  // Limitless "uses special Aurora PostgreSQL DB engine versions ... 16.4-limitless", and "Your DB cluster can't have
  // any writer or reader DB instances" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/limitless-reqs-limits.html):
  // the version check read NaN from such a version and let it through.
  test.each([['16.4-limitless', '16'], ['16.6.8-limitless', '16']])('%s', (full, major) => {
    const message = messageOf(() => build({ engine: postgres(rds.AuroraPostgresEngineVersion.of(full, major)) }));
    expect(message).toMatch(new RegExp(`\`engine\` is Aurora PostgreSQL ${full.replace(/\./g, '\\.')}, not a version of numerals.*Limitless`));
  });

  test('a three-part numeral version is accepted', () => {
    expect(() => build({ engine: postgres(rds.AuroraPostgresEngineVersion.of('16.6.8', '16')) })).not.toThrow();
  });
});

describe('Aurora MySQL 8.4: the Data API is not documented for it', () => {
  // The Data API table lists Aurora MySQL only as "Aurora MySQL version 3 | Version 3.07 and higher"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).
  const warnings = (engine: rds.IClusterEngine) =>
    Annotations.fromStack(build({ engine, parameters: { authentication_policy: '*:mysql_native_password' } }).stack)
      .findWarning('*', Match.stringLikeRegexp('data-api-undocumented'));

  test('8.4 warns at synth, naming the version and the page', () => {
    const found = warnings(mysql(rds.AuroraMysqlEngineVersion.of('8.4.7', '8.4')));
    expect(found).toHaveLength(1);
    expect(JSON.stringify(found[0].entry.data)).toMatch(/Aurora MySQL 8\.4\.7.*Data API.*not documented.*Feature\.Data_API\.html/);
  });

  test('3.08.0 does not warn', () => {
    expect(warnings(mysql(rds.AuroraMysqlEngineVersion.VER_3_08_0))).toHaveLength(0);
  });
});

describe('Serverless v2 capacity the engine version does not offer is refused', () => {
  // Auto-pause (a minimum of 0 ACUs): "If you're using Aurora PostgreSQL, the database engine must be running at least
  // version 16.3, 15.7, 14.12, or 13.15. If you're using Aurora MySQL, the database engine must be running version
  // 3.08.0 or higher" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html).
  test.each<[string, rds.IClusterEngine]>([
    ['16.1', postgres(rds.AuroraPostgresEngineVersion.VER_16_1)],
    ['15.6', postgres(rds.AuroraPostgresEngineVersion.VER_15_6)],
    ['14.11', postgres(rds.AuroraPostgresEngineVersion.VER_14_11)],
    ['13.14', postgres(rds.AuroraPostgresEngineVersion.VER_13_14)],
    ['3.07.1', mysql(rds.AuroraMysqlEngineVersion.VER_3_07_1)],
  ])('serverlessV2MinCapacity 0 on %s', (version, engine) => {
    expect(() => build({ engine, serverlessV2MinCapacity: 0 }))
      .toThrow(new RegExp(`\`serverlessV2MinCapacity\` is 0 .*${version.replace(/\./g, '\\.')}.*auto-pause.*aurora-serverless-v2-auto-pause\\.html`));
  });

  test.each<[string, rds.IClusterEngine]>([
    ['16.3', postgres(rds.AuroraPostgresEngineVersion.VER_16_3)],
    ['15.7', postgres(rds.AuroraPostgresEngineVersion.VER_15_7)],
    ['14.12', postgres(rds.AuroraPostgresEngineVersion.VER_14_12)],
    ['13.15', postgres(rds.AuroraPostgresEngineVersion.VER_13_15)],
    ['17.4', postgres(rds.AuroraPostgresEngineVersion.VER_17_4)],
    ['3.08.0', mysql(rds.AuroraMysqlEngineVersion.VER_3_08_0)],
  ])('serverlessV2MinCapacity 0 on %s is accepted', (_version, engine) => {
    expect(() => build({ engine, serverlessV2MinCapacity: 0 })).not.toThrow();
  });
});

describe('the Aurora MySQL version the messages suggest depends on the Region', () => {
  // Serverless v2's lowest Aurora MySQL version varies by Region: Taipei "3.04.3 and higher, 3.08.1 and higher", Malaysia
  // "3.04.3, 3.05.2, 3.06.1, 3.07.1, and higher"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html):
  // no one version fits everywhere (3.08.0 does not in Taipei).
  test.each<[string, rds.IClusterEngine, Record<string, string> | undefined]>([
    ['no Serverless v2', mysql(rds.AuroraMysqlEngineVersion.VER_3_01_0), undefined],
    ['no Data API', mysql(rds.AuroraMysqlEngineVersion.VER_3_06_1), undefined],
    ['8.4 master user plugin', mysql(rds.AuroraMysqlEngineVersion.of('8.4.7', '8.4')), undefined],
  ])('%s', (_name, engine, parameters) => {
    const message = messageOf(() => build({ engine, parameters }));
    expect(message).not.toMatch(/VER_3_08_0/);
    expect(message).toMatch(/the newest Aurora MySQL 3 version your Region lists.*Feature\.ServerlessV2\.html/);
  });
});

describe('RotatedAuroraCluster grantConnect', () => {
  // IAM database authentication is on for the cluster; rds-db:connect names "dbuser:<DbClusterResourceId>/<user>"
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_rds-db.html).
  test('grants rds-db:connect as the user named, on the cluster\'s resource id', () => {
    const { stack, aurora } = build();
    const role = new iam.Role(stack, 'Reporting', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    aurora.grantConnect(role, 'reporting');
    const clusterId = stack.getLogicalId(aurora.cluster.node.defaultChild as any);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'rds-db:connect',
          Resource: {
            'Fn::Join': ['', Match.arrayWith([':rds-db:eu-west-1:111111111111:dbuser:', { 'Fn::GetAtt': [clusterId, 'DBClusterResourceId'] }, '/reporting'])],
          },
        })]),
      },
    });
  });

  // "A specific user can log in to a database using only one authentication method"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/database-authentication.html): the master user the secret
  // rotates would lock the secret, and the rotation, out.
  test('refuses the rotated master user, an empty user and a missing one, as RotatedDatabase does', () => {
    const { stack, aurora } = build({ username: 'owner' });
    const role = new iam.Role(stack, 'Reporting', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => aurora.grantConnect(role, 'owner')).toThrow(/RotatedAuroraCluster Test\/Aurora: grantConnect's `dbUser` "owner" is the user the secret rotates by password/);
    expect(() => aurora.grantConnect(role, '')).toThrow(/RotatedAuroraCluster Test\/Aurora: grantConnect's `dbUser` is empty/);
    expect(() => (aurora.grantConnect as any)(role)).toThrow(/`dbUser` is required/);
  });
});
