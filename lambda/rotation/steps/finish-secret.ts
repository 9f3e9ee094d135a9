// finishSecret: move AWSCURRENT to the pending version (Secrets Manager moves AWSPREVIOUS with it), but only
// after proving, at that moment, that the pending credentials log in: the step may be invoked out of order.
import { DescribeSecretCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../clients';
import { RotationContext, proveLogin } from '../context';
import { log } from '../log';
import { requireDatabaseSecret } from '../secret';

export async function finishSecret(ctx: RotationContext): Promise<void> {
  const metadata = await secretsManager.send(new DescribeSecretCommand({ SecretId: ctx.secretArn }));
  const currentVersion = Object.entries(metadata.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  if (currentVersion === ctx.token) {
    log.info('finishSecret: the version is already AWSCURRENT', { step: 'finishSecret', secretArn: ctx.secretArn, token: ctx.token });
    return;
  }
  const pending = await requireDatabaseSecret(ctx.secretArn, 'AWSPENDING', ctx.token);
  await proveLogin(ctx, pending);
  await secretsManager.send(new UpdateSecretVersionStageCommand({
    SecretId: ctx.secretArn,
    VersionStage: 'AWSCURRENT',
    MoveToVersionId: ctx.token,
    RemoveFromVersionId: currentVersion,
  }));
  // The rotation is over: no version stays AWSPENDING, which both Secrets Manager and emulators read as "done".
  await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: ctx.secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: ctx.token }));
  log.info('finishSecret: moved AWSCURRENT to the new version', { step: 'finishSecret', secretArn: ctx.secretArn, token: ctx.token });
}
