// ImageShare's dynamic provider: check (with read-only looks at the image, its share list and a DryRun of the
// accounts to add), diff (announcing unshares), create, read, update and delete wired to the pure plan of this
// folder. Every change is computed from the share list ECS reports now, so a run that stopped between calls resumes.
import type * as pulumi from "@pulumi/pulumi";
import { same } from "../common/equality";
import { checkedRegion, configure } from "../common/lifecycle";
import { EcsApi } from "../ecs/api";
import { EcsError, InvalidInputError, isImageNotFound } from "../ecs/errors";
import { MAX_SHARE_ACCOUNTS } from "../ecs/shares";
import type { ImageView } from "../ecs/types";
import { announce, unshareNotice } from "../notices";
import { asOperations } from "../operation";
import { forPartialState, partialState } from "../partial";
import type { PropertyFailure } from "../policy/approval";
import { reportProgress } from "../progress";
import { quietErrors } from "../quiet-errors";
import { containsUnknown, dropUndefined } from "../wire-values";
import { type ImageShareInputs, type ImageShareOutputs, timeoutsOf } from "./args";
import { diffImageShare } from "./diff";
import { afterPlan, managedAccounts, planShares, type SharePlan, shareOutputs } from "./plan";
import { accountIdsFailures, shareImageFailures, validateImageShareInputs } from "./validate";

/** Resolves `region` and `exclusive`, applies the input rules, then looks at the image and the accounts in ECS. */
async function check(olds: object, news: object): Promise<pulumi.dynamic.CheckResult<ImageShareInputs>> {
  const inputs: Record<string, unknown> = { ...news };
  const failures: PropertyFailure[] = [];
  const { region, failure } = checkedRegion(inputs.region as string | undefined, "check");
  if (failure !== undefined) failures.push(failure);
  inputs.region = region;
  inputs.exclusive ??= true;
  failures.push(...validateImageShareInputs(inputs));
  const checked = inputs as unknown as ImageShareInputs;
  const blocked = failures.some((f) => /^(imageId|region|accountIds|exclusive|identity)/.test(f.property));
  const unknown = ["imageId", "region", "accountIds", "exclusive"].some((k) => containsUnknown(inputs[k]));
  if (!blocked && !unknown) failures.push(...(await cloudFailures(olds as Partial<ImageShareInputs>, checked)));
  return { inputs: dropUndefined(checked), failures };
}

/** Read-only (and DryRun): the image must be ours and shareable, the accounts must exist and fit the quota. */
async function cloudFailures(olds: Partial<ImageShareInputs>, inputs: ImageShareInputs): Promise<PropertyFailure[]> {
  try {
    const api = EcsApi.forRegion(inputs.region, "check");
    const image = await api.getImage(inputs.imageId);
    if (image === undefined) {
      return [{ property: "imageId", reason: `image ${inputs.imageId} does not exist in ${inputs.region}` }];
    }
    // Known now: the owner's own account (the other account rules passed before ECS was asked).
    const ownAccount =
      image.ownerAlias === "self" ? accountIdsFailures(inputs.accountIds, "accountIds", image.ownerId) : [];
    if (ownAccount.length > 0) return ownAccount;
    const sameImage = olds.imageId === inputs.imageId && olds.region === inputs.region;
    const live = image.ownerAlias === "self" ? await api.sharedAccounts(inputs.imageId) : [];
    const plan = planShares(live, inputs.accountIds, sameImage ? (olds.accountIds ?? []) : [], inputs.exclusive);
    const refused = shareImageFailures(image, plan.add.length > 0);
    if (refused.length > 0) return refused;
    const after = afterPlan(live, plan);
    if (after.length > MAX_SHARE_ACCOUNTS) return [quotaFailure(live, inputs, after.length)];
    // A create that takes over a share list: what it removes is said now (an update's removals are said by diff).
    if (olds.imageId === undefined && plan.remove.length > 0) {
      announce(inputs.identity.urn, unshareNotice(inputs.imageId, plan.remove, await inUse(api, inputs.imageId)));
    }
    const refusals = await api.shareRefusals(inputs.imageId, plan.add);
    return [...refusals].map(([account, err]) => ({
      property: `accountIds[${inputs.accountIds.indexOf(account)}]`,
      reason: `${account} is refused by ECS: ${err instanceof Error ? err.message : String(err)}`,
    }));
  } catch (err) {
    if (err instanceof InvalidInputError) return [{ property: err.property, reason: err.reason }];
    if (err instanceof EcsError) return [{ property: "imageId", reason: `could not be checked: ${err.message}` }];
    throw err;
  }
}

