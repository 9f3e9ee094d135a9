import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging, Stage, Stack, cx_api as cxapi } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The file aws-cdk-lib's `FileSystem.fingerprint` gave each bundle folder when scripts/bundle-rotation.mjs built it:
 * the hash `AssetStaging` computes for the folder (test/rotation-bundle.test.ts proves they are equal).
 */
export const FINGERPRINTS_FILE = 'fingerprints.json';
/** aws-cdk-lib's context key for a salt mixed into every asset hash (`AssetStaging`'s ASSET_SALT_CONTEXT_KEY). */
const ASSET_HASH_SALT_CONTEXT = '@aws-cdk/core:assetHashSalt';

/** A bundle folder staged in the cloud assembly. */
export interface StagedBundle {
  /** The source hash, the name of the staged folder after `asset.`. */
  readonly assetHash: string;
  /** The staged folder as the stack's asset manifest names it (relative to the stack's assembly). */
  readonly fileName: string;
}

/**
 * Copies the shipped bundle folder `bundleDir` into the cloud assembly as `AssetStaging` would, without computing
 * its hash: the hash was computed once, when the bundle was built. `AssetStaging` fingerprints every file of the
 * folder on each synth and loads fs-extra to copy it, together about 50 ms of CPU per app for a folder that never
 * changes between builds (bench/results.md). Whenever the hash cannot be the precomputed one (an app that salts
 * asset hashes, a bundle without a recorded fingerprint) or the app disables staging (`sam local`), `AssetStaging`
 * does it, as before.
 */
export function stageBundle(scope: Construct, id: string, bundleDir: string): StagedBundle {
  const stack = Stack.of(scope);
  const stage = Stage.of(scope);
  const assetHash = recordedFingerprint(bundleDir);
  if (assetHash === undefined || !stage
    || scope.node.tryGetContext(ASSET_HASH_SALT_CONTEXT) !== undefined
    || scope.node.tryGetContext(cxapi.DISABLE_ASSET_STAGING_CONTEXT)) {
    const staging = new AssetStaging(scope, id, { sourcePath: bundleDir });
    return { assetHash: staging.assetHash, fileName: staging.relativeStagedPath(stack) };
  }
  const stagedPath = path.resolve(stage.assetOutdir, `asset.${assetHash}`);
  // Staged once per assembly, however many functions ship the bundle (AssetStaging's cache does the same).
  if (!fs.existsSync(stagedPath)) copyFolder(bundleDir, stagedPath);
  // As AssetStaging.relativeStagedPath: relative to the stack's own assembly (a nested stage's is a subfolder).
  const manifestDir = Stage.of(stack)?.outdir;
  return { assetHash, fileName: manifestDir ? path.relative(manifestDir, stagedPath) : stagedPath };
}

const fingerprintCache = new Map<string, Record<string, string>>();

/**
 * The fingerprint recorded for `bundleDir` beside it, if the build recorded one and no file of the folder changed
 * since: a bundle patched in place (patch-package, a hotfix) must get a new hash, or the CLI would skip its upload and
 * CloudFormation would keep the old code. npm installs every file of the package with the same time, and the build
 * writes the fingerprints last.
 */
function recordedFingerprint(bundleDir: string): string | undefined {
  const file = path.join(path.dirname(bundleDir), FINGERPRINTS_FILE);
  let recorded = fingerprintCache.get(file);
  if (!recorded) {
    recorded = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string> : {};
    fingerprintCache.set(file, recorded);
  }
  const fingerprint = recorded[path.basename(bundleDir)];
  if (fingerprint === undefined) return undefined;
  const recordedAt = fs.statSync(file).mtimeMs;
  const changed = fs.readdirSync(bundleDir).some(entry => fs.statSync(path.join(bundleDir, entry)).mtimeMs > recordedAt);
  return changed ? undefined : fingerprint;
}

/** Copies a folder of plain files (a bundle has no links), into a temporary name first so no half copy is ever staged. */
function copyFolder(from: string, to: string): void {
  const partial = `${to}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) copyFolder(source, path.join(partial, entry.name));
    else fs.copyFileSync(source, path.join(partial, entry.name));
  }
  try {
    fs.renameSync(partial, to);
  } catch (error) {
    // Another synth into the same assembly staged it first: the same content under the same hash.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(to)) throw error;
  }
}
