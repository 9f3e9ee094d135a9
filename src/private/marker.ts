/**
 * Type markers that work across copies of this library (two versions in one app, or a jsii host's copy), where
 * `instanceof` does not: a `Symbol.for` symbol on the class's prototype, as aws-cdk-lib marks its secrets.
 */

/** Marks every instance of `type` as a `name` of this library. */
export function markClass(type: abstract new (...args: any[]) => unknown, name: string): void {
  Object.defineProperty(type.prototype, markerOf(name), { value: true, enumerable: false, writable: false });
}

/** Whether `x` carries the `name` marker of any copy of this library. */
export function hasMarker(x: unknown, name: string): boolean {
  return x !== null && typeof x === 'object' && markerOf(name) in x;
}

function markerOf(name: string): symbol {
  return Symbol.for(`cdk-protected-secrets.${name}`);
}
