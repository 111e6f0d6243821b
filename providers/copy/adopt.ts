// The copy/adopt protocol of both copy resources' creates: find the copy an interrupted run of this create started (by
// its create tag) or make a new one, remove the leftovers, and settle the finished copy (name, tags, handed over).
import { keptNotice, planAdoption, takeReplaced } from "../adoption";
import { same } from "../common/equality";
import type { EcsApi } from "../ecs/api";
import { clientToken, resourceKey, runToken } from "../ecs/client-token";
import { isCopyNoLongerCancellable, isImageInUse, isImageNameTaken, isImageNotFound } from "../ecs/errors";
import type { ImageStatus, ImageView, Tags } from "../ecs/types";
import { listedAfterCreate } from "../ecs/wait";
import { reportProgress } from "../progress";
import { createTagValue, handedOver, RESERVED_TAGS, readCreateTag, reservedTags } from "../tags";
import type { ImageCopyInputs } from "./args";
import { deleteCopy } from "./delete";
import { IN_PROGRESS } from "./outputs";

/**
 * Marks the copy as handed to the engine (tags.ts handedOver). Without a view of it (ECS could not be asked), it
 * stays as it is: adoption.ts says what that costs.
 */
export async function handOver(api: EcsApi, image: ImageView | undefined): Promise<ImageView | undefined> {
  if (image === undefined) return undefined;
  const tags = handedOver(image.tags);
  if (same(image.tags, tags)) return image;
  await api.setTags("image", image.id, image.tags, tags);
  return { ...image, tags };
}

/** Statuses of a copy that an interrupted create can still finish (a failed one is replaced instead). */
const ADOPTABLE: ReadonlySet<ImageStatus> = new Set(["Creating", "Waiting", "Available"]);

/**
 * The create's fingerprint: the resource's identity and what makes a different copy (source, region, encryption,
 * key, resource group, and `more` a resource adds, such as the source's region). A copy carries it as a tag until its
 * create finished, so a later run of the same create (after a crash the engine never heard of, or an edit of the
 * name, description or tags since) adopts it.
 */
export function copyFingerprint(inputs: ImageCopyInputs, regionId: string, more: Record<string, string> = {}): string {
  return clientToken(inputs.identity, "CopyImage", {
    sourceImageId: inputs.sourceImageId,
    region: regionId,
    encrypted: inputs.encrypted,
    kmsKeyId: inputs.kmsKeyId,
    resourceGroupId: inputs.resourceGroupId,
    ...more,
  });
}

/** How a copy is made, besides its inputs. */
export interface CopyPlan {
  /** The API of the source image's region, where CopyImage is called (the copy's own for a same-region copy). */
  readonly sourceApi: EcsApi;
  /** See copyFingerprint. */
  readonly fingerprint: string;
  /** The provenance tags (PROVENANCE_TAGS) the copy carries, naming the original shared image. */
  readonly provenance: Tags;
}

/**
 * The copy an earlier run of this create started, or a new one. Earlier runs are found by the create tag of this
 * resource and sorted as for instances (adoption.ts planAdoption; a failed copy is never adopted): one adopted, the
 * leftovers cancelled or deleted once this copy is Available (one that instances use is left and reported), finished
 * ones the engine may hold left alone. A new copy is made only after `approve` passed, with a ClientToken of its own
 * for this run (a token answers with its copy even after that copy was deleted, which a destroyed and re-created
 * stack must never get back). The copy is tagged with the plan's provenance (PROVENANCE_TAGS), which is how the
 * approval rule recognises it later.
 */
