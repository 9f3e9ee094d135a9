import { Stack } from 'aws-cdk-lib';
import { credentialFieldsInTemplate } from '../template-literals';
import { GuardRule } from './rule';

/**
 * A credential written as a literal into `GenerateSecretString.SecretStringTemplate`. Only the
 * `GenerateStringKey` field is generated; the rest of the template is stored in the CloudFormation template
 * in plaintext. The fields reported, and why a user name or a host is not, are defined in
 * `credentialFieldsInTemplate`.
 */
export const literalValueInSecretTemplate: GuardRule = {
  id: 'LiteralValueInSecretTemplate',
  resourceTypes: ['AWS::SecretsManager::Secret'],
  check: ({ node, properties }) => {
    const template = properties.GenerateSecretString?.SecretStringTemplate;
    if (template === undefined) return undefined;
    const fields = credentialFieldsInTemplate(template, Stack.of(node));
    if (fields.length === 0) return undefined;
    return `the secret string template carries a literal credential in ${fields.map(f => `"${f}"`).join(', ')} (value withheld), `
      + 'written into the CloudFormation template in plaintext; remove it from the template and let Secrets Manager generate it '
      + '(generateStringKey), or keep it in a secret of its own.';
  },
};
