// A MariaDB instance whose application user is rotated with alternating users (app / app_clone) by the
// bundled function, logged in as the master user from a separate ProtectedSecret.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { suppressRulesThatDoNotApply } from '../examples/compliance';
import { ProtectedSecret, RotatedDatabase } from '../src';
import { assertRotationSucceeds, isolatedVpc } from './integ-helpers';

/** The test case stack (the compliance tests check it too). */
export function buildMariaDbAlternating(app: App): Stack {
  const stack = new Stack(app, 'ProtectedSecretsMariaDbAlternating');
  const admin = new ProtectedSecret(stack, 'Admin', {
    description: 'Master user of the integ MariaDB instance',
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const vpc = isolatedVpc(stack);
  const db = new RotatedDatabase(stack, 'Db', {
    vpc,
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 }),
    databaseName: 'integ',
    port: 13306,
    username: 'app',
    superuserSecret: admin,
    multiAz: false,
    deletionProtection: false,
    backupRetention: Duration.days(1),
    removalPolicy: RemovalPolicy.DESTROY,
    rotateImmediatelyOnUpdate: false,
  });
  db.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
  suppressRulesThatDoNotApply(stack, { vpc, testDatabases: [db] });
  return stack;
}

if (require.main === module) {
  const app = new App();
  const stack = buildMariaDbAlternating(app);
  const integ = new IntegTest(app, 'MariaDbAlternatingRotation', { testCases: [stack] });
  assertRotationSucceeds(integ, stack.node.findChild('Db') as RotatedDatabase, 'integ-mariadb-alternating-rotation-0001');
}
