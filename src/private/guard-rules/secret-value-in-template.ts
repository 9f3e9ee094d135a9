import { Stack, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { credentialFieldsInTemplate, hasGeneratedPart, literalPartsOf, templateText } from '../template-literals';
import { GuardRule } from './rule';

/**
 * A secret whose value (`SecretString`) is written into the template as a literal. A value CloudFormation fills in at
 * deploy time (an `Fn::GetAtt` such as aws-cdk-lib's `secretStringValue: accessKey.secretAccessKey`, a `Ref`, a dynamic
 * reference) is not in the template and is not reported. A JSON value joined from literals and such values is reported
 * by the credential fields written as literals (`credentialFieldsInTemplate`: a user name or a host is not secret);
 * any other mix by its literal text.
 */
export const secretValueInTemplate: GuardRule = {
  id: 'SecretValueInTemplate',
  check: node => {
    if (!(node instanceof secretsmanager.CfnSecret) || node.secretString === undefined) return undefined;
    const resolved = Stack.of(node).resolve(node.secretString);
    const text = templateText(resolved);
    if (text === undefined) return undefined;
    const fix = 'let Secrets Manager generate it (generateSecretString), or pass a value CloudFormation fills in (a resource attribute, a dynamic reference).';
    if (!hasGeneratedPart(text)) {
      return `the secret's value (SecretString) is written into the template in plaintext (value withheld); ${fix}`;
    }
    if (isJson(text)) {
      const fields = credentialFieldsInTemplate(resolved);
      return fields.length === 0 ? undefined
        : `the secret's value (SecretString) carries a literal credential in ${fields.map(f => `"${f}"`).join(', ')} (value withheld), `
          + `written into the template in plaintext; ${fix}`;
    }
    return literalPartsOf(text).trim() === '' ? undefined
      : `the secret's value (SecretString) joins literal text (withheld), written into the template in plaintext, to values CloudFormation fills in; ${fix}`;
  },
};

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
