import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { MonitoringTrail, SecretsTrail } from '../secrets-trail';
import { appConstructsOfKind, shareAppWalkInValidation } from './app-walk';

/** What a construct that matches CloudTrail events needs from the account's trail. */
export interface TrailNeeds {
  /** The alerts on reads, as the warning names them (`reads of AWSPREVIOUS and refused reads`). */
  readonly readAlerts: string;
  /** The prop that leaves them out, as the user writes it (`watchDeprecatedAccess: false`). */
  readonly readAlertsOff: string;
  /** The trail the user stated, if any. */
  trail(): MonitoringTrail | undefined;
  /** Whether some rule matches read-only events (which the trail must log too). */
  needsReadEvents(): boolean;
  /** Whether some rule matches AWS KMS's events (which a trail may leave out). */
  needsKmsEvents?(): boolean;
  /** Every trail the user stated (the KMS check counts any of them, and any SecretsTrail of the account). */
  statedTrails?(): MonitoringTrail[];
}

/**
 * Warns at synth when nothing says which trail feeds the rules: without one, every "AWS API Call via CloudTrail"
 * rule stays silent (https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html). A `SecretsTrail`
 * of the same account, in any stack or stage of the app, counts as stated. Under CDK Pipelines, `addStage` synthesizes
 * each stage as it is added (aws-cdk-lib's `StageDeployment.fromStage` calls `stage.synth()` through its
 * `pipelineSynth`), and `Stage.synth` keeps that result, so only a trail of a stage added before counts there: the
 * warning says so.
 */
export function warnWithoutTrail(scope: Construct, needs: TrailNeeds): void {
  // A validation, not an aspect: it runs once per synthesis after every aspect has added what it adds, and finds a
  // SecretsTrail in the walk of the app that the validations of a synthesis share (one per monitoring was a walk of
  // the whole app per stack).
  shareAppWalkInValidation(scope);
  scope.node.addValidation({
    validate: () => {
      const account = Stack.of(scope).account;
      // A stated SecretsTrail of another account logs that account only (see trailInApp): it feeds none of these rules.
      const logsThisAccount = (trail: MonitoringTrail) => trail._account === undefined || sameAccountOrUnknown(trail._account, account);
      const named = needs.trail();
      const stated = (named && logsThisAccount(named) ? named : undefined) ?? trailInApp(scope);
      if (!stated) {
        Annotations.of(scope).addWarningV2('cdk-protected-secrets:no-trail', [
          'Secret alerts on API calls fire only while a CloudTrail trail with logging enabled records them.',
          ...named ? [`The stated trail ${named.description} logs account ${named._account} only, not ${account}.`] : [],
          'Create one `SecretsTrail` per account (in any stack of this app; under CDK Pipelines, in a stage added before this one),',
          'or state the trail that exists,',
          'for example an organization trail: `trail: MonitoringTrail.existing({ logsReadEvents: true })`, in the `monitoring` prop of a',
          'ProtectedSecret or database construct, or in the props of AccountSecretAlerts, SecretMonitoring or SecretMonitoring.forStack.',
        ].join(' '));
      } else {
        // Any known trail of the account feeds the rules, stated or found in the app: EventBridge needs "a CloudTrail
        // trail with logging enabled" (event-types.html above), not the one the user named.
        const known = [...(needs.statedTrails?.() ?? [stated]).filter(logsThisAccount), ...trailsInApp(scope)];
        if (needs.needsReadEvents() && !known.some(trail => trail.logsReadEvents)) {
          Annotations.of(scope).addWarningV2('cdk-protected-secrets:trail-without-reads', [
            `${known.map(trail => trail.description).join(' and ')} ${known.length > 1 ? 'do' : 'does'} not log read management events,`,
            `so alerts on ${needs.readAlerts} never fire. Log read events on a trail of the account, or set \`${needs.readAlertsOff}\`.`,
          ].join(' '));
        }
        if (needs.needsKmsEvents?.() && !known.some(trail => trail.logsKmsEvents)) {
          Annotations.of(scope).addWarningV2('cdk-protected-secrets:trail-without-kms', [
            `${known.map(trail => trail.description).join(' and ')} ${known.length > 1 ? 'do' : 'does'} not log AWS KMS events, so the alerts on changes`,
            'to the secrets\' keys (keyChangeRules) and to the alert topic\'s key (monitoringTamperRules) never fire. Log KMS management events',
            'on a trail of the account (a SecretsTrail',
            'without `excludeKmsAndRdsDataEvents`), or acknowledge this warning to accept the gap.',
          ].join(' '));
        }
      }
      return [];
    },
  });
}

/**
 * A `SecretsTrail` of the app that logs `scope`'s account. A trail that is not an organization trail logs "only the
 * current AWS account" (CreateTrail, IsOrganizationTrail:
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html), and a SecretsTrail never is
 * one: a trail of another account leaves this one unlogged. A SecretsTrail is multi-region, so any region counts. An
 * account unknown at synth (an environment-agnostic stack) may be the same one, so it counts rather than warn wrongly.
 */
function trailInApp(scope: Construct): MonitoringTrail | undefined {
  return trailsInApp(scope)[0];
}

/** Every `SecretsTrail` of the app that logs `scope`'s account (see trailInApp). */
function trailsInApp(scope: Construct): MonitoringTrail[] {
  const account = Stack.of(scope).account;
  return appConstructsOfKind(scope, isSecretsTrail)
    .filter(trail => sameAccountOrUnknown(Stack.of(trail).account, account))
    .map(trail => MonitoringTrail.fromSecretsTrail(trail as SecretsTrail));
}

function sameAccountOrUnknown(a: string, b: string): boolean {
  return Token.isUnresolved(a) || Token.isUnresolved(b) || a === b;
}

function isSecretsTrail(node: IConstruct): boolean {
  return SecretsTrail.isSecretsTrail(node);
}
