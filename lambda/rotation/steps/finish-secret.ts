// finishSecret: move AWSCURRENT to the pending version (Secrets Manager moves AWSPREVIOUS with it) once the
// pending credentials are proven, or cannot be disproven where refusing would lose the working one.
import { DescribeSecretCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../clients';
import { RotationContext, proveLogin } from '../context';
import { DatabaseUnreachableError } from '../errors';
import { log } from '../log';
import { requireDatabaseSecret } from '../secret';

export async function finishSecret(ctx: RotationContext): Promise<void> {
  // The handler's DescribeSecret, a moment ago, says which version is AWSCURRENT.
  const currentVersion = Object.entries(ctx.versionIdsToStages).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  const fields = { step: 'finishSecret', secretArn: ctx.secretArn, token: ctx.token };
  if (currentVersion === ctx.token) {
    log.info('finishSecret: the version is already AWSCURRENT', fields);
    return;
  }
  const pending = await requireDatabaseSecret(ctx.secretArn, 'AWSPENDING', ctx.token);
  // The step may be invoked out of order: log in with the pending credentials before promoting them. A refused
  // password always stops the promotion (AWSCURRENT still holds the one that works).
  try {
    await proveLogin(ctx, pending);
  } catch (error) {
    // An unreachable database is another matter. With alternating users the AWSCURRENT user keeps working, so
    // waiting is safe. In single-user mode setSecret has (in order) already changed the password and testSecret
    // proved it: the old one is dead, and refusing would leave AWSCURRENT with it. Promote; AWSPREVIOUS keeps the
    // old password, from which the next setSecret recovers if this call came out of order.
    if (!(error instanceof DatabaseUnreachableError) || pending.masterarn) throw error;
    log.warn('finishSecret: the database is unreachable; promoting the pending version (single user: the old password no longer works once setSecret ran)', { ...fields, errorKind: error.kind, error: error.message });
  }
  // The one write of this step, as in AWS's functions. AWSPENDING stays on the promoted version: one of the two states
  // a successful rotation may end in (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html),
  // and Secrets Manager clears it when the rotation completes
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html#rotate-secrets_lambda-functions-finish;
  // "outside the rotation lambda": https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/pull/145).
  // A retried finishSecret finds the token AWSCURRENT and does nothing.
  try {
    await secretsManager.send(new UpdateSecretVersionStageCommand({
      SecretId: ctx.secretArn,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: ctx.token,
      RemoveFromVersionId: currentVersion,
    }));
  } catch (error) {
    // Another invocation of this step (Secrets Manager's retry, an on-call's by hand) moved the label after this one
    // read it: Secrets Manager then refuses this move, as `RemoveFromVersionId` no longer holds AWSCURRENT ("If the
    // label is attached and you either do not specify this parameter, or the version ID does not match, then the
    // operation fails", https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html).
    // Or the move was made and its answer lost. Either way the token holding AWSCURRENT now is what this step is for.
    if (!(await promotedMeanwhile(ctx).catch(() => false))) throw error;
    log.info('finishSecret: the version is AWSCURRENT now (another invocation of the step moved it)', fields);
    return;
  }
  log.info('finishSecret: moved AWSCURRENT to the new version', fields);
}

async function promotedMeanwhile(ctx: RotationContext): Promise<boolean> {
  const { VersionIdsToStages } = await secretsManager.send(new DescribeSecretCommand({ SecretId: ctx.secretArn }));
  return VersionIdsToStages?.[ctx.token]?.includes('AWSCURRENT') === true;
}
