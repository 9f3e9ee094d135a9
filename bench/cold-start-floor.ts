// The floor the rotation function's cold start is compared with: a handler that makes one AWS SDK call
// (DescribeSecret, the handler's own first call), bundled exactly like the function (scripts/bundle-rotation.mjs --entry).
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export async function handler(event: { SecretId: string }): Promise<void> {
  await client.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
}
