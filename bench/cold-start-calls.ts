// What a createSecret cold start cannot go below: a handler that makes the five AWS SDK calls the rotation function's
// createSecret makes, in the same three round trips, and nothing else (no checks, no logging, no database code), bundled exactly
// like the function (scripts/bundle-rotation.mjs --entry). Not the floor (bench/cold-start-floor.ts, one call): a
// reference that separates the cost of the calls themselves from the function's own.
import {
  DescribeSecretCommand, GetRandomPasswordCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export async function handler(event: { SecretId: string; ClientRequestToken: string }): Promise<void> {
  const { SecretId, ClientRequestToken } = event;
  await client.send(new DescribeSecretCommand({ SecretId }));
  // Together, as createSecret sends them.
  const pending = client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSPENDING', VersionId: ClientRequestToken })).then(
    () => true, error => { if (error instanceof ResourceNotFoundException) return false; throw error; });
  const password = client.send(new GetRandomPasswordCommand({ PasswordLength: 32 }));
  const current = await client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }));
  if (await pending) return;
  await client.send(new PutSecretValueCommand({
    SecretId,
    ClientRequestToken,
    SecretString: JSON.stringify({ ...JSON.parse(current.SecretString!), password: (await password).RandomPassword }),
    VersionStages: ['AWSPENDING'],
  }));
}
