// Preloaded by scripts/compat-synth.sh: every require of aws-cdk-lib or constructs, from the project's sources and from
// its other packages (cdk-nag) alike, resolves in COMPAT_DIR (the newest versions) instead of the project's
// node_modules, so one copy of each is loaded and it is the one under test. At exit it fails the process if a module of
// the project's own copies was loaded anyway, and reports the versions that were.
const Module = require('module');
const path = require('path');

const compatDir = process.env.COMPAT_DIR;
if (!compatDir) throw new Error('compat-resolve: set COMPAT_DIR to the folder whose node_modules holds the versions to check');
const redirected = /^(aws-cdk-lib|constructs)(\/|$)/;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  return redirected.test(request)
    ? resolve.call(this, request, parent, isMain, { ...options, paths: [compatDir] })
    : resolve.call(this, request, parent, isMain, options);
};

process.on('exit', (code) => {
  const projectCopies = path.join(__dirname, '..', 'node_modules');
  const stray = Object.keys(require.cache).filter((f) => /[\\/]node_modules[\\/](aws-cdk-lib|constructs)[\\/]/.test(f) && f.startsWith(projectCopies + path.sep));
  if (stray.length) {
    console.error(`compat: the project's own copy was loaded, not the one under test: ${stray.slice(0, 3).join(', ')}`);
    process.exitCode = 1;
    return;
  }
  if (code === 0) {
    const version = (name) => require(path.join(compatDir, 'node_modules', name, 'package.json')).version;
    console.log(`compat: loaded aws-cdk-lib ${version('aws-cdk-lib')} and constructs ${version('constructs')} from ${compatDir}`);
  }
});
