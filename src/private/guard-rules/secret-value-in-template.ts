import { Stack } from 'aws-cdk-lib';
import { credentialFieldsInTemplate, hasGeneratedPart, literalPartsOf, parseJson, templateTexts } from '../template-literals';
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
  resourceTypes: ['AWS::SecretsManager::Secret'],
  check: ({ node, properties }) => {
    if (properties.SecretString === undefined) return undefined;
    const stack = Stack.of(node);
    const fix = 'let Secrets Manager generate it (generateSecretString), or pass a value CloudFormation fills in (a resource attribute, a dynamic reference).';
    // Each text is one value the secret can be deployed with (a branch of an Fn::If, ...): one in plaintext is enough.
    const texts = templateTexts(properties.SecretString, stack);
    if (texts.some(text => !hasGeneratedPart(text))) {
      return `the secret's value (SecretString) is written into the template in plaintext (value withheld); ${fix}`;
    }
    if (texts.some(text => parseJson(text) !== undefined)) {
      const fields = credentialFieldsInTemplate(properties.SecretString, stack);
      if (fields.length > 0) {
        return `the secret's value (SecretString) carries a literal credential in ${fields.map(f => `"${f}"`).join(', ')} (value withheld), `
          + `written into the template in plaintext; ${fix}`;
      }
    }
    return texts.every(text => parseJson(text) !== undefined || literalPartsOf(text).trim() === '') ? undefined
      : `the secret's value (SecretString) joins literal text (withheld), written into the template in plaintext, to values CloudFormation fills in; ${fix}`;
  },
};
