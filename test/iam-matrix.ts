// Turns synthesized templates into the concrete policies IAM would evaluate, for the access-matrix test: every
// intrinsic resolved to the ARN the resource would have in a fixed account, region and partition.
import { runSimulation } from '@cloud-copilot/iam-simulate';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
const PARTITION = 'aws';

type Json = any;

/**
 * A template whose references resolve to the names and ARNs a deployment in ACCOUNT/REGION would give.
 * Generated names carry the stack name, as CloudFormation's do, so resources of two stacks with the same construct
 * path (each stack's alert topic, a per-stack policy) stay apart; `Fn::ImportValue` resolves through the Outputs of
 * the other templates of the same app.
 */
export class ResolvedTemplate {
  public readonly resources: Record<string, Json>;
  public readonly outputs: Record<string, Json>;
  /** Every template of the app, this one included; set by `ResolvedApp`. */
  public app: ResolvedTemplate[] = [this];

  constructor(public readonly stackName: string, template: Json) {
    this.resources = template.Resources ?? {};
    this.outputs = template.Outputs ?? {};
  }

  /** The construct path of a resource without the stack and the trailing `/Resource`. */
  public pathOf(logicalId: string): string {
    const path: string = this.resources[logicalId]?.Metadata?.['aws:cdk:path'] ?? logicalId;
    return path.split('/').slice(1).filter(part => part !== 'Resource').join('/');
  }

  public ofType(type: string): [string, Json][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  public resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map(v => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = value[fn];
      switch (fn) {
        case 'Ref': return this.ref(arg);
        case 'Fn::GetAtt': return this.getAtt(arg[0], arg[1]);
        case 'Fn::Join': return this.resolve(arg[1]).join(arg[0]);
        case 'Fn::Select': return this.resolve(arg[1])[Number(this.resolve(arg[0]))];
        case 'Fn::Split': return String(this.resolve(arg[1])).split(arg[0]);
        case 'Fn::ImportValue': return this.importValue(this.resolve(arg));
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return text.replace(/\$\{([^}]+)\}/g, (_: string, name: string) =>
            vars[name] !== undefined ? this.resolve(vars[name]) : name.includes('.') ? this.getAtt(...name.split('.') as [string, string]) : this.ref(name));
        }
      }
      if (fn.startsWith('Fn::')) throw new Error(`${this.stackName}: cannot resolve ${fn} in ${JSON.stringify(value)}`);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The value another template of the app exports under `exportName`, resolved in that template. */
  private importValue(exportName: string): Json {
    for (const t of this.app) {
      const output = Object.values(t.outputs).find(o => o.Export && t.resolve(o.Export.Name) === exportName);
      if (output) return t.resolve(output.Value);
    }
    throw new Error(`${this.stackName}: no template of the app exports ${exportName}`);
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::AccountId': return ACCOUNT;
      case 'AWS::Region': return REGION;
      case 'AWS::Partition': return PARTITION;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return this.stackName;
    }
    const resource = this.resources[name];
    if (!resource) throw new Error(`${this.stackName}: Ref to unknown ${name}`);
    switch (resource.Type) {
      case 'AWS::IAM::Role': return resource.Properties?.RoleName ? this.resolve(resource.Properties.RoleName) : `${this.stackName}-${name}`;
      case 'AWS::IAM::ManagedPolicy': return `arn:aws:iam::${ACCOUNT}:policy/${this.stackName}-${name}`;
      case 'AWS::SecretsManager::Secret': return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${this.stackName}-${name}-AbCdEf`;
      case 'AWS::SecretsManager::SecretTargetAttachment': return this.resolve(resource.Properties.SecretId);
      case 'AWS::SNS::Topic': return `arn:aws:sns:${REGION}:${ACCOUNT}:${this.stackName}-${name}`;
      default: return name;
    }
  }

  private getAtt(name: string, attribute: string): string {
    const resource = this.resources[name];
    if (!resource) throw new Error(`${this.stackName}: GetAtt of unknown ${name}`);
    const arns: Record<string, string> = {
      'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${this.ref(name)}`,
      'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${this.stackName}-${name}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.stackName}-${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::Events::Rule': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
      'AWS::SNS::Topic': this.ref(name),
      'AWS::RDS::DBCluster': `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${name.toLowerCase()}`,
      'AWS::RDS::DBInstance': `arn:aws:rds:${REGION}:${ACCOUNT}:db:${name.toLowerCase()}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${this.stackName.toLowerCase()}-${name.toLowerCase()}`,
    };
    if (/Arn$/.test(attribute) && arns[resource.Type]) return arns[resource.Type];
    return `${name}.${attribute}`;
  }

  /** The ARN the resource `logicalId` of this template would have. */
  public arnOf(logicalId: string): string {
    return this.getAtt(logicalId, 'Arn');
  }

  /**
   * The statements each role of the template holds, from inline, default and customer-managed policies written in
   * this template, by role name (a policy may name a role of another stack through `Fn::ImportValue`).
   */
  public identityPolicies(): Map<string, Json[]> {
    const byRole = new Map<string, Json[]>();
    const add = (roleRefs: Json[] | undefined, document: Json) => {
      for (const roleName of this.resolve(roleRefs ?? [])) {
        byRole.set(roleName, [...byRole.get(roleName) ?? [], ...[].concat(this.resolve(document).Statement)]);
      }
    };
    for (const [, policy] of [...this.ofType('AWS::IAM::Policy'), ...this.ofType('AWS::IAM::ManagedPolicy')]) {
      add(policy.Properties.Roles, policy.Properties.PolicyDocument);
    }
    for (const [id, role] of this.ofType('AWS::IAM::Role')) {
      for (const inline of role.Properties?.Policies ?? []) add([{ Ref: id }], inline.PolicyDocument);
    }
    return byRole;
  }

  /** The resource policy of each secret, by secret ARN (an attachment's policy lands on its secret). */
  public secretPolicies(): Map<string, Json> {
    return new Map(this.ofType('AWS::SecretsManager::ResourcePolicy')
      .map(([, p]) => [this.resolve(p.Properties.SecretId), this.resolve(p.Properties.ResourcePolicy)]));
  }

  public topicPolicies(): Map<string, Json> {
    const byTopic = new Map<string, Json>();
    for (const [, p] of this.ofType('AWS::SNS::TopicPolicy')) {
      for (const topic of this.resolve(p.Properties.Topics)) byTopic.set(topic, this.resolve(p.Properties.PolicyDocument));
    }
    return byTopic;
  }
}

