// A MariaDB instance whose application user is rotated with alternating users (app / app_clone) by the
// bundled function, logged in as the master user from a separate ProtectedSecret (which rotates too).
import { App, RemovalPolicy, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { runIntegTest, testDatabase } from './integ-helpers';
import { ProtectedSecret } from '../src';
import { EXCLUDED_PASSWORD_CHARACTERS } from '../src/private/password-policy';

/** The test case stack (the compliance tests check it too). */
export function buildMariaDbAlternating(app: App): Stack {
  const stack = new Stack(app, 'ProtectedSecretsMariaDbAlternating');
  const admin = new ProtectedSecret(stack, 'Admin', {
    description: 'Master user of the integ MariaDB instance',
    // The library's own exclusions, which keep out what RDS refuses in a master password ("/", '"', "@").
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludeCharacters: EXCLUDED_PASSWORD_CHARACTERS },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  testDatabase(stack, {
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 }),
    databaseName: 'integ',
    port: 13306,
    username: 'app',
    superuserSecret: admin,
  });
  return stack;
}

if (require.main === module) runIntegTest(buildMariaDbAlternating, 'MariaDbAlternatingRotation', 'integ-mariadb-alternating-rotation-0001');
