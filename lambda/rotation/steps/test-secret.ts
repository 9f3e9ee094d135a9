// testSecret: prove the pending credentials log in and can run a query.
import { RotationContext, proveLogin } from '../context';
import { log } from '../log';
import { PROOF_FIELD } from '../proof';
import { DatabaseSecret, requireDatabaseSecret } from '../secret';

export async function testSecret(ctx: RotationContext): Promise<void> {
  const pending = await requireDatabaseSecret(ctx.secretArn, 'AWSPENDING', ctx.token);
  if (await isConfigurationTestBeforeFirstRotation(ctx, pending)) {
    log.info('testSecret: a copy of AWSCURRENT before the first rotation, which creates its user: nothing to log in as yet', {
      step: 'testSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username,
    });
    return;
  }
  await proveLogin(ctx, pending);
  log.info('testSecret: the pending credentials log in', { step: 'testSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username });
}

/**
 * A schedule that does not rotate at once (RotateImmediately false: `rotateImmediatelyOnUpdate: false`) is tested by
 * Secrets Manager: it "tests the rotation configuration by running the testSecret step of the Lambda rotation function.
 * The test creates an AWSPENDING version of the secret and then removes it" (RotateImmediately,
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-rotate-secret-request/rotate-immediately.html).
 * Before the first rotation of a secret whose user that rotation creates (the first-user tags name AWSCURRENT's user
 * and superuser secret), a copy of AWSCURRENT names a user that does not exist, and the test would fail the schedule.
 * Such a version passes unchanged: it changes nothing, and no step would promote it (finishSecret logs in first).
 * AWS does not say what the test version holds; anything but an exact copy is tested by logging in.
 */
async function isConfigurationTestBeforeFirstRotation(ctx: RotationContext, pending: DatabaseSecret): Promise<boolean> {
  if (pending.masterarn === undefined || ctx.firstUser !== pending.username || ctx.firstUserSuperuser !== pending.masterarn) return false;
  const current = await requireDatabaseSecret(ctx.secretArn, 'AWSCURRENT');
  // Before the first rotation only: every version the function wrote carries its proof, and the tags stay on the
  // secret, naming AWSCURRENT's user again after every second rotation.
  if ((current as unknown as Record<string, unknown>)[PROOF_FIELD] !== undefined) return false;
  return sameFields(current, pending);
}

function sameFields(a: object, b: object): boolean {
  const sorted = (value: object) => JSON.stringify(Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
  return sorted(a) === sorted(b);
}
