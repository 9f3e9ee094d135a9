// A PostgreSQL instance whose master user rotates its own password with the bundled function.
import { App, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { runIntegTest, testDatabase } from './integ-helpers';

/** The test case stack (the compliance tests check it too). */
export function buildPostgresSingleUser(app: App): Stack {
  const stack = new Stack(app, 'ProtectedSecretsPostgresSingleUser');
  testDatabase(stack, {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    databaseName: 'integ',
    port: 15432,
  });
  return stack;
}

if (require.main === module) runIntegTest(buildPostgresSingleUser, 'PostgresSingleUserRotation', 'integ-postgres-single-user-rotation-0001');
