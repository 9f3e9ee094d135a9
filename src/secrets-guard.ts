import { Annotations, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { GUARD_RULES, GuardRule, ROTATION_RULE_ID } from './private/guard-rules';
import { RenderedResource, renderResource } from './private/guard-rules/rule';

/**
 * How `SecretsGuard` reports a finding.
 */
export enum GuardSeverity {
  /** A synth error: `cdk synth` fails. */
  ERROR = 'error',
  /** A synth warning: `cdk synth --strict` fails. */
  WARNING = 'warning',
}

/**
 * Properties for a `SecretsGuard`.
 */
export interface SecretsGuardProps {
  /**
   * How findings are reported.
   * @default GuardSeverity.ERROR
   */
  readonly severity?: GuardSeverity;

  /**
   * Report secrets that no rotation schedule of their stack rotates.
   * @default true
   */
  readonly requireRotation?: boolean;
}

/** The metadata type under which `SecretsGuard.suppress` records a suppression on a construct. */
const SUPPRESSION_METADATA = 'SecretsGuard:suppression';

/** A reason shorter than this explains nothing to the next reader (cdk-nag asks for the same). */
const MIN_REASON_LENGTH = 10;

interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

/**
 * An aspect that reports secrets and databases that are not secure by default, wherever they come from:
 * a secret (or a replica of it) without a customer-managed key, a secret whose value is written into the template as
 * a literal, a credential written as a literal into a secret's `secretStringTemplate`, a secret without rotation, a
 * secret resource policy that allows everyone (`*`) without a condition on who calls, and an RDS instance or cluster
 * whose master password is not from Secrets Manager. Resources are read as CloudFormation receives them: escape hatches
 * (`addPropertyOverride`, `addPropertyDeletionOverride`) applied, a raw `CfnResource` checked by its type, and every
 * branch of an `Fn::If` checked. Each finding names the rule (`SecretsGuard.<Rule>`) and is attached to the resource.
 * A finding that is accepted on purpose is suppressed per construct, with a reason: `SecretsGuard.suppress`.
 *
 * @example
 * import { Aspects } from 'aws-cdk-lib';
 * import { SecretsGuard } from 'cdk-protected-secrets';
 *
 * Aspects.of(app).add(new SecretsGuard());
 */
export class SecretsGuard implements IAspect {
  /**
   * Accepts the findings of one rule on `scope` and every construct under it, for the reason given. The
   * reason is shown (as an info annotation) wherever the finding would have been, so it is reviewed with
   * the code. Refused without a reason of at least 10 characters, or for a rule that does not exist.
   *
   * @param scope the construct (a resource, or a construct or stack that contains them)
   * @param ruleId the rule, e.g. `SecretWithoutRotation` (`SecretsGuard.SecretWithoutRotation` also works)
   * @param reason why the finding is acceptable here
   */
  public static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    const rule = ruleId.replace(/^SecretsGuard\./, '');
    if (!GUARD_RULES.some(r => r.id === rule)) {
      throw new Error(`SecretsGuard.suppress on ${scope.node.path}: there is no rule "${ruleId}"; the rules are ${GUARD_RULES.map(r => r.id).join(', ')}.`);
    }
    if ((reason ?? '').trim().length < MIN_REASON_LENGTH) {
      throw new Error(`SecretsGuard.suppress on ${scope.node.path}: suppressing ${rule} needs a reason of at least ${MIN_REASON_LENGTH} characters `
        + `saying why the finding is acceptable here, got "${reason ?? ''}".`);
    }
    const suppression: Suppression = { rule, reason: reason.trim() };
    scope.node.addMetadata(SUPPRESSION_METADATA, suppression);
  }

  private readonly severity: GuardSeverity;
  private readonly rules: readonly GuardRule[];

  constructor(props: SecretsGuardProps = {}) {
    this.severity = props.severity ?? GuardSeverity.ERROR;
    // From JavaScript any string gets here, and anything but ERROR would silently make every finding a warning.
    const severities = Object.values(GuardSeverity) as string[];
    if (!severities.includes(this.severity)) {
      throw new Error(`SecretsGuard: \`severity\` must be one of ${severities.map(v => `"${v}"`).join(', ')} (GuardSeverity), got "${this.severity}".`);
    }
    const requireRotation = props.requireRotation ?? true;
    this.rules = GUARD_RULES.filter(rule => requireRotation || rule.id !== ROTATION_RULE_ID);
  }

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    // Rules match by CloudFormation type, so a raw CfnResource is checked like the L1 class; the resource is rendered
    // (escape hatches applied) once, and only when a rule applies to it.
    let resource: RenderedResource | undefined;
    for (const rule of this.rules) {
      if (!rule.resourceTypes.includes(node.cfnResourceType)) continue;
      resource ??= renderResource(node);
      const finding = rule.check(resource);
      if (finding !== undefined) this.report(node, rule.id, finding);
    }
  }

  private report(node: CfnResource, rule: string, message: string): void {
    const suppression = findSuppression(node, rule);
    if (suppression) {
      Annotations.of(node).addInfo(`[SecretsGuard.${rule}] ${node.node.path}: suppressed: ${suppression.reason}`);
      return;
    }
    const text = `[SecretsGuard.${rule}] ${node.node.path}: ${message}`;
    if (this.severity === GuardSeverity.ERROR) Annotations.of(node).addError(text);
    else Annotations.of(node).addWarningV2(`SecretsGuard.${rule}`, text);
  }
}

/** The suppression of `rule` on the resource or the nearest construct above it. */
function findSuppression(node: IConstruct, rule: string): Suppression | undefined {
  for (const scope of [...node.node.scopes].reverse()) {
    const entry = scope.node.metadata.find(m => m.type === SUPPRESSION_METADATA && (m.data as Suppression).rule === rule);
    if (entry) return entry.data as Suppression;
  }
  return undefined;
}
