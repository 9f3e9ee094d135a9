import { Stack, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
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
  check: node => {
    if (!(node instanceof secretsmanager.CfnSecret) || node.generateSecretString === undefined) return undefined;
    const generator = Stack.of(node).resolve(node.generateSecretString);
    const fields = credentialFieldsInTemplate(generator?.SecretStringTemplate ?? generator?.secretStringTemplate);
    if (fields.length === 0) return undefined;
    return `the secret string template carries a literal credential in ${fields.map(f => `"${f}"`).join(', ')} (value withheld), `
      + 'written into the CloudFormation template in plaintext; remove it from the template and let Secrets Manager generate it '
      + '(generateStringKey), or keep it in a secret of its own.';
  },
};
