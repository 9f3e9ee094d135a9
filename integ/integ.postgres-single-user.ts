// A PostgreSQL instance whose master user rotates its own password with the bundled function.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { RotatedDatabase } from '../src';
import { assertRotationSucceeds, isolatedVpc } from './integ-helpers';

const app = new App();
const stack = new Stack(app, 'ProtectedSecretsPostgresSingleUser');

const db = new RotatedDatabase(stack, 'Db', {
  vpc: isolatedVpc(stack),
  engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
  databaseName: 'integ',
  // A test database: cheap, and gone when the test ends.
  multiAz: false,
  deletionProtection: false,
  backupRetention: Duration.days(1),
  removalPolicy: RemovalPolicy.DESTROY,
  // The assertion starts the first rotation itself, with a token it can look for.
  rotateImmediatelyOnUpdate: false,
});
db.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);

const integ = new IntegTest(app, 'PostgresSingleUserRotation', { testCases: [stack] });
assertRotationSucceeds(integ, db, 'integ-postgres-single-user-rotation-0001');