export async function copyOrAdopt(
  api: EcsApi,
  inputs: ImageCopyInputs,
  plan: CopyPlan,
  approve: () => void,
): Promise<{ id: string; earlier: boolean; leftovers: readonly ImageView[] }> {
  const urn = inputs.identity.urn;
  const key = resourceKey(inputs.identity);
  const { fingerprint } = plan;
  const replaced = takeReplaced(urn);
  const madeHere = (image: ImageView) => {
    const tag = readCreateTag(image.tags);
    if (tag?.resourceKey !== key) return [];
    const sameInputs = tag.fingerprint === fingerprint;
    return [
      { id: image.id, handedOver: tag.state === "done", sameInputs, usable: ADOPTABLE.has(image.status), item: image },
    ];
  };
  const adoption = planAdoption((await api.findImagesByTag(RESERVED_TAGS.create, "")).flatMap(madeHere), replaced);
  for (const image of adoption.kept) reportProgress(urn, keptNotice(image.id), { warning: true });
  const leftovers = adoption.leftovers;
  if (adoption.adopt !== undefined) return { id: adoption.adopt.id, earlier: true, leftovers };
  approve();
  const pending = createTagValue({ state: "pending", resourceKey: key, fingerprint });
  const tags = { ...inputs.tags, ...plan.provenance, [RESERVED_TAGS.create]: pending };
  const copy = () =>
    plan.sourceApi.copyImage({
      sourceImageId: inputs.sourceImageId,
      destinationRegionId: api.regionId,
      name: inputs.name,
      description: inputs.description,
      encrypted: inputs.encrypted,
      kmsKeyId: inputs.kmsKeyId,
      tags,
      resourceGroupId: inputs.resourceGroupId,
      clientToken: runToken(fingerprint),
    });
  let id: string;
  try {
    id = await copy();
  } catch (err) {
    // ECS lists a copy by its tags only eventually; the name is taken at once, so an earlier run's copy that the tag
    // search missed shows up here.
    if (!isImageNameTaken(err)) throw err;
    const [named] = await api.describeImages({ ownerAlias: "self", name: inputs.name });
    const ours = named === undefined ? [] : madeHere(named);
    const adopt = planAdoption(ours, replaced).adopt;
    if (adopt !== undefined) return { id: adopt.id, earlier: true, leftovers };
    if (named === undefined) throw err;
    if (ours.length === 0) {
      // Another resource's copy, or an image made by hand: say which image, and the usual way this happens.
      throw new Error(
        `${(err as Error).message} The name ${inputs.name} belongs to ${named.id} in ${api.regionId}, which this ` +
          "resource did not make: another resource's image (a resource renamed, such as a fleet catalogue entry, " +
          "is created before the old one is deleted, and both cannot have the name), or one made outside Pulumi. " +
          "Fix: set name to another value for this resource; or remove the old resource in one update and add the " +
          `new one in the next; or delete ${named.id} when nothing uses it.`,
      );
    }
    if (!ours[0].handedOver) {
      // A killed run's copy with other inputs (the run was edited since) or one that failed: no state holds it (it
      // would be handed over), and it holds the name this copy needs, so it goes first rather than after this copy.
      reportProgress(
        urn,
        `deleting ${named.id} (${named.status}): an interrupted run of this create made it with other inputs, and it holds the name ${inputs.name}`,
        { warning: true },
      );
      await deleteCopy(named.id, { region: inputs.region, identity: inputs.identity, timeouts: inputs.timeouts });
      id = await copy();
      return listed(
        api,
        id,
        leftovers.filter((image) => image.id !== named.id),
      );
    }
    if (replaced !== undefined && named.id !== replaced) {
      // Not the copy being replaced, so not what the resource is now: an old one whose delete is still pending
      // (a replacement whose deployment stopped before its deletes, then a revert to its name), or a killed run's.
      throw new Error(
        `${(err as Error).message} The name belongs to ${named.id}, an earlier copy of this resource that is not ` +
          "the one being replaced: Pulumi still has to delete it (a deployment stopped before its deletes), or a " +
          `killed run left it. Deleting ${named.id} by hand is safe (a pending delete then finds it gone); or let a ` +
          "deployment finish first (fix what failed, run pulumi up), then change the name back.",
      );
    }
    throw new Error(
      `${(err as Error).message} The name belongs to ${named.id}, a copy this resource made and handed to Pulumi. ` +
        "Either the stack holds it: a replacement that keeps the name and makes the new copy first (pulumi up " +
        "--replace, replaceOnChanges) cannot have both; change name in the same update, or set the resource option " +
        `deleteBeforeReplace. Or a run was killed before Pulumi recorded it: when no resource of the stack has ` +
        `${named.id} (pulumi stack export shows), delete it by hand and run pulumi up again.`,
    );
  }
  return listed(api, id, leftovers);
}

/** The new copy `id` once ECS lists it (it does only eventually: the full listing patience before it is missing). */
async function listed(
  api: EcsApi,
  id: string,
  leftovers: readonly ImageView[],
): Promise<{ id: string; earlier: boolean; leftovers: readonly ImageView[] }> {
  if ((await listedAfterCreate(() => api.getImage(id))) === undefined) {
    throw new Error(
      `CopyImage answered ${id}, but ECS never listed that image; run pulumi up again (the copy, if it appears, is ` +
        "adopted by its tag).",
    );
  }
  return { id, earlier: false, leftovers };
}

/**
 * Cancels a running copy, deletes a finished or failed one; one already gone is removed. One that instances use
 * stays (it is reported): deleting it would only fail.
 */
export async function removeCopy(api: EcsApi, image: ImageView, urn: string): Promise<void> {
  try {
    if (IN_PROGRESS.has(image.status)) {
      await api.cancelCopyImage(image.id);
    } else {
      await api.deleteImage(image.id, false);
    }
  } catch (err) {
    if (isImageNotFound(err)) return;
    if (isImageInUse(err)) {
      reportProgress(urn, `${image.id} is left in place: instances use it`, { warning: true });
      return;
    }
    // It finished between the read and the cancel: delete it.
    if (isCopyNoLongerCancellable(err)) await api.deleteImage(image.id, false);
    else throw err;
  }
}

/**
 * Brings a finished copy to the inputs: name and description (ModifyImageAttribute), the user's tags, the
 * provenance tags (also added to copies made before they existed), and its create marked done. Returns the copy as
 * ECS then reports it.
 */
export async function settleCopy(
  api: EcsApi,
  image: ImageView,
  inputs: ImageCopyInputs,
  provenance: Tags,
): Promise<ImageView> {
  const description = inputs.description ?? image.description;
  if (image.name !== inputs.name || image.description !== description) {
    await api.modifyImageAttribute(image.id, inputs.name, description);
  }
  const kept = reservedTags(image.tags);
  const tag = readCreateTag(image.tags);
  if (tag !== undefined) kept[RESERVED_TAGS.create] = createTagValue({ ...tag, state: "done" });
  const wanted = { ...kept, ...provenance, ...inputs.tags };
  await api.setTags("image", image.id, image.tags, wanted);
  return (await api.getImage(image.id)) ?? image;
}
