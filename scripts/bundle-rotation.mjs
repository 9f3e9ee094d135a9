// Bundles the rotation Lambda (lambda/rotation) into assets/rotation/index.js.
// The construct library ships this output, so `cdk synth` needs neither esbuild nor Docker.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'assets', 'rotation');
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: [join(root, 'lambda', 'rotation', 'index.ts')],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  legalComments: 'none',
  // pg's optional native binding is never used; keep it out of the bundle.
  external: ['pg-native'],
  logLevel: 'warning',
});

// The RDS CA bundle lets the function verify the database's certificate (TLS on by default).
const caBundle = join(root, 'lambda', 'rotation', 'rds-ca-bundle.pem');
if (existsSync(caBundle)) copyFileSync(caBundle, join(outdir, 'rds-ca-bundle.pem'));

console.log(`rotation bundle: assets/rotation/index.js (${statSync(join(outdir, 'index.js')).size} bytes)`);
