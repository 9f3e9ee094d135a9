import { Annotations, Aspects, IAspect, Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { MonitoringTrail, SecretsTrail } from '../secrets-trail';

/** What a construct that matches CloudTrail events needs from the account's trail. */
export interface TrailNeeds {
  /** The trail the user stated, if any. */
  trail(): MonitoringTrail | undefined;
  /** Whether some rule matches read-only events (which the trail must log too). */
  needsReadEvents(): boolean;
}

/**
 * Warns at synth when nothing says which trail feeds the rules: without one, every "AWS API Call via CloudTrail"
 * rule stays silent (https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html). A `SecretsTrail`
 * anywhere in the app counts as stated.
 */
export function warnWithoutTrail(scope: Construct, needs: TrailNeeds): void {
  const check: IAspect = {
    visit(node: IConstruct) {
      if (node !== scope) return;
      const stated = needs.trail() ?? trailInApp(scope);
      if (!stated) {
        Annotations.of(scope).addWarningV2('cdk-protected-secrets:no-trail', [
          'Secret alerts on API calls fire only while a CloudTrail trail with logging enabled records them.',
          'Create one `SecretsTrail` per account (in any stack of this app), or state the trail that exists,',
          'for example an organization trail: `monitoring: { trail: MonitoringTrail.existing({ logsReadEvents: true }) }`.',
        ].join(' '));
      } else if (needs.needsReadEvents() && !stated.logsReadEvents) {
        Annotations.of(scope).addWarningV2('cdk-protected-secrets:trail-without-reads', [
          `${stated.description} does not log read management events, so alerts on reads (AWSPREVIOUS, refused reads)`,
          'never fire. Log read events on that trail, or set `watchDeprecatedAccess: false`.',
        ].join(' '));
      }
    },
  };
  Aspects.of(scope).add(check);
}

function trailInApp(scope: Construct): MonitoringTrail | undefined {
  const found = Stack.of(scope).node.root.node.findAll().find(node => SecretsTrail.isSecretsTrail(node));
  return found ? MonitoringTrail.fromSecretsTrail(found as SecretsTrail) : undefined;
}
