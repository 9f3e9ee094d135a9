// What a createSecret cold start cannot go below: a handler that makes the four AWS SDK calls the rotation function's
// createSecret makes, in the same two round trips (DescribeSecret with the two reads, then PutSecretValue), and nothing
// else (no checks, no logging, no database code), bundled exactly like the function (scripts/bundle-rotation.mjs
// --entry). Not the floor (bench/cold-start-floor.ts, one call): a reference that separates the cost of the calls
// themselves from the function's own.
import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export async function handler(event: { SecretId: string; ClientRequestToken: string }): Promise<void> {
  const { SecretId, ClientRequestToken } = event;
  // Together, as the handler sends DescribeSecret and createSecret's reads (lambda/rotation/index.ts).
  const described = client.send(new DescribeSecretCommand({ SecretId }));
  const pending = client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSPENDING', VersionId: ClientRequestToken })).then(
    () => true, error => { if (error instanceof ResourceNotFoundException) return false; throw error; });
  const current = client.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }));
  await described;
  const { SecretString } = await current;
  if (await pending) return;
  await client.send(new PutSecretValueCommand({
    SecretId,
    ClientRequestToken,
    SecretString: JSON.stringify({ ...JSON.parse(SecretString!), password: 'x'.repeat(32) }),
    VersionStages: ['AWSPENDING'],
  }));
}
