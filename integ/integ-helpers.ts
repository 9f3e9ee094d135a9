// Shared set-up for the integ tests: a small isolated VPC, and an assertion that a rotation really happened.
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { RotatedDatabase } from '../src';

/** Two isolated subnets: no NAT, so the rotation function can only reach Secrets Manager through the endpoint. */
export function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
}

/**
 * On a real deployment: start a rotation with a known token, then wait until that version is `AWSCURRENT`.
 * Secrets Manager moves `AWSCURRENT` only when the function's `finishSecret` succeeded, which it does only
 * after `testSecret` logged in with the new password; a failed rotation leaves the token `AWSPENDING` and the
 * assertion times out. DescribeSecret is used so the assertion never reads the secret's value.
 */
export function assertRotationSucceeds(integ: IntegTest, db: RotatedDatabase, token: string): void {
  const rotate = integ.assertions.awsApiCall('SecretsManager', 'rotateSecret', {
    SecretId: db.secret.secretArn,
    ClientRequestToken: token,
  });
  const current = integ.assertions.awsApiCall('SecretsManager', 'describeSecret', { SecretId: db.secret.secretArn })
    .expect(ExpectedResult.objectLike({ VersionIdsToStages: { [token]: ['AWSCURRENT'] } }))
    .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });
  rotate.next(current);
}
