import { Stack } from 'aws-cdk-lib';
import type { SecretsTrail } from '../secrets-trail';

/** Where a stack keeps its `SecretsTrail`s, under a global symbol so copies of this library share it. */
const STACK_TRAILS = Symbol.for('cdk-protected-secrets.SecretsTrails');

/** Records `trail` as a trail of its stack. */
export function registerStackTrail(trail: SecretsTrail): void {
  const stack = Stack.of(trail) as any;
  (stack[STACK_TRAILS] ??= []).push(trail);
}

/** The `SecretsTrail`s of `stack`, in the order they were created (without walking the construct tree). */
export function secretsTrailsOf(stack: Stack): readonly SecretsTrail[] {
  return (stack as any)[STACK_TRAILS] ?? [];
}
