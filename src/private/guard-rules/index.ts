import { literalValueInSecretTemplate } from './literal-value-in-secret-template';
import { masterPasswordNotFromSecretsManager } from './master-password-not-from-secrets-manager';
import { GuardRule } from './rule';
import { secretPolicyAllowsEveryone } from './secret-policy-allows-everyone';
import { secretValueInTemplate } from './secret-value-in-template';
import { secretWithoutCustomerManagedKey } from './secret-without-customer-managed-key';
import { secretWithoutRotation } from './secret-without-rotation';

export type { GuardRule } from './rule';

/** Every rule of `SecretsGuard`, in the order findings are reported. */
export const GUARD_RULES: readonly GuardRule[] = [
  secretWithoutCustomerManagedKey,
  secretValueInTemplate,
  literalValueInSecretTemplate,
  secretWithoutRotation,
  secretPolicyAllowsEveryone,
  masterPasswordNotFromSecretsManager,
];

/** The rule that `requireRotation: false` leaves out. */
export const ROTATION_RULE_ID = secretWithoutRotation.id;
