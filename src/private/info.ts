import { cloud_assembly_schema as cxschema } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * An info message for `cdk synth`, recorded as `Annotations.addInfo` records it (once per construct and message), but
 * without the stack trace `Annotations` captures for every message: capturing and source-mapping it was most of what
 * the rotation function's two messages cost at synth. Info messages cannot be acknowledged, so nothing is lost.
 */
export function addInfo(scope: IConstruct, message: string): void {
  if (scope.node.metadata.some(entry => entry.data === message)) return;
  scope.node.addMetadata(cxschema.ArtifactMetadataEntryType.INFO, message);
}
