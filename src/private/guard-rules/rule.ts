import { IConstruct } from 'constructs';

/**
 * One check of `SecretsGuard`, in the manner of cdk-nag's rules: a small function over one construct.
 * `check` returns what is wrong (the fix included), or undefined when the construct complies or the rule does
 * not apply to it.
 */
export interface GuardRule {
  /** The rule's name; findings are reported as `SecretsGuard.<id>`. */
  readonly id: string;
  readonly check: (node: IConstruct) => string | undefined;
}
