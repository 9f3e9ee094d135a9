// The access model, cell by cell: every secret, key and alert topic of the example app and the integ stacks,
// evaluated by an IAM policy engine (@cloud-copilot/iam-simulate) for each kind of caller. The expected table below
// is the documented model; README "Access model" shows the example app's part of it and must match it.
//
// Request context assumed for each kind of call, as AWS documents it:
// - Every request carries aws:PrincipalArn (for a role session, the role's ARN) and aws:PrincipalAccount.
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
// - Through CloudFormation, with or without a service role, each resource operation is a forward access session
//   of the deploying principal: aws:CalledVia = [cloudformation.amazonaws.com], aws:ViaAWSService = true, and the
//   principal is the execution role or the person deploying. Dynamic references are resolved for that same
//   principal; the cells below give both kinds of call the same context (aws:CalledVia present), and an exemption
//   by aws:PrincipalArn decides them the same way whether or not the reference is resolved in a FAS session.
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
// - Secrets Manager uses the secret's key on the caller's behalf: kms:ViaService = secretsmanager.<region>.amazonaws.com
//   and kms:CallerAccount = the caller's account; a direct KMS call carries no kms:ViaService.
//   https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
//   https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
// - CloudWatch alarms publish as their service principal with aws:SourceAccount = the account of the alarm
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html); EventBridge rules as theirs, with no source
//   key: "You can't use Condition blocks in Amazon SNS topic policies for EventBridge"
//   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
//   SNS then uses the topic's key for them in the encryption context aws:sns:topicArn; for EventBridge that KMS request
//   carries no aws:SourceAccount (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
//
// Identity policies: roles of the stack hold exactly what the template gives them; the administrator, the CDK
// execution role (bootstrap attaches AdministratorAccess), the break-glass role and the other account's role hold
// AdministratorAccess ("*" on "*").
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, aws_iam as iam, cx_api as cxapi } from 'aws-cdk-lib';
import { CHECKED_APPS } from './checked-apps';
import { ACCOUNT, CODE, Caller, OTHER_ACCOUNT, REGION, ResolvedApp, ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { ProtectedSecret } from '../src';

const ADMINISTRATOR_ACCESS = [{ Effect: 'Allow', Action: '*', Resource: '*' }];
const EXEC_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
const THROUGH_CLOUDFORMATION = {
  'aws:CalledVia': ['cloudformation.amazonaws.com'],
  'aws:CalledViaFirst': 'cloudformation.amazonaws.com',
  'aws:CalledViaLast': 'cloudformation.amazonaws.com',
  'aws:ViaAWSService': 'true',
};
const SECRET_ACTIONS = ['GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage', 'DescribeSecret', 'PutResourcePolicy', 'DeleteSecret'];
const KEY_CELLS = ['Decrypt via service', 'Decrypt direct', 'GenerateDataKey via service', 'GenerateDataKey direct'];
const TOPIC_CELLS = ['Publish, own account', 'Publish, other account', 'GenerateDataKey, own account', 'GenerateDataKey, other account'];

function roleCaller(label: string, arn: string, identityPolicy: any[] | undefined, extra: Record<string, string | string[]> = {}): Caller {
  return principalCaller(label, arn, identityPolicy, { 'kms:CallerAccount': arn.split(':')[4], ...extra });
}

interface Synthesized { readonly name: string; readonly app: ResolvedApp }

function synth(name: string, build: (app: App) => Stack[], context: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), `access-matrix-${name}-`));
  try {
    // Path metadata names each resource by its construct path in the table.
    const app = new App({ outdir, context: { ...context, 'aws:cdk:enable-path-metadata': true } });
    const stacks = build(app);
    const assembly = app.synth();
    return {
      name,
      app: new ResolvedApp(stacks.map(s => new ResolvedTemplate(s.stackName, JSON.parse(readFileSync(join(assembly.directory, s.templateFile), 'utf8'))))),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The callers of one app: the roles of all its stacks by what every stack gives them (a data stack grants the
 * rotation role of the network stack through a managed policy attached to it), plus the people and roles outside.
 */
function callersOf(a: ResolvedApp): Caller[] {
  const identity = a.identityPolicies();
  const roles = a.templates.flatMap(t => t.ofType('AWS::IAM::Role').map(([id]) => ({ t, id, path: t.pathOf(id) })));
  const own: [string, RegExp][] = [
    ['reader (readers)', /^Service(Role)?$/],
    ['writer (writers)', /^OperatorRole$/],
    ['grantee of grantRead', /^BillingJobRole$/],
    ['grantee through .secret', /^ReportsTaskRole$/],
    ['rotation function role', /^Rotation[^/]*\/Role$/],
    ['grantee in another stack (fixed roleName)', /^CrossStackGranteeRole$/],
    // shared-key: the readers and writers of the second secret of one SecretsKey, and of its database's secret.
    ['reader of the second secret (readers)', /^PartnerServiceRole$/],
    ['writer of the second secret (writers)', /^PartnerOperatorRole$/],
    ['reader of the database secret (secretReaders)', /^OrdersServiceRole$/],
  ];
  const callers: Caller[] = [];
  for (const [label, pattern] of own) {
    const matching = roles.filter(r => pattern.test(r.path));
    if (matching.length > 1) throw new Error(`several roles are the ${label}: ${matching.map(r => `${r.t.stackName}/${r.path}`).join(', ')}`);
    for (const { t, id } of matching) callers.push(roleCaller(label, t.arnOf(id), identity.get(t.resolve({ Ref: id })) ?? []));
  }
  const breakGlass = a.templates.some(t => JSON.stringify(t.resources).includes('role/security-break-glass'));
  if (breakGlass) callers.push(roleCaller('break-glass role', `arn:aws:iam::${ACCOUNT}:role/security-break-glass`, ADMINISTRATOR_ACCESS));
  callers.push(
    roleCaller('CloudFormation execution role, through CloudFormation', EXEC_ROLE_ARN, ADMINISTRATOR_ACCESS, THROUGH_CLOUDFORMATION),
    roleCaller('administrator, directly', `arn:aws:iam::${ACCOUNT}:role/Administrator`, ADMINISTRATOR_ACCESS),
    roleCaller('administrator, own credentials through CloudFormation', `arn:aws:iam::${ACCOUNT}:role/Administrator`, ADMINISTRATOR_ACCESS, THROUGH_CLOUDFORMATION),
    roleCaller('administrator of another account', `arn:aws:iam::${OTHER_ACCOUNT}:role/Administrator`, ADMINISTRATOR_ACCESS),
  );
  return callers;
}

/**
 * A service of an Apps stack granted a secret of a Data stack from the apps side: its role has a fixed name, so the
 * secret's deny and key policy name it by an ARN built without a reference (README "Services in another stack").
 */
function buildCrossStackGrant(app: App): Stack[] {
  const data = new Stack(app, 'Data');
  const owner = new iam.Role(data, 'ServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const apiKey = new ProtectedSecret(data, 'OrdersApiKey', { readers: [owner], monitoring: { enabled: false } });
  const apps = new Stack(app, 'Apps');
  const reports = new iam.Role(apps, 'CrossStackGranteeRole', { roleName: 'orders-reports', assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  apiKey.grantRead(reports);
  return [data, apps];
}

interface Row {
  readonly app: string;
  readonly kind: 'secret' | 'key' | 'topic';
  readonly resource: string;
  /** The resource's ARN in the simulation, to relate rows to the templates. */
  readonly arn: string;
  /** For a secret's key: the secrets it encrypts (several for a shared key, a SecretsKey). */
  readonly secretArns?: string[];
  readonly caller: string;
  readonly cells: string[];
}

async function matrixOf(s: Synthesized): Promise<Row[]> {
  const rows: Row[] = [];
  const a = s.app;
  const callers = callersOf(a);
  const secretPolicies = a.secretPolicies();
  const topicPolicies = a.topicPolicies();
  // Where an app has several stacks, two of them may hold the same construct path (each its alert topic).
  const label = (t: ResolvedTemplate, id: string) => a.templates.length > 1 ? `${t.stackName}/${t.pathOf(id)}` : t.pathOf(id);
  for (const t of a.templates) {
    // A key shared by several secrets (a SecretsKey) is one key with one policy: one set of rows, named for all of them.
    const keys = new Map<string, { resources: string[]; via: string; secretArns?: string[] }>();

    for (const [id, secret] of t.ofType('AWS::SecretsManager::Secret')) {
      const arn = t.resolve({ Ref: id });
      const resource = label(t, id);
      if (secret.Properties?.KmsKeyId) {
        const keyArn = t.resolve(secret.Properties.KmsKeyId);
        const shared = keys.get(keyArn);
        keys.set(keyArn, { resources: [...shared?.resources ?? [], resource], via: 'secretsmanager', secretArns: [...shared?.secretArns ?? [], arn] });
      }
      for (const caller of callers) {
        const cells = [];
        for (const action of SECRET_ACTIONS) cells.push(CODE[await decide(caller, `secretsmanager:${action}`, arn, secretPolicies.get(arn))]);
        rows.push({ app: s.name, kind: 'secret', resource, arn, caller: caller.label, cells });
      }
    }

    for (const [id, topic] of t.ofType('AWS::SNS::Topic')) {
      const arn = t.resolve({ Ref: id });
      const resource = label(t, id);
      const keyArn = topic.Properties?.KmsMasterKeyId ? t.resolve(topic.Properties.KmsMasterKeyId) : undefined;
      if (keyArn) keys.set(keyArn, { resources: [resource], via: 'sns' });
      for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
        const cells = [];
        // EventBridge's request to SNS carries no source keys ("You can't use Condition blocks in Amazon SNS topic
        // policies for EventBridge", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions):
        // a rule of this account and a rule of another look the same to the topic policy.
        const publisher = (account: string): Caller => service === 'events.amazonaws.com'
          ? { label: service, principal: service, context: { 'aws:PrincipalServiceName': service } }
          : { label: service, principal: service, context: { 'aws:SourceAccount': account, 'aws:PrincipalServiceName': service } };
        for (const account of [ACCOUNT, OTHER_ACCOUNT]) cells.push(CODE[await decide(publisher(account), 'sns:Publish', arn, topicPolicies.get(arn))]);
        for (const account of [ACCOUNT, OTHER_ACCOUNT]) {
          // SNS encrypts the message with the topic's key for the publishing service, in the encryption context
          // `aws:sns:topicArn` (https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html).
          // Another account's rule or alarm can reach this key only through a topic of its own encrypted with it.
          // An EventBridge request carries no aws:SourceAccount, aws:SourceArn or aws:SourceOrgID: "Adding [them] to a
          // AWS KMS policy is not supported for EventBridge-to-encrypted topics"
          // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
          const topicArn = account === ACCOUNT ? arn : `arn:aws:sns:${REGION}:${account}:${arn.split(':').pop()}`;
          const context = { 'kms:ViaService': `sns.${REGION}.amazonaws.com`, 'kms:EncryptionContext:aws:sns:topicArn': topicArn };
          const caller = service === 'events.amazonaws.com'
            ? { label: service, principal: service, context: { 'aws:PrincipalServiceName': service } }
            : publisher(account);
          cells.push(keyArn ? CODE[await decide(caller, 'kms:GenerateDataKey', keyArn, a.keyPolicy(keyArn), context)] : 'n/a');
        }
        rows.push({ app: s.name, kind: 'topic', resource, arn, caller: service, cells });
      }
    }

    for (const [keyArn, { resources, via, secretArns }] of keys) {
      const resource = `key of ${resources.join(', ')}`;
      const policy = a.keyPolicy(keyArn);
      const viaService = { 'kms:ViaService': `${via}.${REGION}.amazonaws.com`, 'aws:ViaAWSService': 'true' };
      for (const caller of callers) {
        const cells = [];
        for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
          cells.push(CODE[await decide(caller, action, keyArn, policy, viaService)]);
          cells.push(CODE[await decide(caller, action, keyArn, policy)]);
        }
        rows.push({ app: s.name, kind: 'key', resource, arn: keyArn, secretArns, caller: caller.label, cells });
      }
    }
  }
  return rows;
}

/** By rotation role ARN, the ARNs of the secrets its function rotates: what the templates' rotation schedules say. */
function rotatedSecretsByRole(a: ResolvedApp): Map<string, Set<string>> {
  const roleOfFunction = new Map<string, string>();
  for (const t of a.templates) {
    for (const [id, fn] of t.ofType('AWS::Lambda::Function')) roleOfFunction.set(t.arnOf(id), t.resolve(fn.Properties.Role));
  }
  const byRole = new Map<string, Set<string>>();
  for (const t of a.templates) {
    for (const [, schedule] of t.ofType('AWS::SecretsManager::RotationSchedule')) {
      const role = roleOfFunction.get(t.resolve(schedule.Properties.RotationLambdaARN));
      if (!role) throw new Error(`${t.stackName}: a rotation schedule names a function the app does not define`);
      byRole.set(role, new Set([...byRole.get(role) ?? [], t.resolve(schedule.Properties.SecretId)]));
    }
  }
  return byRole;
}

const line = (r: Row) => `${r.app} | ${r.resource} | ${r.caller} | ${r.cells.join(' ')}`;

/** One row per resource and caller; the cells in the order of SECRET_ACTIONS, KEY_CELLS or TOPIC_CELLS. */
// Legend: allow = Allowed, DENY = explicitly denied (a Deny statement matched), no = implicitly denied (nothing allows).
// Secrets: GetSecretValue PutSecretValue UpdateSecretVersionStage DescribeSecret PutResourcePolicy DeleteSecret.
// Keys: Decrypt via the service, Decrypt directly, GenerateDataKey via the service, GenerateDataKey directly.
// Topics: Publish with aws:SourceAccount of this account, of another; GenerateDataKey on the topic key for a topic of
// this account, of another (EventBridge's without aws:SourceAccount).
// Read across: the value is denied to everyone not named, administrators included, even through CloudFormation;
// management (DescribeSecret, PutResourcePolicy) stays with IAM so an administrator can always repair the policy;
// DeleteSecret is denied on every secret attached to a database (aws-cdk-lib's attachment adds that deny); the
// secrets' keys let the account use them through Secrets Manager only, so the secret's policy decides who reads.
// An app of several stacks names each resource by stack and construct path; its callers are the roles of all its
// stacks (multi-stack: the Network stack's rotation role reads the secrets of Data and Billing, by the managed
// policies those stacks attach to it, and nothing else). cross-stack-grant: a role of Apps with a fixed name, granted
// a secret of Data from the apps side, reads it as a reader would (the deny and key policy name its ARN as a string).
// shared-key: two API keys and a database's secret encrypted with one SecretsKey, whose rows are named for all three.
// Its policy names no secret (README "One key for many secrets"), so every reader and writer of any of them may use it
// through Secrets Manager; each secret's resource policy is what keeps the secret to its own readers and writers.
const EXPECTED: string[] = [
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | reader (readers) | allow no no allow no no',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | writer (writers) | allow allow allow allow no no',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | grantee of grantRead | allow no no allow no no',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | grantee through .secret | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | rotation function role | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | break-glass role | allow allow allow allow allow allow',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow allow',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | administrator, directly | DENY DENY DENY allow allow allow',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'example | ProtectedSecretsExample/PaymentsApiKey/Secret | administrator of another account | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | reader (readers) | allow no no allow no DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | writer (writers) | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | grantee of grantRead | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | grantee through .secret | allow no no allow no DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | break-glass role | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/OrdersDb/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | reader (readers) | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | writer (writers) | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | grantee of grantRead | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | grantee through .secret | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | rotation function role | allow no no no no no',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | break-glass role | DENY DENY DENY allow allow allow',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'example | ProtectedSecretsExample/RotationFunction6895F711/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | reader (readers) | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | writer (writers) | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | grantee of grantRead | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | grantee through .secret | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | rotation function role | allow allow allow allow no DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | break-glass role | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/CatalogAdmin/Secret | administrator of another account | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | reader (readers) | allow no no allow no DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | writer (writers) | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | grantee of grantRead | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | grantee through .secret | DENY DENY DENY no no DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | break-glass role | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'example | ProtectedSecretsExample/CatalogDb/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'example | ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'example | ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | reader (readers) | allow no no no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | writer (writers) | allow no allow no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | grantee of grantRead | allow no no no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | grantee through .secret | no no no no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | rotation function role | no no no no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | break-glass role | allow no allow no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | administrator, directly | allow no allow no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/PaymentsApiKey/Secret | administrator of another account | no no no no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | reader (readers) | allow no no no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | writer (writers) | no no no no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | grantee of grantRead | no no no no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | grantee through .secret | allow no no no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | rotation function role | allow no allow no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | break-glass role | allow no allow no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | administrator, directly | allow no allow no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/OrdersDb/Secret/Secret | administrator of another account | no no no no',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | reader (readers) | no no no no',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | writer (writers) | no no no no',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | grantee of grantRead | no no no no',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | grantee through .secret | no no no no',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | rotation function role | allow no no no',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | break-glass role | allow allow allow allow',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | administrator, directly | allow allow allow allow',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'example | key of ProtectedSecretsExample/RotationFunction6895F711/ProofKey | administrator of another account | no no no no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | reader (readers) | no no no no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | writer (writers) | no no no no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | grantee of grantRead | no no no no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | grantee through .secret | no no no no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | rotation function role | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | break-glass role | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | administrator, directly | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogAdmin/Secret | administrator of another account | no no no no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | reader (readers) | allow no no no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | writer (writers) | no no no no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | grantee of grantRead | no no no no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | grantee through .secret | no no no no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | rotation function role | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | break-glass role | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | administrator, directly | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/CatalogDb/Secret/Secret | administrator of another account | no no no no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | reader (readers) | no no no no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | writer (writers) | no no no no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | grantee of grantRead | no no no no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | grantee through .secret | no no no no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | break-glass role | allow no allow no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsExample/ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'example | ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'example | ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | reader (readers) | no no no no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | writer (writers) | no no no no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | grantee of grantRead | no no no no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | grantee through .secret | no no no no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | break-glass role | allow no allow no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'example | key of ProtectedSecretsAccount/ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'multi-stack | Network/Rotation/ProofKey | reader (readers) | DENY DENY DENY no no no',
  'multi-stack | Network/Rotation/ProofKey | rotation function role | allow no no no no no',
  'multi-stack | Network/Rotation/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'multi-stack | Network/Rotation/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'multi-stack | Network/Rotation/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'multi-stack | Network/Rotation/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'multi-stack | key of Network/Rotation/ProofKey | reader (readers) | no no no no',
  'multi-stack | key of Network/Rotation/ProofKey | rotation function role | allow no no no',
  'multi-stack | key of Network/Rotation/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'multi-stack | key of Network/Rotation/ProofKey | administrator, directly | allow allow allow allow',
  'multi-stack | key of Network/Rotation/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'multi-stack | key of Network/Rotation/ProofKey | administrator of another account | no no no no',
  'multi-stack | Data/OrdersDb/Secret/Secret | reader (readers) | allow no no allow no DENY',
  'multi-stack | Data/OrdersDb/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'multi-stack | Data/OrdersDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'multi-stack | Data/OrdersDb/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'multi-stack | Data/OrdersDb/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'multi-stack | Data/OrdersDb/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'multi-stack | Data/ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'multi-stack | Data/ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'multi-stack | key of Data/OrdersDb/Secret/Secret | reader (readers) | allow no no no',
  'multi-stack | key of Data/OrdersDb/Secret/Secret | rotation function role | allow no allow no',
  'multi-stack | key of Data/OrdersDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'multi-stack | key of Data/OrdersDb/Secret/Secret | administrator, directly | allow no allow no',
  'multi-stack | key of Data/OrdersDb/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'multi-stack | key of Data/OrdersDb/Secret/Secret | administrator of another account | no no no no',
  'multi-stack | key of Data/ProtectedSecretsAlertTopic/Topic | reader (readers) | no no no no',
  'multi-stack | key of Data/ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'multi-stack | key of Data/ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'multi-stack | key of Data/ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'multi-stack | key of Data/ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'multi-stack | key of Data/ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'multi-stack | Billing/InvoicesAdmin/Secret | reader (readers) | DENY DENY DENY no no DENY',
  'multi-stack | Billing/InvoicesAdmin/Secret | rotation function role | allow allow allow allow no DENY',
  'multi-stack | Billing/InvoicesAdmin/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'multi-stack | Billing/InvoicesAdmin/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'multi-stack | Billing/InvoicesAdmin/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'multi-stack | Billing/InvoicesAdmin/Secret | administrator of another account | DENY DENY DENY no no no',
  'multi-stack | Billing/InvoicesDb/Secret/Secret | reader (readers) | DENY DENY DENY no no DENY',
  'multi-stack | Billing/InvoicesDb/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'multi-stack | Billing/InvoicesDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'multi-stack | Billing/InvoicesDb/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'multi-stack | Billing/InvoicesDb/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'multi-stack | Billing/InvoicesDb/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'multi-stack | Billing/Ledger/Secret/Secret | reader (readers) | DENY DENY DENY no no DENY',
  'multi-stack | Billing/Ledger/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'multi-stack | Billing/Ledger/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'multi-stack | Billing/Ledger/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'multi-stack | Billing/Ledger/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'multi-stack | Billing/Ledger/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'multi-stack | Billing/ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'multi-stack | Billing/ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'multi-stack | key of Billing/InvoicesAdmin/Secret | reader (readers) | no no no no',
  'multi-stack | key of Billing/InvoicesAdmin/Secret | rotation function role | allow no allow no',
  'multi-stack | key of Billing/InvoicesAdmin/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/InvoicesAdmin/Secret | administrator, directly | allow no allow no',
  'multi-stack | key of Billing/InvoicesAdmin/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/InvoicesAdmin/Secret | administrator of another account | no no no no',
  'multi-stack | key of Billing/InvoicesDb/Secret/Secret | reader (readers) | no no no no',
  'multi-stack | key of Billing/InvoicesDb/Secret/Secret | rotation function role | allow no allow no',
  'multi-stack | key of Billing/InvoicesDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/InvoicesDb/Secret/Secret | administrator, directly | allow no allow no',
  'multi-stack | key of Billing/InvoicesDb/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/InvoicesDb/Secret/Secret | administrator of another account | no no no no',
  'multi-stack | key of Billing/Ledger/Secret/Secret | reader (readers) | no no no no',
  'multi-stack | key of Billing/Ledger/Secret/Secret | rotation function role | allow no allow no',
  'multi-stack | key of Billing/Ledger/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/Ledger/Secret/Secret | administrator, directly | allow no allow no',
  'multi-stack | key of Billing/Ledger/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/Ledger/Secret/Secret | administrator of another account | no no no no',
  'multi-stack | key of Billing/ProtectedSecretsAlertTopic/Topic | reader (readers) | no no no no',
  'multi-stack | key of Billing/ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'multi-stack | key of Billing/ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'multi-stack | key of Billing/ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'multi-stack | key of Billing/ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'postgres-single-user | Db/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'postgres-single-user | Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'postgres-single-user | Db/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'postgres-single-user | Db/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'postgres-single-user | Db/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'postgres-single-user | RotationFunction924DFC30/ProofKey | rotation function role | allow no no no no no',
  'postgres-single-user | RotationFunction924DFC30/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'postgres-single-user | RotationFunction924DFC30/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'postgres-single-user | RotationFunction924DFC30/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'postgres-single-user | RotationFunction924DFC30/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'postgres-single-user | ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'postgres-single-user | ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'postgres-single-user | key of Db/Secret/Secret | rotation function role | allow no allow no',
  'postgres-single-user | key of Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'postgres-single-user | key of Db/Secret/Secret | administrator, directly | allow no allow no',
  'postgres-single-user | key of Db/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'postgres-single-user | key of Db/Secret/Secret | administrator of another account | no no no no',
  'postgres-single-user | key of RotationFunction924DFC30/ProofKey | rotation function role | allow no no no',
  'postgres-single-user | key of RotationFunction924DFC30/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'postgres-single-user | key of RotationFunction924DFC30/ProofKey | administrator, directly | allow allow allow allow',
  'postgres-single-user | key of RotationFunction924DFC30/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'postgres-single-user | key of RotationFunction924DFC30/ProofKey | administrator of another account | no no no no',
  'postgres-single-user | key of ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'postgres-single-user | key of ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'postgres-single-user | key of ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'postgres-single-user | key of ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'postgres-single-user | key of ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'mariadb-alternating | Admin/Secret | rotation function role | allow allow allow allow no DENY',
  'mariadb-alternating | Admin/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'mariadb-alternating | Admin/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'mariadb-alternating | Admin/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'mariadb-alternating | Admin/Secret | administrator of another account | DENY DENY DENY no no no',
  'mariadb-alternating | Db/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'mariadb-alternating | Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'mariadb-alternating | Db/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'mariadb-alternating | Db/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'mariadb-alternating | Db/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'mariadb-alternating | RotationFunctionC37E8221/ProofKey | rotation function role | allow no no no no no',
  'mariadb-alternating | RotationFunctionC37E8221/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'mariadb-alternating | RotationFunctionC37E8221/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'mariadb-alternating | RotationFunctionC37E8221/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'mariadb-alternating | RotationFunctionC37E8221/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'mariadb-alternating | ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'mariadb-alternating | ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'mariadb-alternating | key of Admin/Secret | rotation function role | allow no allow no',
  'mariadb-alternating | key of Admin/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'mariadb-alternating | key of Admin/Secret | administrator, directly | allow no allow no',
  'mariadb-alternating | key of Admin/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'mariadb-alternating | key of Admin/Secret | administrator of another account | no no no no',
  'mariadb-alternating | key of Db/Secret/Secret | rotation function role | allow no allow no',
  'mariadb-alternating | key of Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'mariadb-alternating | key of Db/Secret/Secret | administrator, directly | allow no allow no',
  'mariadb-alternating | key of Db/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'mariadb-alternating | key of Db/Secret/Secret | administrator of another account | no no no no',
  'mariadb-alternating | key of RotationFunctionC37E8221/ProofKey | rotation function role | allow no no no',
  'mariadb-alternating | key of RotationFunctionC37E8221/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'mariadb-alternating | key of RotationFunctionC37E8221/ProofKey | administrator, directly | allow allow allow allow',
  'mariadb-alternating | key of RotationFunctionC37E8221/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'mariadb-alternating | key of RotationFunctionC37E8221/ProofKey | administrator of another account | no no no no',
  'mariadb-alternating | key of ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'mariadb-alternating | key of ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'mariadb-alternating | key of ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'mariadb-alternating | key of ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'mariadb-alternating | key of ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'aurora-postgres-data-api | Db/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'aurora-postgres-data-api | Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'aurora-postgres-data-api | Db/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'aurora-postgres-data-api | Db/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'aurora-postgres-data-api | Db/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'aurora-postgres-data-api | RotationFunction695DA97D/ProofKey | rotation function role | allow no no no no no',
  'aurora-postgres-data-api | RotationFunction695DA97D/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'aurora-postgres-data-api | RotationFunction695DA97D/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'aurora-postgres-data-api | RotationFunction695DA97D/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'aurora-postgres-data-api | RotationFunction695DA97D/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'aurora-postgres-data-api | ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'aurora-postgres-data-api | ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'aurora-postgres-data-api | key of Db/Secret/Secret | rotation function role | allow no allow no',
  'aurora-postgres-data-api | key of Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'aurora-postgres-data-api | key of Db/Secret/Secret | administrator, directly | allow no allow no',
  'aurora-postgres-data-api | key of Db/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'aurora-postgres-data-api | key of Db/Secret/Secret | administrator of another account | no no no no',
  'aurora-postgres-data-api | key of RotationFunction695DA97D/ProofKey | rotation function role | allow no no no',
  'aurora-postgres-data-api | key of RotationFunction695DA97D/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'aurora-postgres-data-api | key of RotationFunction695DA97D/ProofKey | administrator, directly | allow allow allow allow',
  'aurora-postgres-data-api | key of RotationFunction695DA97D/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'aurora-postgres-data-api | key of RotationFunction695DA97D/ProofKey | administrator of another account | no no no no',
  'aurora-postgres-data-api | key of ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'aurora-postgres-data-api | key of ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'aurora-postgres-data-api | key of ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'aurora-postgres-data-api | key of ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'aurora-postgres-data-api | key of ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'shared-rotation-function | ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | rotation function role | allow no no no no no',
  'shared-rotation-function | ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'shared-rotation-function | ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'shared-rotation-function | ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'shared-rotation-function | ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | rotation function role | allow no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'shared-rotation-function | key of ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | administrator, directly | allow allow allow allow',
  'shared-rotation-function | key of ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'shared-rotation-function | key of ProtectedSecretsSharedNetwork/RotationFunction/ProofKey | administrator of another account | no no no no',
  'shared-rotation-function | ProtectedSecretsSharedOrders/Db/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'shared-rotation-function | ProtectedSecretsSharedOrders/Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedOrders/Db/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedOrders/Db/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedOrders/Db/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'shared-rotation-function | ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'shared-rotation-function | ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/Db/Secret/Secret | rotation function role | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/Db/Secret/Secret | administrator, directly | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/Db/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/Db/Secret/Secret | administrator of another account | no no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedOrders/ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Admin/Secret | rotation function role | allow allow allow allow no DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Admin/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Admin/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Admin/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Admin/Secret | administrator of another account | DENY DENY DENY no no no',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Db/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Db/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Db/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'shared-rotation-function | ProtectedSecretsSharedBilling/Db/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'shared-rotation-function | ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'shared-rotation-function | ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Admin/Secret | rotation function role | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Admin/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Admin/Secret | administrator, directly | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Admin/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Admin/Secret | administrator of another account | no no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Db/Secret/Secret | rotation function role | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Db/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Db/Secret/Secret | administrator, directly | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Db/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/Db/Secret/Secret | administrator of another account | no no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-rotation-function | key of ProtectedSecretsSharedBilling/ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'shared-key | PaymentsApiKey/Secret | reader (readers) | allow no no allow no no',
  'shared-key | PaymentsApiKey/Secret | writer (writers) | allow allow allow allow no no',
  'shared-key | PaymentsApiKey/Secret | rotation function role | DENY DENY DENY no no no',
  'shared-key | PaymentsApiKey/Secret | reader of the second secret (readers) | DENY DENY DENY no no no',
  'shared-key | PaymentsApiKey/Secret | writer of the second secret (writers) | DENY DENY DENY no no no',
  'shared-key | PaymentsApiKey/Secret | reader of the database secret (secretReaders) | DENY DENY DENY no no no',
  'shared-key | PaymentsApiKey/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow allow',
  'shared-key | PaymentsApiKey/Secret | administrator, directly | DENY DENY DENY allow allow allow',
  'shared-key | PaymentsApiKey/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'shared-key | PaymentsApiKey/Secret | administrator of another account | DENY DENY DENY no no no',
  'shared-key | PartnerApiKey/Secret | reader (readers) | DENY DENY DENY no no no',
  'shared-key | PartnerApiKey/Secret | writer (writers) | DENY DENY DENY no no no',
  'shared-key | PartnerApiKey/Secret | rotation function role | DENY DENY DENY no no no',
  'shared-key | PartnerApiKey/Secret | reader of the second secret (readers) | allow no no allow no no',
  'shared-key | PartnerApiKey/Secret | writer of the second secret (writers) | allow allow allow allow no no',
  'shared-key | PartnerApiKey/Secret | reader of the database secret (secretReaders) | DENY DENY DENY no no no',
  'shared-key | PartnerApiKey/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow allow',
  'shared-key | PartnerApiKey/Secret | administrator, directly | DENY DENY DENY allow allow allow',
  'shared-key | PartnerApiKey/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'shared-key | PartnerApiKey/Secret | administrator of another account | DENY DENY DENY no no no',
  'shared-key | OrdersDb/Secret/Secret | reader (readers) | DENY DENY DENY no no DENY',
  'shared-key | OrdersDb/Secret/Secret | writer (writers) | DENY DENY DENY no no DENY',
  'shared-key | OrdersDb/Secret/Secret | rotation function role | allow allow allow allow no DENY',
  'shared-key | OrdersDb/Secret/Secret | reader of the second secret (readers) | DENY DENY DENY no no DENY',
  'shared-key | OrdersDb/Secret/Secret | writer of the second secret (writers) | DENY DENY DENY no no DENY',
  'shared-key | OrdersDb/Secret/Secret | reader of the database secret (secretReaders) | allow no no allow no DENY',
  'shared-key | OrdersDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow DENY',
  'shared-key | OrdersDb/Secret/Secret | administrator, directly | DENY DENY DENY allow allow DENY',
  'shared-key | OrdersDb/Secret/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow DENY',
  'shared-key | OrdersDb/Secret/Secret | administrator of another account | DENY DENY DENY no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | reader (readers) | DENY DENY DENY no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | writer (writers) | DENY DENY DENY no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | rotation function role | allow no no no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | reader of the second secret (readers) | DENY DENY DENY no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | writer of the second secret (writers) | DENY DENY DENY no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | reader of the database secret (secretReaders) | DENY DENY DENY no no no',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | CloudFormation execution role, through CloudFormation | DENY allow allow allow allow allow',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | administrator, directly | DENY DENY DENY allow allow allow',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'shared-key | RotationFunction2AA6F1EA/ProofKey | administrator of another account | DENY DENY DENY no no no',
  'shared-key | ProtectedSecretsAlertTopic/Topic | events.amazonaws.com | allow allow allow no',
  'shared-key | ProtectedSecretsAlertTopic/Topic | cloudwatch.amazonaws.com | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | reader (readers) | allow no no no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | writer (writers) | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | rotation function role | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | reader of the second secret (readers) | allow no no no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | writer of the second secret (writers) | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | reader of the database secret (secretReaders) | allow no no no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | administrator, directly | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-key | key of PaymentsApiKey/Secret, PartnerApiKey/Secret, OrdersDb/Secret/Secret | administrator of another account | no no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | reader (readers) | no no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | writer (writers) | no no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | rotation function role | allow no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | reader of the second secret (readers) | no no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | writer of the second secret (writers) | no no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | reader of the database secret (secretReaders) | no no no no',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | CloudFormation execution role, through CloudFormation | allow allow allow allow',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | administrator, directly | allow allow allow allow',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | administrator, own credentials through CloudFormation | allow allow allow allow',
  'shared-key | key of RotationFunction2AA6F1EA/ProofKey | administrator of another account | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | reader (readers) | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | writer (writers) | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | rotation function role | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | reader of the second secret (readers) | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | writer of the second secret (writers) | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | reader of the database secret (secretReaders) | no no no no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | CloudFormation execution role, through CloudFormation | allow no allow no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | administrator, directly | allow no allow no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | administrator, own credentials through CloudFormation | allow no allow no',
  'shared-key | key of ProtectedSecretsAlertTopic/Topic | administrator of another account | no no no no',
  'cross-stack-grant | Data/OrdersApiKey/Secret | reader (readers) | allow no no allow no no',
  'cross-stack-grant | Data/OrdersApiKey/Secret | grantee in another stack (fixed roleName) | allow no no allow no no',
  'cross-stack-grant | Data/OrdersApiKey/Secret | CloudFormation execution role, through CloudFormation | allow allow allow allow allow allow',
  'cross-stack-grant | Data/OrdersApiKey/Secret | administrator, directly | DENY DENY DENY allow allow allow',
  'cross-stack-grant | Data/OrdersApiKey/Secret | administrator, own credentials through CloudFormation | DENY DENY DENY allow allow allow',
  'cross-stack-grant | Data/OrdersApiKey/Secret | administrator of another account | DENY DENY DENY no no no',
  'cross-stack-grant | key of Data/OrdersApiKey/Secret | reader (readers) | allow no no no',
  'cross-stack-grant | key of Data/OrdersApiKey/Secret | grantee in another stack (fixed roleName) | allow no no no',
  'cross-stack-grant | key of Data/OrdersApiKey/Secret | CloudFormation execution role, through CloudFormation | allow no allow no',
  'cross-stack-grant | key of Data/OrdersApiKey/Secret | administrator, directly | allow no allow no',
  'cross-stack-grant | key of Data/OrdersApiKey/Secret | administrator, own credentials through CloudFormation | allow no allow no',
  'cross-stack-grant | key of Data/OrdersApiKey/Secret | administrator of another account | no no no no',
];

function markdown(rows: Row[]): string {
  const table = (kind: Row['kind'], head: string[]) => {
    const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
    for (const r of rows.filter(row => row.kind === kind)) out.push(`| ${r.resource} | ${r.caller} | ${r.cells.join(' | ')} |`);
    return out.join('\n');
  };
  return [
    '**Secrets** (the actions are `secretsmanager:`)',
    '',
    table('secret', ['Secret', 'Caller', ...SECRET_ACTIONS]),
    '',
    '**Keys** ("via service": through Secrets Manager for a secret\'s key, through SNS for the alert topic\'s key)',
    '',
    table('key', ['Key', 'Caller', ...KEY_CELLS]),
    '',
    '**Alert topic** (publishers of this account, or of another one; GenerateDataKey through SNS, for a topic in the publisher account. EventBridge\'s requests carry no `aws:SourceAccount`, as EventBridge and SNS document, so its rows do not tell the accounts apart: the topic policy cannot refuse a rule of another account that names the topic, and the key, which lets EventBridge encrypt for the topics of this account only, encrypts for that rule\'s messages too, since they go to a topic of this account)',
    '',
    table('topic', ['Topic', 'Publisher', ...TOPIC_CELLS]),
  ].join('\n');
}

const README = join(__dirname, '..', 'README.md');
const BEGIN = '<!-- access-matrix:begin -->';
const END = '<!-- access-matrix:end -->';

describe('access matrix, evaluated by an IAM policy simulator', () => {
  let rows: Row[];
  let apps: Synthesized[];

  beforeAll(async () => {
    apps = [
      ...CHECKED_APPS.map(([name, build]) => synth(name, build)),
      synth('cross-stack-grant', app => buildCrossStackGrant(app)),
    ];
    rows = [];
    for (const a of apps) rows.push(...await matrixOf(a));
  }, 300_000);

  test('every cell is as documented', () => {
    if (process.env.PRINT_ACCESS_MATRIX) writeFileSync(process.env.PRINT_ACCESS_MATRIX, rows.map(r => `  '${line(r)}',`).join('\n') + '\n');
    expect(rows.map(line)).toEqual(EXPECTED);
  });

  test('a rotation role reads and writes exactly the secrets its function rotates, in every stack, and their keys only through Secrets Manager', () => {
    let checked = 0;
    for (const s of apps) {
      const rotated = rotatedSecretsByRole(s.app);
      const rotationCaller = callersOf(s.app).find(c => c.label === 'rotation function role');
      if (!rotationCaller) continue;
      checked++;
      const mine = rotated.get(rotationCaller.principal) ?? new Set<string>();
      expect(mine.size).toBeGreaterThan(0);
      // The function's own proof key (lambda/rotation/proof.ts): the role reads it and nothing more.
      const isProofKey = (r: Row) => r.resource.endsWith('/ProofKey');
      for (const r of rows.filter(x => x.app === s.name && x.kind === 'secret' && x.caller === rotationCaller.label && isProofKey(x))) {
        expect(`${r.resource}: ${r.cells.slice(0, 3).join(' ')}`).toBe(`${r.resource}: allow no no`);
      }
      const secretRows = rows.filter(r => r.app === s.name && r.kind === 'secret' && r.caller === rotationCaller.label && !isProofKey(r));
      const keyRows = rows.filter(r => r.app === s.name && r.kind === 'key' && r.secretArns && r.caller === rotationCaller.label);
      // GetSecretValue PutSecretValue UpdateSecretVersionStage DescribeSecret: what the four rotation steps call.
      const allowed = (r: Row) => r.cells.slice(0, 4).every(c => c === 'allow');
      const deniedValue = (r: Row) => r.cells.slice(0, 3).every(c => c !== 'allow');
      expect(secretRows.filter(allowed).map(r => r.arn).sort()).toEqual([...mine].sort());
      expect(secretRows.filter(r => !mine.has(r.arn)).every(deniedValue)).toBe(true);
      // Decrypt and GenerateDataKey through Secrets Manager only, for the keys of the secrets it rotates.
      // The proof key's key (the function's log key): Decrypt through Secrets Manager, to read the proof key.
      for (const r of keyRows) {
        const expected = r.secretArns!.some(arn => mine.has(arn)) ? 'allow no allow no' : r.resource.endsWith('/ProofKey') ? 'allow no no no' : 'no no no no';
        expect(`${r.resource}: ${r.cells.join(' ')}`).toBe(`${r.resource}: ${expected}`);
      }
    }
    // Apps without a rotation role are skipped above; the ones with one must have been found.
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  test('one SecretsKey for several secrets: each is read and written by its own principals only, an administrator reads none, nobody uses the key directly', () => {
    const app = rows.filter(r => r.app === 'shared-key');
    const keyRows = app.filter(r => r.kind === 'key' && (r.secretArns?.length ?? 0) > 1);
    // The matrix saw one key for the three secrets (not three keys), so its one policy is what these cells evaluate.
    expect(new Set(keyRows.map(r => r.arn)).size).toBe(1);
    const sharedBy = new Set(keyRows[0].secretArns);
    const secretRows = app.filter(r => r.kind === 'secret' && sharedBy.has(r.arn));
    expect(new Set(secretRows.map(r => r.resource))).toEqual(new Set(['PaymentsApiKey/Secret', 'PartnerApiKey/Secret', 'OrdersDb/Secret/Secret']));

    const deployer = 'CloudFormation execution role, through CloudFormation';
    const named: Record<string, { readers: string[]; writers: string[] }> = {
      'PaymentsApiKey/Secret': { readers: ['reader (readers)'], writers: ['writer (writers)', deployer] },
      'PartnerApiKey/Secret': { readers: ['reader of the second secret (readers)'], writers: ['writer of the second secret (writers)', deployer] },
      'OrdersDb/Secret/Secret': { readers: ['reader of the database secret (secretReaders)'], writers: ['rotation function role', deployer] },
    };
    for (const r of secretRows) {
      const { readers, writers } = named[r.resource];
      // GetSecretValue PutSecretValue UpdateSecretVersionStage: a writer reads and writes, a reader only reads (nothing
      // allows it to write), everyone else is refused by the secret's policy.
      const expected = writers.includes(r.caller) ? 'allow allow allow' : readers.includes(r.caller) ? 'allow no no' : 'DENY DENY DENY';
      expect(`${r.resource} | ${r.caller} | ${r.cells.slice(0, 3).join(' ')}`).toBe(`${r.resource} | ${r.caller} | ${expected}`);
    }
    // "*" on "*" in the account, directly or through CloudFormation with its own credentials: no secret's value.
    for (const r of secretRows.filter(x => x.caller.startsWith('administrator'))) expect(r.cells.slice(0, 3)).toEqual(['DENY', 'DENY', 'DENY']);

    // The key: through Secrets Manager for the account's principals (readers Decrypt, writers also GenerateDataKey),
    // never directly (without kms:ViaService), and for nobody of another account.
    for (const r of keyRows) {
      expect(`${r.caller}: direct ${r.cells[1]} ${r.cells[3]}`).toBe(`${r.caller}: direct no no`);
      const writes = Object.values(named).some(n => n.writers.includes(r.caller)) || r.caller.startsWith('administrator,');
      const expected = r.caller === 'administrator of another account' ? 'no no no no' : writes ? 'allow no allow no' : 'allow no no no';
      expect(`${r.caller}: ${r.cells.join(' ')}`).toBe(`${r.caller}: ${expected}`);
    }
  });

  // A new app's cdk.json (`cdk init`) turns on aws-cdk-lib's recommended feature flags, which change how grants and
  // policies are written (e.g. @aws-cdk/aws-iam:minimizePolicies merges statements,
  // @aws-cdk/aws-lambda:createNewPoliciesWithAddToRolePolicy writes new policies); users have them, so every cell
  // must hold with them as well.
  test('every cell is the same under the feature flags `cdk init` writes into a new app', async () => {
    const flagged: Row[] = [];
    let restrictedDefaultGroups = 0;
    for (const [name, build] of [...CHECKED_APPS, ['cross-stack-grant', buildCrossStackGrant] as const]) {
      const synthesized = synth(name, build, { ...cxapi.CURRENTLY_RECOMMENDED_FLAGS });
      // The flags reached the app: @aws-cdk/aws-ec2:restrictDefaultSecurityGroup gives each VPC a custom resource.
      restrictedDefaultGroups += synthesized.app.templates.flatMap(t => t.ofType('Custom::VpcRestrictDefaultSG')).length;
      flagged.push(...await matrixOf(synthesized));
    }
    expect(restrictedDefaultGroups).toBeGreaterThan(0);
    expect(flagged.map(line)).toEqual(EXPECTED);
  }, 300_000);

  test('README "Access model" shows the example app\'s part of the table', () => {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    const generated = `${BEGIN}\n${markdown(rows.filter(r => r.app === 'example'))}\n${END}`;
    // UPDATE_ACCESS_MATRIX=1 npx jest test/access-matrix.test.ts rewrites the block once the expected table changed.
    if (process.env.UPDATE_ACCESS_MATRIX && start >= 0 && end > start) {
      writeFileSync(README, text.slice(0, start) + generated + text.slice(end + END.length));
      return;
    }
    expect(start).toBeGreaterThanOrEqual(0);
    expect(text.slice(start, end + END.length)).toEqual(generated);
  });

  test('the integ snapshots are among what the matrix covers', () => {
    // Every integ test case stack has a builder the matrix synthesizes; a new integ test must be added above.
    const snapshots = readdirSync(join(__dirname, '..', 'integ')).filter(n => n.endsWith('.snapshot'));
    expect(snapshots.length).toBe(4);
  });
});
