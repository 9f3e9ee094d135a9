import {
  Annotations,
  CfnResource,
  IAspect,
  Stack,
  Token,
  aws_rds as rds,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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

/**
 * An aspect that reports secrets and databases that are not secure by default, wherever they come from:
 * a secret without a customer-managed key, a secret whose value is in the template, a secret without rotation, a secret resource policy that allows
 * everyone (`*`) without a condition, and an RDS instance or cluster whose master password is not from
 * Secrets Manager. Each finding names the rule (`SecretsGuard.<Rule>`) and is attached to the resource.
 *
 * @example
 * Aspects.of(app).add(new SecretsGuard());
 */
export class SecretsGuard implements IAspect {
  private readonly severity: GuardSeverity;
  private readonly requireRotation: boolean;

  constructor(props: SecretsGuardProps = {}) {
    this.severity = props.severity ?? GuardSeverity.ERROR;
    this.requireRotation = props.requireRotation ?? true;
  }

  public visit(node: IConstruct): void {
    if (node instanceof secretsmanager.CfnSecret) {
      if (!node.kmsKeyId) {
        this.report(node, 'SecretWithoutCustomerManagedKey', 'the secret is encrypted with the AWS managed key aws/secretsmanager; give it a customer-managed key (ProtectedSecret does).');
      }
      if (node.secretString !== undefined) {
        this.report(node, 'SecretValueInTemplate', 'the secret\'s value is written into the template; let Secrets Manager generate it (generateSecretString).');
      }
      if (this.requireRotation && !isRotated(node)) {
        this.report(node, 'SecretWithoutRotation', 'no rotation schedule in this stack rotates the secret; add one (RotatedDatabase does), or turn this check off for secrets only their issuer can change.');
      }
    } else if (node instanceof secretsmanager.CfnResourcePolicy) {
      if (allowsEveryone(Stack.of(node).resolve(node.resourcePolicy))) {
        this.report(node, 'SecretPolicyAllowsEveryone', 'the secret\'s resource policy allows Principal "*" without a condition; name the principals.');
      }
    } else if (node instanceof rds.CfnDBInstance || node instanceof rds.CfnDBCluster) {
      if (!node.manageMasterUserPassword && !isSecretsManagerReference(Stack.of(node).resolve(node.masterUserPassword))) {
        // A replica or a restore inherits its credentials; anything else must take them from Secrets Manager.
        const inherits = node instanceof rds.CfnDBInstance
          ? Boolean(node.sourceDbInstanceIdentifier || node.dbSnapshotIdentifier || node.dbClusterIdentifier)
          : Boolean(node.snapshotIdentifier || node.sourceDbClusterIdentifier);
        if (!inherits) {
          this.report(node, 'MasterPasswordNotFromSecretsManager', 'the master password is not a Secrets Manager dynamic reference; use Credentials.fromSecret (RotatedDatabase does) or manageMasterUserPassword.');
        }
      }
    }
  }

  private report(node: CfnResource, rule: string, message: string): void {
    const text = `[SecretsGuard.${rule}] ${node.node.path}: ${message}`;
    if (this.severity === GuardSeverity.ERROR) Annotations.of(node).addError(text);
    else Annotations.of(node).addWarningV2(`SecretsGuard.${rule}`, text);
  }
}

function isRotated(secret: secretsmanager.CfnSecret): boolean {
  const stack = Stack.of(secret);
  const ref = JSON.stringify(stack.resolve(secret.ref));
  return stack.node.findAll().some(c => c instanceof secretsmanager.CfnRotationSchedule
    && JSON.stringify(stack.resolve(c.secretId)) === ref);
}

function isSecretsManagerReference(password: unknown): boolean {
  if (password === undefined) return false;
  return JSON.stringify(password).includes('{{resolve:secretsmanager:');
}

function allowsEveryone(policy: any): boolean {
  const document = typeof policy === 'string' && !Token.isUnresolved(policy) ? JSON.parse(policy) : policy;
  const statements: any[] = [].concat(document?.Statement ?? []);
  return statements.some(s => s.Effect === 'Allow' && !s.Condition && isEveryone(s.Principal));
}

function isEveryone(principal: any): boolean {
  if (principal === '*') return true;
  const aws = principal?.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}
