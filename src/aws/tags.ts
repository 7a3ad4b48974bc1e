/**
 * Every resource ecsctl creates carries `ecsctl:stack=<name>`. That tag is how ecsctl tells its
 * own resources from a neighbour's of the same name: it never adopts, changes or deletes a
 * resource without it.
 */
import { ForeignResourceError } from '../errors.js';

export const STACK_TAG = 'ecsctl:stack';

/** ECR, ELBv2, IAM, CloudWatch Logs style. */
export const keyValueTags = (stack: string) => [{ Key: STACK_TAG, Value: stack }];
/** ECS style (lowercase keys). */
export const ecsTags = (stack: string) => [{ key: STACK_TAG, value: stack }];
/** EC2 TagSpecifications for RunInstances, CreateSecurityGroup, … */
export const ec2TagSpec = <T extends string>(resourceType: T, stack: string, name?: string) => ({
  ResourceType: resourceType,
  Tags: [{ Key: STACK_TAG, Value: stack }, ...(name ? [{ Key: 'Name', Value: name }] : [])],
});

type AnyTag = { Key?: string; Value?: string; key?: string; value?: string };

export function hasStackTag(tags: readonly AnyTag[] | undefined, stack: string): boolean {
  return (tags ?? []).some((t) => (t.Key ?? t.key) === STACK_TAG && (t.Value ?? t.value) === stack);
}

/** Throws unless the resource carries this stack's tag. */
export function assertOwned(kind: string, id: string, tags: readonly AnyTag[] | undefined, stack: string): void {
  if (!hasStackTag(tags, stack)) throw foreignResource(kind, id, stack);
}

export function foreignResource(kind: string, id: string, stack: string): ForeignResourceError {
  return new ForeignResourceError(
    `${kind} ${id} exists but was not created by ecsctl for stack ${stack} (no ${STACK_TAG}=${stack} tag); ecsctl will not adopt or change it`,
    { hint: 'Choose another --name, or remove that resource yourself if it is yours to remove.' },
  );
}
