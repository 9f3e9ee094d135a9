// AWS clients, built once per container. The SDK reads AWS_ENDPOINT_URL_SECRETS_MANAGER itself, which the tests
// use to point it at a local emulator. The RDS Data client is built by the Data API engine (engines/data-api.ts),
// so the PostgreSQL and MySQL bundles do not carry it.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const secretsManager = new SecretsManagerClient({});
