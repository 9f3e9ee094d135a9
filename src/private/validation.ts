import { IConstruct } from 'constructs';

/**
 * The errors found in one construct's props, reported together so a user fixes them in one pass instead of
 * one synth per mistake. Each message names the prop (in backticks), the value it got and the fix; the
 * construct's kind and path are added once, in front.
 *
 * @example
 * const errors = new PropErrors('ProtectedSecret', this);
 * if (bad) errors.add('`keyAlias` must ..., got "x".');
 * errors.throwIfAny();
 */
export class PropErrors {
  private readonly messages: string[] = [];

  /**
   * @param scope the construct, or its path when the errors are found before it exists (props an aws-cdk-lib base
   *   class would refuse in its own words, checked before `super()`)
   */
  constructor(private readonly constructKind: string, private readonly scope: IConstruct | string) {}

  /** Records one problem; the message starts with the prop in backticks. */
  public add(message: string): void {
    this.messages.push(message);
  }

  /** Records every message of a shared check (e.g. `rotationOptionErrors`). */
  public addAll(messages: readonly string[]): void {
    messages.forEach(m => this.add(m));
  }

  /** True when nothing was recorded. */
  public get isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /**
   * Throws one error with every message, each on its own line. A single problem keeps the one-line form
   * `Kind path: message`, which is what a user scanning a stack trace reads first.
   */
  public throwIfAny(): void {
    if (this.messages.length === 0) return;
    const path = typeof this.scope === 'string' ? this.scope : this.scope.node.path;
    const prefix = `${this.constructKind} ${path}`;
    if (this.messages.length === 1) throw new Error(`${prefix}: ${this.messages[0]}`);
    throw new Error(`${prefix}: ${this.messages.length} props are invalid:\n${this.messages.map(m => `  - ${m}`).join('\n')}`);
  }
}
