// The apps every template-level check runs on (cdk-nag, cfn-lint, checkov, the access matrix): the example apps and
// every integ test. A new integ test is added here once, and every check sees it.
// shared-key is no integ test: a stack whose secrets and database share one SecretsKey, so every check sees its
// one key policy naming several secrets' readers and writers and the rotation function.
import { App, Stack } from 'aws-cdk-lib';
import { buildExampleApp } from '../examples/example-app';
import { buildMultiStackApp } from '../examples/multi-stack-app';
import { buildSharedKeyApp } from '../examples/shared-key-app';
import { buildAuroraPostgresDataApi } from '../integ/integ.aurora-postgres-data-api';
import { buildMariaDbAlternating } from '../integ/integ.mariadb-alternating';
import { buildPostgresSingleUser } from '../integ/integ.postgres-single-user';
import { buildSharedRotationFunction } from '../integ/integ.shared-rotation-function';

export const CHECKED_APPS: [name: string, build: (app: App) => Stack[]][] = [
  ['example', app => buildExampleApp(app)],
  ['multi-stack', app => { const m = buildMultiStackApp(app); return [m.network, m.apps, m.data, m.billing]; }],
  ['postgres-single-user', app => [buildPostgresSingleUser(app)]],
  ['mariadb-alternating', app => [buildMariaDbAlternating(app)]],
  ['aurora-postgres-data-api', app => [buildAuroraPostgresDataApi(app)]],
  ['shared-rotation-function', app => buildSharedRotationFunction(app)],
  ['shared-key', app => buildSharedKeyApp(app)],
];
