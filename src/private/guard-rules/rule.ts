import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';

/**
 * A resource as CloudFormation will receive it: its type, and its properties in CloudFormation's names (PascalCase)
 * with every escape hatch applied (`addPropertyOverride`, `addPropertyDeletionOverride`, `addOverride`) and tokens
 * resolved. Rules read this, never the L1 construct's typed fields, so a value overridden in (or out) is checked as
 * deployed, and a raw `CfnResource` of the same type is checked like the L1 class.
 */
export interface RenderedResource {
  readonly node: CfnResource;
  readonly type: string;
  readonly properties: Record<string, any>;
}

/**
 * One check of `SecretsGuard`, in the manner of cdk-nag's rules: a small function over one resource.
 * `check` returns what is wrong (the fix included), or undefined when the resource complies.
 */
export interface GuardRule {
  /** The rule's name; findings are reported as `SecretsGuard.<id>`. */
  readonly id: string;
  /** The CloudFormation resource types the rule applies to (`cfnResourceType`). */
  readonly resourceTypes: readonly string[];
  readonly check: (resource: RenderedResource) => string | undefined;
}

/** A resource of `node`'s type, rendered: see `RenderedResource`. */
export function renderResource(node: CfnResource): RenderedResource {
  const resources = renderedElement(node)?.Resources;
  const rendered = resources !== undefined ? Object.values(resources)[0] as any : undefined;
  const properties = rendered !== undefined
    ? rendered.Properties ?? {}
    : Stack.of(node).resolve((node as any).renderProperties?.((node as any).cfnProperties) ?? {});
  return { node, type: node.cfnResourceType, properties };
}

/**
 * The template fragment an element (a resource, a parameter, a mapping) writes, resolved, or undefined when
 * aws-cdk-lib no longer has the method that renders it.
 *
 * `_toCloudFormation()` is aws-cdk-lib's internal (it is what `Stack` calls to write the template): the only place
 * where a resource's escape hatches are merged into its properties. It is used here, and only here, so that a change in
 * aws-cdk-lib breaks one function; then `renderResource` falls back to the typed fields (rendered by the L1's own
 * `renderProperties`), without overrides. test/secrets-guard.test.ts keeps a test that fails if that happens.
 */
export function renderedElement(element: CfnElement): any {
  const toCloudFormation = (element as any)._toCloudFormation;
  if (typeof toCloudFormation !== 'function') return undefined;
  return Stack.of(element).resolve(toCloudFormation.call(element));
}