/** The templates of one app: references between them resolve, and a role holds what any of them gives it. */
export class ResolvedApp {
  constructor(public readonly templates: ResolvedTemplate[]) {
    for (const t of templates) t.app = templates;
  }

  /** By role name, the statements every template of the app gives the role (a stack may grant a role of another). */
  public identityPolicies(): Map<string, Json[]> {
    const byRole = new Map<string, Json[]>();
    for (const t of this.templates) {
      for (const [role, statements] of t.identityPolicies()) byRole.set(role, [...byRole.get(role) ?? [], ...statements]);
    }
    return byRole;
  }

  public secretPolicies(): Map<string, Json> {
    return new Map(this.templates.flatMap(t => [...t.secretPolicies()]));
  }

  public topicPolicies(): Map<string, Json> {
    return new Map(this.templates.flatMap(t => [...t.topicPolicies()]));
  }

  /** The policy of the key with ARN `keyArn`, wherever in the app it is defined. */
  public keyPolicy(keyArn: string): Json {
    for (const t of this.templates) {
      const found = t.ofType('AWS::KMS::Key').find(([id]) => t.arnOf(id) === keyArn);
      if (found) return t.resolve(found[1].Properties.KeyPolicy);
    }
    throw new Error(`no key ${keyArn} in the app`);
  }
}

/** Who makes a request, with the identity policies they hold. */
export interface Caller {
  readonly label: string;
  /** The principal as IAM sees it: a role ARN, or a service principal such as `events.amazonaws.com`. */
  readonly principal: string;
  readonly identityPolicy?: Json[];
  /** Request context keys this caller always carries. */
  readonly context: Record<string, string | string[]>;
}