function quotaFailure(live: readonly string[], inputs: ImageShareInputs, count: number): PropertyFailure {
  const listed = new Set(inputs.accountIds);
  const outside = live.filter((id) => !listed.has(id));
  return {
    property: "accountIds",
    reason:
      `would share image ${inputs.imageId} with ${count} accounts; ECS allows at most ${MAX_SHARE_ACCOUNTS} per image ` +
      `(QuotaExceed.ShareImageUser). ${outside.length} of them are shared outside Pulumi and kept (exclusive: false): ` +
      `${outside.slice(0, 5).join(", ")}${outside.length > 5 ? ` and ${outside.length - 5} more` : ""}; remove ` +
      "accounts from accountIds, unshare those, or set exclusive to true",
  };
}

/** Whether ECS reports instances created from the image; undefined when ECS cannot be asked now (the warning stands). */
async function inUse(api: EcsApi, imageId: string): Promise<boolean | undefined> {
  try {
    return await api.imageInUse(imageId);
  } catch (err) {
    if (err instanceof EcsError) return undefined;
    throw err;
  }
}

/** The image as its owner sees it, or an error saying why it cannot be shared. */
async function ownImage(api: EcsApi, imageId: string): Promise<ImageView> {
  const image = await api.getImage(imageId);
  if (image === undefined) {
    throw new Error(
      `Image ${imageId} does not exist in ${api.regionId} (deleted outside Pulumi?); only an existing image of this ` +
        "account can be shared. Fix: check imageId and region, then run pulumi up again.",
    );
  }
  if (image.ownerAlias !== "self") throw notOwnedError(image, api.regionId);
  return image;
}

function notOwnedError(image: ImageView, regionId: string): Error {
  return new Error(
    `Image ${image.id} in ${regionId} belongs to account ${image.ownerId || "(none)"}, not to the account of the ` +
      "stack's credentials; only an image's owner can read or change its shares. Fix: use the owner account's " +
      "credentials (alicloud:accessKey and alicloud:secretKey of the stack).",
  );
}

/**
 * Carries out `plan`. When a call fails after earlier ones changed the share list, the resource is kept in state
 * (partial state) with what ECS lists then, so nothing is left unrecorded; the next `pulumi up` continues.
 */
async function apply(
  api: EcsApi,
  inputs: ImageShareInputs,
  image: ImageView,
  live: readonly string[],
  plan: SharePlan,
  managedBefore: readonly string[],
  adopted: readonly string[],
): Promise<ImageShareOutputs> {
  const what = [
    plan.add.length > 0 ? `sharing ${inputs.imageId} with ${plan.add.join(", ")}` : "",
    plan.remove.length > 0 ? `unsharing it from ${plan.remove.join(", ")}` : "",
    plan.kept.length > 0 ? `${plan.kept.length} account(s) already shared` : "",
  ].filter((part) => part !== "");
  if (what.length > 0) reportProgress(inputs.identity.urn, what.join("; "));
  try {
    await api.modifyImageShares(inputs.imageId, plan);
  } catch (err) {
    const now = await forPartialState(() => api.sharedAccounts(inputs.imageId));
    // Nothing changed, or ECS cannot say what did: a plain failure. Shares an unrecorded create made are then found
    // by the next create, which adopts them (they are in the desired list), so none is lost track of.
    if (now === undefined || same([...now].sort(), [...live].sort())) throw err;
    // Managed now: the accounts asked for and those still shared of what it managed before.
    const managed = [...inputs.accountIds, ...managedBefore.filter((id) => now.includes(id))];
    const outs = dropUndefined(shareOutputs(inputs, image, now, managed, adopted));
    throw partialState(err, inputs.imageId, inputs, { ...outs });
  }
  return dropUndefined(shareOutputs(inputs, image, afterPlan(live, plan), inputs.accountIds, adopted));
}

