// AWS clients, built once per container. The SDK reads AWS_ENDPOINT_URL_SECRETS_MANAGER and
// AWS_ENDPOINT_URL_RDS_DATA itself, which the tests use to point it at a local emulator.
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const secretsManager = new SecretsManagerClient({});
export const rdsData = new RDSDataClient({});