/**
 * A role or user calling as itself: aws:PrincipalArn is its ARN (for a role session, the role's) and
 * aws:PrincipalAccount the account in that ARN.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
export function principalCaller(
  label: string, arn: string, identityPolicy: Json[] | undefined, extra: Record<string, string | string[]> = {},
): Caller {
  return { label, principal: arn, identityPolicy, context: { 'aws:PrincipalArn': arn, 'aws:PrincipalAccount': arn.split(':')[4], ...extra } };
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request evaluated by the simulator against the resource's policy and the caller's identity policies. */
export async function decide(
  caller: Caller, action: string, resourceArn: string, resourcePolicy: Json | undefined,
  extraContext: Record<string, string | string[]> = {},
): Promise<Decision> {
  const resourceAccount = resourceArn.split(':')[4];
  const { context, policy, identityPolicy } = withEncryptionContextStandIn(
    { 'aws:SecureTransport': 'true', 'aws:RequestedRegion': REGION, ...caller.context, ...extraContext },
    resourcePolicy, caller.identityPolicy);
  const result = await runSimulation({
    request: {
      principal: caller.principal,
      action,
      resource: { resource: resourceArn, accountId: resourceAccount },
      contextVariables: context,
    },
    identityPolicies: identityPolicy ? [{ name: 'identity', policy: { Version: '2012-10-17', Statement: identityPolicy } }] : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policy,
  }, {});
  if (result.resultType === 'error') throw new Error(`simulator rejected ${caller.label} ${action} ${resourceArn}: ${JSON.stringify(result.errors)}`);
  if (STAND_IN_KEY in context && (result.resultType !== 'single' || (result as any).result.ignoredContextKeys?.includes(STAND_IN_KEY))) {
    throw new Error(`the simulator ignored ${STAND_IN_KEY}, the stand-in for an encryption context key, for ${action} (or gave no single result to check)`);
  }
  return result.overallResult as Decision;
}

/**
 * A stand-in, named as such, for the one thing the simulator cannot carry. iam-simulate (0.1.173) matches a request
 * key with a variable part only after a slash (`aws:PrincipalTag/<tag>`), so it drops `kms:EncryptionContext:<key>`
 * from the request and every condition on it fails as missing. For a request with one such key, the key is renamed in
 * the request and in the policies to `kms:RequestAlias`, a single-valued string key of the same KMS actions that no
 * policy of the library uses; the simulator then evaluates the condition's operator and value as written.
 */
const STAND_IN_KEY = 'kms:RequestAlias';

function withEncryptionContextStandIn(context: Record<string, string | string[]>, policy: Json | undefined, identityPolicy: Json[] | undefined) {
  const keys = Object.keys(context).filter(key => /^kms:EncryptionContext:/i.test(key));
  if (keys.length === 0) return { context, policy, identityPolicy };
  if (keys.length > 1) throw new Error(`one encryption context key per request, not ${keys.join(', ')}`);
  const [key] = keys;
  // Condition key names are case-insensitive in IAM, so both are matched without case.
  const quoted = (name: string) => new RegExp(`"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'gi');
  const uses = (value: unknown) => quoted(STAND_IN_KEY).test(JSON.stringify(value ?? null));
  if (uses(policy) || uses(identityPolicy)) throw new Error(`a policy uses ${STAND_IN_KEY}, the encryption context stand-in`);
  const rename = (value: any): any => value === undefined ? undefined
    : JSON.parse(JSON.stringify(value).replace(quoted(key), `"${STAND_IN_KEY}"`));
  const { [key]: value, ...rest } = context;
  return { context: { ...rest, [STAND_IN_KEY]: value }, policy: rename(policy), identityPolicy: rename(identityPolicy) };
}

/** The short form the expected table and the README use. */
export const CODE: Record<Decision, string> = { Allowed: 'allow', ExplicitlyDenied: 'DENY', ImplicitlyDenied: 'no' };
