import { Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The app's constructs, walked once per validation pass of each stage. */
const walks = new WeakMap<IConstruct, readonly IConstruct[]>();
const resetting = new WeakSet<IConstruct>();
const kinds = new WeakMap<readonly IConstruct[], Map<(c: IConstruct) => boolean, readonly IConstruct[]>>();

/**
 * Every construct of `scope`'s app, for a validation that looks across the app. Each secret's validation walking the
 * whole tree makes synthesis quadratic in the number of secrets; the walk is shared instead. Call
 * `shareAppWalkInValidation(scope)` when the validation is added: the stage then drops the walk at the start of each
 * of its validation passes (validateTree visits the stage before its children), so a tree changed between two
 * syntheses is walked again.
 */
export function appConstructs(scope: IConstruct): readonly IConstruct[] {
  const stage = stageOf(scope);
  let all = walks.get(stage);
  if (!all) {
    all = scope.node.root.node.findAll();
    walks.set(stage, all);
  }
  return all;
}

/** The app's constructs that `kind` accepts, found once per walk (a validation per secret then checks a few). */
export function appConstructsOfKind(scope: IConstruct, kind: (c: IConstruct) => boolean): readonly IConstruct[] {
  const all = appConstructs(scope);
  let byKind = kinds.get(all);
  if (!byKind) {
    byKind = new Map();
    kinds.set(all, byKind);
  }
  let found = byKind.get(kind);
  if (!found) {
    found = all.filter(kind);
    byKind.set(kind, found);
  }
  return found;
}

/** Makes `scope`'s stage drop the shared walk at the start of each validation pass. */
export function shareAppWalkInValidation(scope: IConstruct): void {
  const stage = stageOf(scope);
  if (resetting.has(stage)) return;
  resetting.add(stage);
  stage.node.addValidation({
    validate: () => {
      walks.delete(stage);
      return [];
    },
  });
}

function stageOf(scope: IConstruct): IConstruct {
  return Stage.of(scope) ?? scope.node.root;
}
