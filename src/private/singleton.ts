import { IConstruct } from 'constructs';

/** A class whose instances `findOrCreate` recognizes. */
export type ConstructClass<T extends IConstruct> = abstract new (...args: any[]) => T;

/**
 * The construct of `type` with `id` in `scope`, created by `create` on first use: the one helper behind every
 * one-per-stack (or one-per-VPC, one-per-topic) construct of the library, so two callers never build two.
 * A different construct already holding the id is an error that names it, not a second construct with a new id.
 */
export function findOrCreate<T extends IConstruct>(
  scope: IConstruct, id: string, type: ConstructClass<T>, create: (scope: IConstruct, id: string) => T,
): T {
  const existing = scope.node.tryFindChild(id);
  if (existing === undefined) return create(scope, id);
  if (existing instanceof type) return existing;
  throw new Error(`cdk-protected-secrets: ${existing.node.path} is not a ${type.name}, but the library keeps its shared ${type.name} under that id; rename your construct.`);
}
