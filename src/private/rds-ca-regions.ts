import * as fs from 'fs';
import * as path from 'path';

/**
 * The regions whose Amazon RDS root CA the rotation function's CA bundle carries, as scripts/bundle-rotation.mjs
 * listed them when it built the bundle (test/ca-bundle-regions.test.ts checks the list against the certificates).
 * RDS signs a database's certificate with a root CA of the database's region
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html), so in a region not listed the
 * function's verified TLS fails and the password never rotates.
 */
export const RDS_CA_REGIONS_FILE = path.join(__dirname, '..', '..', 'assets', 'rotation', 'rds-ca-regions.json');

let regions: ReadonlySet<string> | undefined;

/** Whether the shipped CA bundle has an Amazon RDS root CA of `region`; read once per process. */
export function rdsCaBundleCoversRegion(region: string): boolean {
  regions ??= new Set(JSON.parse(fs.readFileSync(RDS_CA_REGIONS_FILE, 'utf8')) as string[]);
  return regions.has(region);
}
