// The one gap adoption cannot close alone: a create marks what it made `done` as it hands it to the engine, and an
// engine killed before it saved that result leaves a `done` resource no state holds. A create sent again leaves
// `done` ones alone (one may be held, as an old resource pending deletion), so it would make a second one. After a
// hard kill, the recovery knows more than any create can: the dead run's lock is gone, the state is refreshed, and it
// lists exactly which creates the dead run left unfinished. Their `done` resources that the state does not hold can
// only be what those creates made, so they go back to `pending`, and the creates sent again adopt them.

import { EcsApi } from "./ecs/api";
import { resourceKey } from "./ecs/client-token";
import { dynamicTypeToken, type IdentityInput } from "./resource-identity";
import { createTagValue, RESERVED_TAGS, readCreateTag } from "./tags";

/** The resource types whose creates tag what they make, and the kind of ECS resource that is. */
export const CREATE_TAGGED_TYPES: Readonly<Record<string, "instance" | "image">> = {
  [dynamicTypeToken("ecs-shared-images", "InstanceFromSharedImage")]: "instance",
  [dynamicTypeToken("ecs-shared-images", "SharedImageCopy")]: "image",
  // Its create tag lives on the copy, in the destination region: its `region` input.
  [dynamicTypeToken("ecs-shared-images", "RegionalImageCopy")]: "image",
};

/** A create the killed run left unfinished, from the state's pending operations. */
export interface InterruptedCreate {
  /** "instance" (InstanceFromSharedImage) or "image" (SharedImageCopy, RegionalImageCopy). */
  readonly kind: "instance" | "image";
  readonly identity: IdentityInput;
  readonly region?: string;
}

/**
 * Marks `pending` again what the interrupted creates made and marked `done`, when `held` (every id the refreshed
 * state holds, pending deletions included) does not contain it. Returns the ids it reopened.
 * @internal For the recovery after a hard kill, with no run alive on the stack.
 */
export async function reopenInterruptedCreates(
  creates: readonly InterruptedCreate[],
  held: ReadonlySet<string>,
): Promise<string[]> {
  const reopened: string[] = [];
  for (const create of creates) {
    const api = EcsApi.forRegion(create.region, "recover");
    const key = resourceKey(create.identity);
    const found =
      create.kind === "instance"
        ? await api.findInstancesByTag(RESERVED_TAGS.create, `done:${key}.`)
        : await api.findImagesByTag(RESERVED_TAGS.create, `done:${key}.`);
    for (const resource of found) {
      const tag = readCreateTag(resource.tags);
      if (tag === undefined || held.has(resource.id)) continue;
      await api.setTags(create.kind, resource.id, resource.tags, {
        ...resource.tags,
        [RESERVED_TAGS.create]: createTagValue({ ...tag, state: "pending" }),
      });
      reopened.push(resource.id);
    }
  }
  return reopened;
}
