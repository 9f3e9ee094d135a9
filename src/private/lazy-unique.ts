import { Lazy } from 'aws-cdk-lib';

/**
 * A list resolved at synth, so principals added after construction still count (in an aspect too); omitted from the
 * policy when empty. Uncached: a read during the aspects (SecretsGuard renders policies) must not fix it early.
 * Duplicates (the same ARN, or the same token, added twice) are written once.
 */
export function lazyUnique(values: string[]): string[] {
  return Lazy.uncachedList({ produce: () => [...new Set(values)] }, { omitEmpty: true });
}