async function create(inputs: ImageShareInputs): Promise<pulumi.dynamic.CreateResult<ImageShareOutputs>> {
  const api = EcsApi.forRegion(inputs.region, "create");
  const image = await ownImage(api, inputs.imageId);
  const live = await api.sharedAccounts(inputs.imageId);
  const plan = planShares(live, inputs.accountIds, [], inputs.exclusive);
  // Accounts already shared are adopted: managed from now on (destroy removes them), recorded as adopted.
  const outs = await apply(api, inputs, image, live, plan, [], plan.kept);
  return { id: inputs.imageId, outs };
}

async function read(
  id: string,
  props: object,
): Promise<pulumi.dynamic.ReadResult<ImageShareOutputs | Record<string, never>>> {
  const stored = props as Partial<ImageShareOutputs>;
  const api = EcsApi.forRegion(stored.region, "read");
  const imageId = stored.imageId ?? id;
  const image = await api.getImage(imageId);
  // A deleted image has no share list left.
  if (image === undefined) return { id: "", props: {} };
  // Visible but not ours: the credentials are another account's, which says nothing about the share (and must not
  // drop it from state).
  if (image.ownerAlias !== "self") throw notOwnedError(image, api.regionId);
  const live = await api.sharedAccounts(imageId);
  // Adopted with the resource option `id`: the program's accountIds are what it manages.
  const managed = managedAccounts(stored);
  const inputs = { ...stored, imageId, region: api.regionId, exclusive: stored.exclusive ?? true } as ImageShareInputs;
  return { id, props: dropUndefined(shareOutputs(inputs, image, live, managed, stored.adoptedAccountIds ?? [])) };
}

async function update(
  _id: string,
  olds: ImageShareOutputs,
  news: ImageShareInputs,
): Promise<pulumi.dynamic.UpdateResult<ImageShareOutputs>> {
  const api = EcsApi.forRegion(news.region, "update");
  const image = await ownImage(api, news.imageId);
  const live = await api.sharedAccounts(news.imageId);
  const managedBefore = managedAccounts(olds);
  const plan = planShares(live, news.accountIds, managedBefore, news.exclusive);
  return { outs: await apply(api, news, image, live, plan, managedBefore, olds.adoptedAccountIds ?? []) };
}

/** Removes exactly the accounts this resource manages; accounts shared outside Pulumi stay. */
async function deleteShare(id: string, props: ImageShareOutputs): Promise<void> {
  const api = EcsApi.forRegion(props.region, "delete");
  const imageId = props.imageId ?? id;
  let live: string[];
  try {
    live = await api.sharedAccounts(imageId);
  } catch (err) {
    // The image is gone, and its shares with it.
    if (isImageNotFound(err)) return;
    throw err;
  }
  const managed = new Set(managedAccounts(props));
  const remove = live.filter((account) => managed.has(account));
  if (remove.length === 0) return;
  if (props.identity?.urn) reportProgress(props.identity.urn, `unsharing ${imageId} from ${remove.join(", ")}`);
  await api.modifyImageShares(imageId, { add: [], remove });
}

/** The ImageShare dynamic provider (loaded in the provider process through the thin shim). */
export const provider = quietErrors(
  asOperations(timeoutsOf, {
    configure,
    check,
    async diff(_id: string, olds: ImageShareOutputs, news: ImageShareInputs) {
      const { changes, replaces, removedAccounts } = diffImageShare(olds, news);
      const urn = news.identity?.urn ?? olds.identity?.urn;
      if (removedAccounts.length > 0 && urn !== undefined && olds.imageId !== undefined) {
        const api = EcsApi.forRegion(olds.region, "diff");
        announce(urn, unshareNotice(olds.imageId, removedAccounts, await inUse(api, olds.imageId)));
      }
      return { changes, replaces, deleteBeforeReplace: false };
    },
    create,
    read,
    update,
    delete: deleteShare,
  } satisfies pulumi.dynamic.ResourceProvider),
);
