// A PostgreSQL instance whose master user rotates its own password with the bundled function.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { suppressRulesThatDoNotApply } from '../examples/compliance';
import { RotatedDatabase } from '../src';
import { assertRotationSucceeds, isolatedVpc } from './integ-helpers';

/** The test case stack (the compliance tests check it too). */
export function buildPostgresSingleUser(app: App): Stack {
  const stack = new Stack(app, 'ProtectedSecretsPostgresSingleUser');
  const vpc = isolatedVpc(stack);
  const db = new RotatedDatabase(stack, 'Db', {
    vpc,
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    databaseName: 'integ',
    port: 15432,
    // A test database: cheap, and gone when the test ends.
    multiAz: false,
    deletionProtection: false,
    backupRetention: Duration.days(1),
    removalPolicy: RemovalPolicy.DESTROY,
    // The assertion starts the first rotation itself, with a token it can look for.
    rotateImmediatelyOnUpdate: false,
  });
  db.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
  suppressRulesThatDoNotApply(stack, { vpc, testDatabases: [db] });
  return stack;
}

if (require.main === module) {
  const app = new App();
  const stack = buildPostgresSingleUser(app);
  const integ = new IntegTest(app, 'PostgresSingleUserRotation', { testCases: [stack] });
  assertRotationSucceeds(integ, stack.node.findChild('Db') as RotatedDatabase, 'integ-postgres-single-user-rotation-0001');
}
