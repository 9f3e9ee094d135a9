// The example app the README's main command synthesizes: `npx projen synth:example` writes cdk.out/.
import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { ProtectedSecret } from '../src';

const app = new App();
// A fixed account and region keep the synthesized templates identical on every machine; no credentials are used.
const stack = new Stack(app, 'ProtectedSecretsExample', { env: { account: '111111111111', region: 'eu-west-1' } });

const service = new iam.Role(stack, 'ServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
const operator = new iam.Role(stack, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal() });

const apiKey = new ProtectedSecret(stack, 'PaymentsApiKey', {
  secretName: 'example/payments/api-key',
  description: 'API key for the payments provider',
  readers: [service],
  writers: [operator],
  arnParameterName: '/example/payments/api-key-arn',
});
apiKey.grantReadViaParameterStore(service);

app.synth();
