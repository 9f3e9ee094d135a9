// A platform team's layout: the VPC and one rotation function in a network stack, and two database stacks that
// share the function (a PostgreSQL instance rotated single-user, a MariaDB instance with alternating users). Every
// grant, invoke permission and security-group rule that names a database or its secret lives in that database's
// stack, so the stacks depend on the network stack and never the reverse.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { assertRotationSucceeds, isolatedVpc, testDatabaseIn } from './integ-helpers';
import { suppressRulesThatDoNotApply } from '../examples/compliance';
import { ProtectedSecret, RotatedDatabase, RotationFunction } from '../src';
import { EXCLUDED_PASSWORD_CHARACTERS } from '../src/private/password-policy';

/** The network stack and the two database stacks (the compliance tests check all three). */
export function buildSharedRotationFunction(app: App): Stack[] {
  const network = new Stack(app, 'ProtectedSecretsSharedNetwork');
  const vpc = isolatedVpc(network);
  const rotationFunction = new RotationFunction(network, 'RotationFunction', { vpc });
  suppressRulesThatDoNotApply(network, { vpc });

  const orders = new Stack(app, 'ProtectedSecretsSharedOrders');
  testDatabaseIn(orders, vpc, {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    databaseName: 'orders',
    port: 15432,
    rotationFunction,
  });

  const billing = new Stack(app, 'ProtectedSecretsSharedBilling');
  const admin = new ProtectedSecret(billing, 'Admin', {
    description: 'Master user of the integ billing database',
    // The library's own exclusions, which keep out what RDS refuses in a master password ("/", '"', "@").
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludeCharacters: EXCLUDED_PASSWORD_CHARACTERS },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  testDatabaseIn(billing, vpc, {
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 }),
    databaseName: 'billing',
    port: 13306,
    username: 'app',
    superuserSecret: admin,
    rotationFunction,
  });
  return [network, orders, billing];
}

if (require.main === module) {
  const app = new App();
  const [, orders, billing] = buildSharedRotationFunction(app);
  // integ-runner deploys the network stack first, as a dependency of both test cases.
  const integ = new IntegTest(app, 'SharedRotationFunction', { testCases: [orders, billing] });
  assertRotationSucceeds(integ, orders.node.findChild('Db') as RotatedDatabase, 'integ-shared-orders-rotation-0001');
  assertRotationSucceeds(integ, billing.node.findChild('Db') as RotatedDatabase, 'integ-shared-billing-rotation-0001');
}
