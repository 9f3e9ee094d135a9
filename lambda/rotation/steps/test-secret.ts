// testSecret: prove the pending credentials log in and can run a query.
import { RotationContext, proveLogin } from '../context';
import { log } from '../log';
import { requireDatabaseSecret } from '../secret';

export async function testSecret(ctx: RotationContext): Promise<void> {
  const pending = await requireDatabaseSecret(ctx.secretArn, 'AWSPENDING', ctx.token);
  await proveLogin(ctx, pending);
  log.info('testSecret: the pending credentials log in', { step: 'testSecret', secretArn: ctx.secretArn, token: ctx.token, username: pending.username });
}
