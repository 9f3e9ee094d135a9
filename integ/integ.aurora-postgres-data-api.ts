// An Aurora PostgreSQL Serverless v2 cluster whose master user is rotated single-user through the RDS Data API.
import { App, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { runIntegTest, testAuroraCluster } from './integ-helpers';

/** The test case stack (the compliance tests check it too). */
export function buildAuroraPostgresDataApi(app: App): Stack {
  const stack = new Stack(app, 'ProtectedSecretsAuroraPostgresDataApi');
  testAuroraCluster(stack, {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }),
    databaseName: 'integ',
  });
  return stack;
}

if (require.main === module) runIntegTest(buildAuroraPostgresDataApi, 'AuroraPostgresDataApiRotation', 'integ-aurora-postgres-data-api-rotation-0001');
