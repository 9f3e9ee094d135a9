// Which rotation code a stack deploys: only the engines its databases need. The shipped folder is read back from the
// cloud assembly (the staged asset the function's S3 key names), not from the construct's own bookkeeping.
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Stack, aws_ec2 as ec2, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RotatedAuroraCluster, RotatedDatabase, RotationEngine, RotationFunction } from '../src';

const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const auroraMysql = rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_12_0 });

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { app, stack, vpc };
}

const BUILT = join(__dirname, '..', 'assets', 'rotation');

/** The staged asset folder of each rotation function of the stack, as the cloud assembly holds it. */
function shippedFolders(app: App, stack: Stack): string[] {
  const template = Template.fromStack(stack);
  const assembly = app.synth();
  return Object.values(template.findResources('AWS::Lambda::Function'))
    .map(fn => fn.Properties.Code.S3Key as string)
    .map(key => join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`));
}

/** The bundle folder (assets/rotation/<name>) whose index.js each rotation function of the stack deploys. */
function shippedBundles(app: App, stack: Stack): string[] {
  return shippedFolders(app, stack)
    .map(folder => readFileSync(join(folder, 'index.js')))
    .map(code => ['postgres', 'mysql', 'data-api', 'all'].find(name => readFileSync(join(BUILT, name, 'index.js')).equals(code)) ?? 'unknown');
}

/** Every file of a folder, by name, with its content. */
function filesOf(folder: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(folder).sort().map(file => [file, readFileSync(join(folder, file))]));
}

test('a stack of PostgreSQL databases deploys the PostgreSQL bundle, without mysql2', () => {
  const { app, stack, vpc } = setup();
  new RotatedDatabase(stack, 'A', { vpc, engine: postgres });
  new RotatedDatabase(stack, 'B', { vpc, engine: postgres });
  expect(shippedBundles(app, stack)).toEqual(['postgres']);
});

test('a MariaDB database deploys the MySQL bundle; an Aurora cluster alone the Data API bundle', () => {
  const maria = setup();
  new RotatedDatabase(maria.stack, 'Db', { vpc: maria.vpc, engine: mariadb });
  expect(shippedBundles(maria.app, maria.stack)).toEqual(['mysql']);
  const aurora = setup();
  new RotatedAuroraCluster(aurora.stack, 'Aurora', { vpc: aurora.vpc, engine: auroraMysql });
  expect(shippedBundles(aurora.app, aurora.stack)).toEqual(['data-api']);
});

test('one function serving PostgreSQL and MariaDB databases of a VPC deploys the bundle with every engine', () => {
  const { app, stack, vpc } = setup();
  new RotatedDatabase(stack, 'A', { vpc, engine: postgres });
  new RotatedDatabase(stack, 'B', { vpc, engine: mariadb });
  expect(shippedBundles(app, stack)).toEqual(['all']);
});

test('a function given only secrets of undeclared engines deploys every engine; declaring one narrows it', () => {
  const undeclared = setup();
  const fn = new RotationFunction(undeclared.stack, 'Rotation', { vpc: undeclared.vpc });
  fn.addSecret(new secretsmanager.Secret(undeclared.stack, 'Secret'));
  expect(shippedBundles(undeclared.app, undeclared.stack)).toEqual(['all']);

  const declared = setup();
  const narrowed = new RotationFunction(declared.stack, 'Rotation', { vpc: declared.vpc });
  narrowed.addEngine(RotationEngine.POSTGRES);
  expect(shippedBundles(declared.app, declared.stack)).toEqual(['postgres']);
});

test.each([
  ['PostgreSQL', postgres, 'postgres', ['index.js', 'pg.js', 'rds-ca-bundle.pem']],
  ['MariaDB', mariadb, 'mysql', ['index.js', 'mysql2.js', 'rds-ca-bundle.pem']],
])('a %s function deploys the driver it loads on the first login beside its handler, and the CA bundle', (_name, engine, bundle, files) => {
  // index.js requires the driver from its own folder when a step first logs in (never for createSecret): a zip without
  // that file would fail every setSecret.
  const { app, stack, vpc } = setup();
  new RotatedDatabase(stack, 'Db', { vpc, engine });
  const [folder] = shippedFolders(app, stack);
  expect(Object.keys(filesOf(folder))).toEqual(files);
  expect(filesOf(folder)).toEqual(filesOf(join(BUILT, bundle as string)));
});
