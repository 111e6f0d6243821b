// SharedImageCopy: copies an image that another account shared with this one into this account (CopyImage, same
// region only), waits until the copy is Available while reporting its progress, and deletes (or cancels) it on
// destroy. The copy is ours: it survives the owner unsharing, deprecating or deleting the source.
import * as pulumi from "@pulumi/pulumi";
import {
  keptNotice,
  noteCheck,
  noteDiff,
  notHandedOver,
  planAdoption,
  recentScan,
  takeReplaced,
  unclaimedBesides,
  unclaimedNotice,
} from "./adoption";
import { EcsApi } from "./ecs/api";
import { resolveSettings, type StackConfig, useStackConfig } from "./ecs/client";
import { clientToken, resourceKey, runToken } from "./ecs/client-token";
import {
  EcsError,
  formatDuration,
  InvalidInputError,
  isCopyNoLongerCancellable,
  isImageInUse,
  isImageNameTaken,
  isImageNotFound,
  TimeoutError,
  WaitFailedError,
} from "./ecs/errors";
import type { ImageStatus, ImageView, Tags } from "./ecs/types";
import {
  type Acceptor,
  DEFAULT_TIMEOUTS,
  imageAvailable,
  imageGone,
  listedAfterCreate,
  poll,
  pollDelays,
  resolveTimeouts,
  type Timeouts,
  type TimeoutsInput,
  timeoutsFailures,
} from "./ecs/wait";
import { announce, copyReplaceNotice } from "./notices";
import { asOperations } from "./operation";
import { forPartialState, partialState } from "./partial";
import {
  type ApprovalPolicy,
  evaluateImage,
  PROVENANCE_TAGS,
  type PropertyFailure,
  provenanceTags,
  RefusedError,
  validateApprovalPolicy,
} from "./policy/approval";
import { progressDelivered, reportProgress } from "./progress";
import { quietErrors } from "./quiet-errors";
import { dynamicTypeToken, type IdentityInput, identityInput, identityProblem } from "./resource-identity";
import { thinProvider } from "./shim";
import {
  createTagValue,
  handedOver,
  RESERVED_TAGS,
  readCreateTag,
  reservedTags,
  userTagFailures,
  userTags,
} from "./tags";
import { containsUnknown, dropUndefined } from "./wire-values";

export const SHARED_IMAGE_COPY_MODULE = "pulumi-ecs-shared-images/providers/shared-image-copy";
export const SHARED_IMAGE_COPY_TYPE = dynamicTypeToken("ecs-shared-images", "SharedImageCopy");

/** What happens to the copy on `pulumi destroy` (or when it is replaced). */
export interface SharedImageCopyDeleteOptions {
  /**
   * DeleteImage with Force=true: delete the copy even when instances use it or it is shared with other accounts
   * (the instances keep running, but can no longer re-initialize their disks from it). Default false: such a copy
   * makes the delete fail with the reason. Changing it updates state only.
   */
  readonly force?: boolean;
  /**
   * Cancel a copy that is still running (CancelCopyImage) instead of waiting for it to finish before deleting it.
   * Default true. Changing it updates state only.
   */
  readonly cancelRunningCopy?: boolean;
}

/** Arguments of a SharedImageCopy. */
export interface SharedImageCopyArgs {
  /**
   * Id of the image to copy: an image another account shared with this one (ImageOwnerAlias "others"), Available,
   * not deprecated and approved by `approval`. Required. Changing it replaces the copy.
   */
  readonly sourceImageId: pulumi.Input<string>;
  /**
   * Region of the source image, and so of the copy: ECS copies an image shared by another account only within its
   * own region. Default: the stack's `alicloud:region` (else ALICLOUD_REGION / ALIBABA_CLOUD_REGION). Changing it
   * (also through the default) replaces the copy.
   */
  readonly region?: pulumi.Input<string>;
  /**
   * Name of the copy: 2-128 characters, starting with a letter; letters, digits, ".", ":", "_" and "-"; not starting
   * with http://, https://, acs: or aliyun. Unique per account and region. Default: the resource's name. Changing it
   * renames the copy in place.
   */
  readonly name?: pulumi.Input<string>;
  /**
   * Description of the copy, at most 256 characters, not starting with http:// or https://. Default: ECS gives the
   * copy the source's description, and the description is then left as ECS has it. Changing it updates in place.
   */
  readonly description?: pulumi.Input<string>;
  /**
   * Encrypt the copy's snapshots (with `kmsKeyId`, else the ECS service key). Required (true) when the source is
   * encrypted. Default false. Changing it replaces the copy.
   */
  readonly encrypted?: pulumi.Input<boolean>;
  /** KMS key (of this account, in the region) to encrypt the copy with; needs `encrypted: true`. Default: the service key. Changing it replaces the copy. */
  readonly kmsKeyId?: pulumi.Input<string>;
  /**
   * Tags of the copy (at most 16: ECS allows 20, and the package keeps up to 4 of its own), managed exactly: keys
   * missing here are removed. Keys starting with "ecs-shared-images:" are reserved: the provider tags each copy with
   * its source (owner, image id and name) so the approval rule can trace the copy back to an approved image; those
   * tags are kept on the copy and never appear in `tags`. Default none. Changing them updates in place.
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Resource group of the copy. Default: the account's default group. Changing it replaces the copy. */
  readonly resourceGroupId?: pulumi.Input<string>;
  /**
   * Which shared images may be copied (owner allow-list, optional id/name allow-lists, paid images). Required. It is
   * applied whenever a copy is made (create or replacement), at preview time; an existing copy is this account's own
   * image and stays as it is whatever later happens to the source. Changing it updates state only.
   */
  readonly approval: pulumi.Input<ApprovalPolicy>;
  /**
   * How long to wait: `create` for the copy to become Available (default 6h; also used when a later `pulumi up`
   * resumes waiting for a copy that timed out), `update` for in-place changes (default 6h), `delete` (default 20m).
   * Durations like "45m", "2h", "1h30m" or milliseconds. Changing them updates state only.
   */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
  /** See SharedImageCopyDeleteOptions. Changing them updates state only. */
  readonly deleteOptions?: pulumi.Input<SharedImageCopyDeleteOptions>;
}

/** Inputs as the provider sees them after check(): plain values, `region` and `name` resolved. */
export interface SharedImageCopyInputs {
  readonly identity: IdentityInput;
  readonly sourceImageId: string;
  readonly region: string;
  readonly name: string;
  readonly description?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly tags?: Tags;
  readonly resourceGroupId?: string;
  readonly approval: ApprovalPolicy;
  readonly timeouts?: TimeoutsInput;
  readonly deleteOptions?: SharedImageCopyDeleteOptions;
}

/** State of a copy: the inputs plus what ECS reports. Name, description, tags and encryption are read back. */
export interface SharedImageCopyOutputs extends SharedImageCopyInputs {
  readonly imageId: string;
  readonly status: ImageStatus;
  /** 0-100; 100 once Available. */
  readonly progress: number;
  readonly sourceOwnerId: string;
  readonly sourceImageName: string;
  /** The account that owns the copy (its ImageOwnerId as DescribeImages reports it); "" until ECS lists the copy. */
  readonly accountId: string;
  readonly description: string;
  /** The copy's tags without the provider's own (provenance) tags. */
  readonly tags: Tags;
  /** Whether the copy's snapshots are encrypted, as ECS reports it. */
  readonly encrypted: boolean;
  /** The KMS key the copy was made with; "" = the service key or not encrypted. */
  readonly kmsKeyId: string;
  /** GiB. */
  readonly size: number;
  readonly isCopied: boolean;
  readonly creationTime?: string;
  readonly osType?: string;
  readonly platform?: string;
  readonly architecture?: string;
}

export interface SharedImageCopyDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** The properties that change in place (for tests and messages; the engine computes its own detail). */
  readonly updates: string[];
  readonly deleteBeforeReplace: boolean;
}

// ---- pure rules ----

const INPUT_KEYS = [
  "identity",
  "sourceImageId",
  "region",
  "name",
  "description",
  "encrypted",
  "kmsKeyId",
  "tags",
  "resourceGroupId",
  "approval",
  "timeouts",
  "deleteOptions",
] as const;
/** Engine-owned keys, and outputs a refresh may have copied into inputs. */
const IGNORED_KEYS = new Set(["__provider"]);
const SOURCE_IMAGE_ID = /^m-[A-Za-z0-9]{1,60}$/;
const REGION_ID = /^[a-z]{2}-[a-z0-9-]{1,40}$/;
const IMAGE_NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5.:_-]{1,127}$/;
const RESERVED_PREFIX = /^(https?:\/\/|acs:|aliyun)/i;
const RESOURCE_GROUP_ID = /^rg-[A-Za-z0-9]{1,64}$/;
const REPLACING_KEYS = ["sourceImageId", "region", "encrypted", "kmsKeyId", "resourceGroupId"] as const;
const IN_PROGRESS: ReadonlySet<ImageStatus> = new Set(["Creating", "Waiting"]);

const quote = (value: unknown) => JSON.stringify(value);

/** Why `name` cannot be an ECS image name, or undefined when it can. */
export function imageNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return `must be a string, got ${quote(name)}`;
  if (name.length < 2 || name.length > 128) return `must be 2-128 characters long, got ${name.length}: ${quote(name)}`;
  if (RESERVED_PREFIX.test(name)) return `must not start with http://, https://, acs: or aliyun, got ${quote(name)}`;
  if (!IMAGE_NAME.test(name)) {
    return `must start with a letter and contain only letters, digits, ".", ":", "_" and "-", got ${quote(name)}`;
  }
  return undefined;
}

function deleteOptionFailures(value: unknown): PropertyFailure[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [
      { property: "deleteOptions", reason: `must be an object with force, cancelRunningCopy; got ${quote(value)}` },
    ];
  }
  return Object.entries(value).flatMap(([key, v]) => {
    if (key !== "force" && key !== "cancelRunningCopy") {
      return [{ property: `deleteOptions.${key}`, reason: "is not a delete option; use force, cancelRunningCopy" }];
    }
    return v === undefined || typeof v === "boolean"
      ? []
      : [{ property: `deleteOptions.${key}`, reason: `must be true or false, got ${quote(v)}` }];
  });
}

/**
 * Format and rule checks of SharedImageCopy inputs (no ECS calls). Values still unknown during preview are skipped.
 * `region` and `name` may be missing here: check() resolves their defaults first.
 */
export function validateSharedImageCopyInputs(news: Record<string, unknown>): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const known = (key: string) => news[key] !== undefined && !containsUnknown(news[key]);

  for (const key of Object.keys(news)) {
    if (!IGNORED_KEYS.has(key) && !(INPUT_KEYS as readonly string[]).includes(key) && news[key] !== undefined) {
      fail(key, `is not an input of SharedImageCopy; use ${INPUT_KEYS.filter((k) => k !== "identity").join(", ")}`);
    }
  }
  if (!containsUnknown(news.identity)) {
    const problem = identityProblem(news.identity);
    if (problem) fail("identity", problem);
  }
  if (news.sourceImageId === undefined) {
    fail("sourceImageId", "is required: the id of an image another account shared with this one");
  } else if (
    known("sourceImageId") &&
    !(typeof news.sourceImageId === "string" && SOURCE_IMAGE_ID.test(news.sourceImageId))
  ) {
    fail("sourceImageId", `must be a custom image id like "m-bp1abc...", got ${quote(news.sourceImageId)}`);
  }
  if (known("region") && !(typeof news.region === "string" && REGION_ID.test(news.region))) {
    fail("region", `must be a region id like "cn-hangzhou", got ${quote(news.region)}`);
  }
  if (known("name")) {
    const problem = imageNameProblem(news.name);
    if (problem) fail("name", problem);
  }
  if (known("description")) {
    const d = news.description;
    if (typeof d !== "string" || d.length > 256 || /^https?:\/\//i.test(d)) {
      fail("description", `must be at most 256 characters and not start with http:// or https://, got ${quote(d)}`);
    }
  }
  if (known("encrypted") && typeof news.encrypted !== "boolean") {
    fail("encrypted", `must be true or false, got ${quote(news.encrypted)}`);
  }
  if (known("kmsKeyId")) {
    if (typeof news.kmsKeyId !== "string" || news.kmsKeyId === "" || news.kmsKeyId.length > 128) {
      fail("kmsKeyId", `must be a KMS key id of 1-128 characters, got ${quote(news.kmsKeyId)}`);
    } else if (news.encrypted !== true && !containsUnknown(news.encrypted)) {
      fail("kmsKeyId", `a KMS key (${quote(news.kmsKeyId)}) encrypts the copy only with encrypted: true; set it`);
    }
  }
  if (known("tags")) failures.push(...userTagFailures(news.tags, "image"));
  if (
    known("resourceGroupId") &&
    !(typeof news.resourceGroupId === "string" && RESOURCE_GROUP_ID.test(news.resourceGroupId))
  ) {
    fail("resourceGroupId", `must be a resource group id like "rg-acfm...", got ${quote(news.resourceGroupId)}`);
  }
  if (news.approval === undefined) {
    fail("approval", "is required: the approval policy (approvedOwners, ...) the source image must satisfy");
  } else if (!containsUnknown(news.approval)) {
    failures.push(...validateApprovalPolicy(news.approval, "approval"));
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, copyTimeoutDefaults));
  if (known("deleteOptions")) failures.push(...deleteOptionFailures(news.deleteOptions));
  return failures;
}

const copyTimeoutDefaults: Timeouts = {
  create: DEFAULT_TIMEOUTS.imageCopy,
  update: DEFAULT_TIMEOUTS.imageCopy,
  delete: DEFAULT_TIMEOUTS.imageDelete,
};

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

/**
 * What changes between the stored state (`olds`: outputs, as read back from ECS) and the checked inputs (`news`).
 * Source, region, encryption, KMS key and resource group replace; name, description and tags update in place; the
 * provider-only inputs (approval, timeouts, deleteOptions, identity) update state only. A copy that failed
 * (CreateFailed) can never become Available, so it is replaced. `changes` is always definite.
 */
export function diffSharedImageCopy(
  olds: Partial<SharedImageCopyOutputs>,
  news: SharedImageCopyInputs,
): SharedImageCopyDiff {
  const replaces: string[] = [];
  const updates: string[] = [];
  const differs = (a: unknown, b: unknown) => (a ?? "") !== (b ?? "");
  if (olds.sourceImageId !== news.sourceImageId) replaces.push("sourceImageId");
  if (olds.region !== news.region) replaces.push("region");
  if ((olds.encrypted ?? false) !== (news.encrypted ?? false)) replaces.push("encrypted");
  if (differs(olds.kmsKeyId, news.kmsKeyId)) replaces.push("kmsKeyId");
  if (differs(olds.resourceGroupId, news.resourceGroupId)) replaces.push("resourceGroupId");
  if (olds.status === "CreateFailed") replaces.push("status");

  if (olds.name !== news.name) updates.push("name");
  // An unset description leaves the one ECS gave the copy (the source's) alone.
  if (news.description !== undefined && differs(olds.description, news.description)) updates.push("description");
  if (!sameJson(olds.tags ?? {}, news.tags ?? {})) updates.push("tags");
  for (const key of ["approval", "timeouts", "deleteOptions", "identity"] as const) {
    if (!sameJson(olds[key], news[key])) updates.push(key);
  }
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    updates,
    // Image names are unique per account and region: a replacement keeping both must delete the old copy first.
    // (`pulumi up --replace` asks no diff: it makes the new copy first, which a kept name refuses; create says so.)
    deleteBeforeReplace: olds.name === news.name && olds.region === news.region,
  };
}

/** Whether these inputs make a new copy (create or replacement), so the source must be checked again. */
export function makesNewCopy(olds: Partial<SharedImageCopyInputs>, news: SharedImageCopyInputs): boolean {
  if (olds.sourceImageId === undefined) return true;
  return REPLACING_KEYS.some((key) => (olds[key] ?? "") !== (news[key] ?? ""));
}

const ALIAS_TEXT: Readonly<Record<string, string>> = {
  self: "an image of this account",
  system: "a public image",
  marketplace: "a marketplace image",
};

/**
 * Rules on the source image as DescribeImages shows it to this account (pure; check() looks the image up). Each
 * reason names the image and its owner.
 */
export function sourceImageFailures(
  image: ImageView,
  inputs: Pick<SharedImageCopyInputs, "approval" | "encrypted">,
): PropertyFailure[] {
  const subject = `image ${image.id}${image.name === "" ? "" : ` ("${image.name}")`} of owner ${image.ownerId || "(none)"}`;
  if (image.ownerAlias !== "others") {
    return [
      {
        property: "sourceImageId",
        reason:
          `${subject} is ${ALIAS_TEXT[image.ownerAlias] ?? image.ownerAlias}, not an image shared by another account; ` +
          "SharedImageCopy copies shared images only",
      },
    ];
  }
  const failures = evaluateImage(image, inputs.approval).reasons.map((reason) => ({
    property: "sourceImageId",
    reason,
  }));
  if (image.encrypted && inputs.encrypted !== true) {
    failures.push({
      property: "encrypted",
      reason: `${subject} is encrypted, so its copy must be encrypted too: set encrypted to true (and kmsKeyId to use your own key)`,
    });
  }
  return failures;
}

// ---- ECS-facing helpers ----

function timeoutsOf(inputs: Pick<SharedImageCopyInputs, "timeouts">): Timeouts {
  return resolveTimeouts(inputs.timeouts, copyTimeoutDefaults);
}

/** What is known about the source of a copy (looked up at create time, kept in state). */
interface SourceInfo {
  readonly ownerId?: string;
  readonly name?: string;
}

/** The state of a copy: the inputs, with everything ECS reports about the image taking precedence. */
export function copyOutputs(
  inputs: SharedImageCopyInputs,
  id: string,
  image: ImageView | undefined,
  source: SourceInfo,
): SharedImageCopyOutputs {
  const status = image?.status ?? "Waiting";
  return dropUndefined({
    identity: inputs.identity,
    sourceImageId: inputs.sourceImageId,
    region: inputs.region,
    approval: inputs.approval,
    timeouts: inputs.timeouts,
    deleteOptions: inputs.deleteOptions,
    resourceGroupId: inputs.resourceGroupId,
    imageId: id,
    name: image?.name ?? inputs.name,
    description: image?.description ?? inputs.description ?? "",
    tags: userTags(image?.tags ?? inputs.tags ?? {}),
    status,
    progress: status === "Available" || status === "Deprecated" ? 100 : (image?.progressPercent ?? 0),
    sourceOwnerId: source.ownerId ?? "",
    sourceImageName: source.name ?? "",
    accountId: image?.ownerId ?? "",
    encrypted: image?.encrypted ?? inputs.encrypted ?? false,
    kmsKeyId: inputs.kmsKeyId ?? "",
    size: image?.size ?? 0,
    isCopied: image?.isCopied ?? true,
    creationTime: image?.creationTime,
    osType: image?.osType,
    platform: image?.platform,
    architecture: image?.architecture,
  });
}

/** Partial state (see providers/partial.ts) with the copy's outputs. */
function keepInState(err: unknown, id: string, inputs: SharedImageCopyInputs, outputs: SharedImageCopyOutputs): Error {
  return partialState(err, id, inputs, dropUndefined({ ...outputs }));
}

/**
 * Marks the copy as handed to the engine (tags.ts handedOver). Without a view of it (ECS could not be asked), it
 * stays as it is: adoption.ts says what that costs.
 */
async function handOver(api: EcsApi, image: ImageView | undefined): Promise<ImageView | undefined> {
  if (image === undefined) return undefined;
  const tags = handedOver(image.tags);
  if (sameJson(image.tags, tags)) return image;
  await api.setTags("image", image.id, image.tags, tags);
  return { ...image, tags };
}

/** Waits for the copy to become Available, reporting its percentage beside the resource in `pulumi up`. */
async function waitForCopy(
  api: EcsApi,
  id: string,
  inputs: SharedImageCopyInputs,
  timeoutMs: number,
): Promise<ImageView> {
  const urn = inputs.identity.urn;
  let lastShown = "";
  const image = (await poll({
    describe: () => api.getImage(id),
    acceptor: imageAvailable(),
    what: `the copy ${id} of ${inputs.sourceImageId} to become Available`,
    timeoutMs,
    ...pollDelays(),
    onProgress: ({ reason, elapsedMs, remainingMs }) => {
      if (reason === lastShown) return;
      lastShown = reason;
      reportProgress(
        urn,
        `copy ${id} of ${inputs.sourceImageId}: ${reason} (${formatDuration(elapsedMs) || "0s"} elapsed, ` +
          `timeout in ${formatDuration(Math.max(remainingMs, 0)) || "0s"})`,
        { ephemeral: true },
      );
    },
  })) as ImageView;
  reportProgress(urn, `copy ${id} of ${inputs.sourceImageId} is Available (${image.size} GiB)`);
  await progressDelivered();
  return image;
}

/** What a failed wait last saw, so partial state shows the real status and progress. */
function lastObserved(err: unknown): ImageView | undefined {
  if (err instanceof TimeoutError) return err.lastObserved as ImageView | undefined;
  if (err instanceof WaitFailedError) return err.observed as ImageView | undefined;
  return undefined;
}

/** Statuses of a copy that an interrupted create can still finish (a failed one is replaced instead). */
const ADOPTABLE: ReadonlySet<ImageStatus> = new Set(["Creating", "Waiting", "Available"]);

/**
 * The create's fingerprint: the resource's identity and what makes a different copy (source, region, encryption,
 * key, resource group). A copy carries it as a tag until its create finished, so a later run of the same create
 * (after a crash the engine never heard of, or an edit of the name, description or tags since) adopts it.
 */
export function copyFingerprint(inputs: SharedImageCopyInputs, regionId: string): string {
  return clientToken(inputs.identity, "CopyImage", {
    sourceImageId: inputs.sourceImageId,
    region: regionId,
    encrypted: inputs.encrypted,
    kmsKeyId: inputs.kmsKeyId,
    resourceGroupId: inputs.resourceGroupId,
  });
}

/**
 * The copy an earlier run of this create started, or a new one. Earlier runs are found by the create tag of this
 * resource and sorted as for instances (adoption.ts planAdoption; a failed copy is never adopted): one adopted, the
 * leftovers cancelled or deleted once this copy is Available (one that instances use is left and reported), finished
 * ones the engine may hold left alone. A new copy is made only after `approve` passed, with a ClientToken of its own
 * for this run (a token answers with its copy even after that copy was deleted, which a destroyed and re-created
 * stack must never get back). The copy is tagged with its source (PROVENANCE_TAGS), which is how the approval rule
 * recognises it later.
 */
async function copyOrAdopt(
  api: EcsApi,
  inputs: SharedImageCopyInputs,
  source: SourceInfo,
  approve: () => void,
): Promise<{ id: string; earlier: boolean; leftovers: readonly ImageView[] }> {
  const urn = inputs.identity.urn;
  const key = resourceKey(inputs.identity);
  const fingerprint = copyFingerprint(inputs, api.regionId);
  const replaced = takeReplaced(urn);
  const madeHere = (image: ImageView) => {
    const tag = readCreateTag(image.tags);
    if (tag?.resourceKey !== key) return [];
    const sameInputs = tag.fingerprint === fingerprint;
    return [
      { id: image.id, handedOver: tag.state === "done", sameInputs, usable: ADOPTABLE.has(image.status), item: image },
    ];
  };
  const plan = planAdoption((await api.findImagesByTag(RESERVED_TAGS.create, "")).flatMap(madeHere), replaced);
  for (const image of plan.kept) reportProgress(urn, keptNotice(image.id), { warning: true });
  const leftovers = plan.leftovers;
  if (plan.adopt !== undefined) return { id: plan.adopt.id, earlier: true, leftovers };
  approve();
  const pending = createTagValue({ state: "pending", resourceKey: key, fingerprint });
  const tags = {
    ...inputs.tags,
    ...provenanceTags({ ...source, imageId: inputs.sourceImageId }),
    [RESERVED_TAGS.create]: pending,
  };
  let id: string;
  try {
    id = await api.copyImage({
      sourceImageId: inputs.sourceImageId,
      name: inputs.name,
      description: inputs.description,
      encrypted: inputs.encrypted,
      kmsKeyId: inputs.kmsKeyId,
      tags,
      resourceGroupId: inputs.resourceGroupId,
      clientToken: runToken(fingerprint),
    });
  } catch (err) {
    // ECS lists a copy by its tags only eventually; the name is taken at once, so an earlier run's copy that the tag
    // search missed shows up here.
    if (!isImageNameTaken(err)) throw err;
    const [named] = await api.describeImages({ ownerAlias: "self", name: inputs.name });
    const ours = named === undefined ? [] : madeHere(named);
    const adopt = planAdoption(ours, replaced).adopt;
    if (adopt !== undefined) return { id: adopt.id, earlier: true, leftovers };
    if (ours.length === 0) throw err;
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
  // ECS lists a new copy only eventually: give it the full listing patience before reporting it missing.
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
async function removeCopy(api: EcsApi, image: ImageView, urn: string): Promise<void> {
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
async function settleCopy(
  api: EcsApi,
  image: ImageView,
  inputs: SharedImageCopyInputs,
  source: SourceInfo,
): Promise<ImageView> {
  const description = inputs.description ?? image.description;
  if (image.name !== inputs.name || image.description !== description) {
    await api.modifyImageAttribute(image.id, inputs.name, description);
  }
  const kept = reservedTags(image.tags);
  const tag = readCreateTag(image.tags);
  if (tag !== undefined) kept[RESERVED_TAGS.create] = createTagValue({ ...tag, state: "done" });
  const wanted = { ...kept, ...provenanceTags({ ...source, imageId: inputs.sourceImageId }), ...inputs.tags };
  await api.setTags("image", image.id, image.tags, wanted);
  return (await api.getImage(image.id)) ?? image;
}

/** Stops waiting once a cancelled copy is gone or no longer running. */
const copyStopped: Acceptor<ImageView | undefined> = (image) =>
  image === undefined || !IN_PROGRESS.has(image.status)
    ? { state: "success", reason: image === undefined ? "deleted" : image.status }
    : { state: "retry", reason: `still ${image.status}` };

// ---- the provider ----

async function check(olds: object, news: object): Promise<pulumi.dynamic.CheckResult<SharedImageCopyInputs>> {
  const inputs: Record<string, unknown> = { ...news };
  const failures: PropertyFailure[] = [];
  const identity = inputs.identity as IdentityInput | undefined;
  const oldInputs = olds as Partial<SharedImageCopyInputs>;
  if (typeof identity?.urn === "string") noteCheck(identity.urn, oldInputs.identity !== undefined);
  if (inputs.name === undefined && identity && typeof identity.name === "string") {
    if (imageNameProblem(identity.name) === undefined) inputs.name = identity.name;
    else {
      failures.push({
        property: "name",
        reason: `is not set, and the resource name ${quote(identity.name)} is not a valid image name (${imageNameProblem(identity.name)}); set name`,
      });
    }
  }
  if (inputs.region === undefined) {
    try {
      inputs.region = resolveSettings(undefined, "DescribeImages").regionId;
    } catch (err) {
      if (err instanceof InvalidInputError && err.property === "region")
        failures.push({ property: "region", reason: err.reason });
      // Missing credentials are reported below, where the source lookup needs them.
      else if (!(err instanceof EcsError)) throw err;
    }
  }
  failures.push(...validateSharedImageCopyInputs(inputs));
  const checked = inputs as unknown as SharedImageCopyInputs;
  const lookupBlocked = failures.some((f) => /^(sourceImageId|region|approval|identity)/.test(f.property));
  const unknown = ["sourceImageId", "region", "approval", "encrypted"].some((k) => containsUnknown(inputs[k]));
  if (!lookupBlocked && !unknown && makesNewCopy(olds as Partial<SharedImageCopyInputs>, checked)) {
    failures.push(...(await sourceLookupFailures(checked)));
  }
  return { inputs: dropUndefined(checked), failures };
}

/** Read-only: the source must be visible here, shared, approved and Available; a cross-region copy is refused. */
async function sourceLookupFailures(inputs: SharedImageCopyInputs): Promise<PropertyFailure[]> {
  try {
    const api = EcsApi.forRegion(inputs.region, "DescribeImages");
    const image = await api.getImage(inputs.sourceImageId);
    if (image) return sourceImageFailures(image, inputs);
    const elsewhere = await findInDefaultRegion(inputs);
    if (elsewhere && elsewhere.ownerAlias === "others") {
      return [
        {
          property: "region",
          reason:
            `a cross-region copy is refused: image ${elsewhere.id} ("${elsewhere.name}") of owner ${elsewhere.ownerId} is in ` +
            `${elsewhere.regionId}, and ECS copies an image shared by another account only within its own region ` +
            `(OperationDenied.SameRegionOnly); set region to "${elsewhere.regionId}"`,
        },
      ];
    }
    return [
      {
        property: "sourceImageId",
        reason:
          `image ${inputs.sourceImageId} is not visible to this account in ${inputs.region}: it does not exist there, ` +
          "or its owner has not shared it with this account (or revoked the share)",
      },
    ];
  } catch (err) {
    if (err instanceof InvalidInputError) return [{ property: err.property, reason: err.reason }];
    if (err instanceof EcsError) {
      return [{ property: "sourceImageId", reason: `could not be checked: ${err.message}` }];
    }
    throw err;
  }
}

/** The source looked up in the stack's default region, when the copy is for another one. */
async function findInDefaultRegion(inputs: SharedImageCopyInputs): Promise<ImageView | undefined> {
  let defaultRegion: string;
  try {
    defaultRegion = resolveSettings(undefined, "DescribeImages").regionId;
  } catch (err) {
    // No usable default region or credentials: there is nowhere else to look. Anything else is a bug.
    if (err instanceof InvalidInputError || err instanceof EcsError) return undefined;
    throw err;
  }
  if (defaultRegion === inputs.region) return undefined;
  return EcsApi.forRegion(defaultRegion, "DescribeImages").getImage(inputs.sourceImageId);
}

async function create(inputs: SharedImageCopyInputs): Promise<pulumi.dynamic.CreateResult<SharedImageCopyOutputs>> {
  const api = EcsApi.forRegion(inputs.region, "CopyImage");
  const timeouts = timeoutsOf(inputs);
  const source = await api.getImage(inputs.sourceImageId);
  const sourceInfo: SourceInfo = { ownerId: source?.ownerId, name: source?.name };
  // Every path that makes a copy passes the current approval here: check() sees no reason to look again for a
  // replacement of a failed copy, `pulumi up --replace`, or an approval tightened after the preview.
  const approve = () => {
    const failures: PropertyFailure[] =
      source === undefined
        ? [{ property: "sourceImageId", reason: `image ${inputs.sourceImageId} is not visible to this account` }]
        : sourceImageFailures(source, inputs);
    if (failures.length > 0) throw new RefusedError(failures, `Copying image ${inputs.sourceImageId}`);
  };
  const { id, earlier, leftovers } = await copyOrAdopt(api, inputs, sourceInfo, approve);
  reportProgress(
    inputs.identity.urn,
    earlier
      ? `resuming copy ${id} of ${inputs.sourceImageId}, started by an interrupted run (timeout ${formatDuration(timeouts.create)})`
      : `copying ${inputs.sourceImageId} of owner ${sourceInfo.ownerId ?? "?"} to ${id} in ${api.regionId}` +
          ` (timeout ${formatDuration(timeouts.create)})`,
  );
  try {
    const image = await waitForCopy(api, id, inputs, timeouts.create);
    // What earlier runs left goes only now that this copy is Available: a create that fails removes nothing.
    for (const leftover of leftovers) {
      reportProgress(
        inputs.identity.urn,
        `deleting ${leftover.id} (${leftover.status}): an interrupted run of this create made it`,
        { warning: true },
      );
      await removeCopy(api, leftover, inputs.identity.urn);
    }
    // Last, so that only the engine's record of the result is missing after it (adoption.ts).
    const settled = await settleCopy(api, image, inputs, sourceInfo);
    return { id, outs: copyOutputs(inputs, id, settled, sourceInfo) };
  } catch (err) {
    // The copy exists: keep it in state, handed over, so the next `pulumi up` resumes waiting (or replaces a failed
    // copy); when ECS cannot even be asked that, it is not handed over, and the next create adopts it
    // (adoption.ts notHandedOver).
    const seen = lastObserved(err) ?? (await forPartialState(() => api.getImage(id)));
    if ((await forPartialState(() => handOver(api, seen))) === undefined) throw notHandedOver(err, id);
    throw keepInState(err, id, inputs, copyOutputs(inputs, id, lastObserved(err), sourceInfo));
  }
}

async function read(
  id: string,
  props: object,
): Promise<pulumi.dynamic.ReadResult<SharedImageCopyOutputs | Record<string, never>>> {
  const stored = props as Partial<SharedImageCopyOutputs>;
  const api = EcsApi.forRegion(stored.region, "DescribeImages");
  const image = await api.getImage(id);
  if (!image) return { id: "", props: {} };
  if (stored.identity?.urn) {
    const key = resourceKey(stored.identity);
    const found = await recentScan(`images:${api.regionId}`, () => api.findImagesByTag(RESERVED_TAGS.create, ""));
    for (const other of unclaimedBesides(id, key, found)) {
      reportProgress(stored.identity.urn, unclaimedNotice(other), { warning: true });
    }
  }
  const inputs = { ...stored, region: api.regionId } as SharedImageCopyInputs;
  // An adopted copy (opts.id) has no stored source: its provenance tags tell it.
  const source: SourceInfo = {
    ownerId: stored.sourceOwnerId || image.tags[PROVENANCE_TAGS.sourceOwner],
    name: stored.sourceImageName || image.tags[PROVENANCE_TAGS.sourceImageName],
  };
  return { id, props: copyOutputs(inputs, id, image, source) };
}

async function update(
  id: string,
  olds: SharedImageCopyOutputs,
  news: SharedImageCopyInputs,
): Promise<pulumi.dynamic.UpdateResult<SharedImageCopyOutputs>> {
  const api = EcsApi.forRegion(news.region, "ModifyImageAttribute");
  const timeouts = timeoutsOf(news);
  const source: SourceInfo = { ownerId: olds.sourceOwnerId, name: olds.sourceImageName };
  let image = await api.getImage(id);
  if (!image) {
    throw new Error(
      `The copy ${id} no longer exists in ${api.regionId} (deleted outside Pulumi?). Fix: run pulumi refresh, then pulumi up to copy again.`,
    );
  }
  // Update is called only for what the engine holds: a copy still marked unfinished is handed over now.
  await handOver(api, image);
  if (IN_PROGRESS.has(image.status)) {
    // An earlier run timed out (partial state): resume waiting, with the create timeout the user may have raised.
    reportProgress(news.identity.urn, `resuming the wait for copy ${id} (${image.status})`);
    try {
      image = await waitForCopy(api, id, news, timeouts.create);
    } catch (err) {
      throw keepInState(err, id, news, copyOutputs(news, id, lastObserved(err) ?? image, source));
    }
  }
  const after = await settleCopy(api, image, news, source);
  return { outs: copyOutputs(news, id, after, source) };
}

async function deleteCopy(id: string, props: SharedImageCopyOutputs): Promise<void> {
  const api = EcsApi.forRegion(props.region, "DeleteImage");
  const timeouts = timeoutsOf(props);
  const urn = props.identity?.urn;
  const delays = pollDelays();
  let image = await api.getImage(id);
  if (!image) return;
  if (IN_PROGRESS.has(image.status)) {
    if (props.deleteOptions?.cancelRunningCopy === false) {
      if (urn) reportProgress(urn, `waiting for the running copy ${id} to finish before deleting it`);
      image = await poll({
        describe: () => api.getImage(id),
        acceptor: imageAvailable(),
        what: `the copy ${id} to finish before deleting it`,
        timeoutMs: timeouts.delete,
        ...delays,
      });
    } else {
      try {
        await api.cancelCopyImage(id);
        if (urn) reportProgress(urn, `cancelled the running copy ${id} (was ${image.status})`);
      } catch (err) {
        if (isImageNotFound(err)) return;
        // The copy finished between the read and the cancel: delete it below.
        if (!isCopyNoLongerCancellable(err)) throw err;
      }
      image = await poll({
        describe: () => api.getImage(id),
        acceptor: copyStopped,
        what: `the cancelled copy ${id} to stop`,
        timeoutMs: timeouts.delete,
        ...delays,
      });
      if (!image) return;
    }
  }
  try {
    await api.deleteImage(id, props.deleteOptions?.force === true);
  } catch (err) {
    if (isImageNotFound(err)) return;
    if (isImageInUse(err) && err instanceof EcsError) throw await inUseError(api, id, err);
    throw err;
  }
  await poll({
    describe: () => api.getImage(id),
    acceptor: imageGone,
    what: `the copy ${id} to be deleted`,
    timeoutMs: timeouts.delete,
    ...delays,
  });
}

/**
 * DeleteImage's refusal of a copy still in use, said once with the one fix that fits: the instances running on it
 * are named; those of InstanceFromSharedImage (they carry its create tag) go first, as a destroy does; any other
 * (typically one a SystemDiskReplacement without revertOnDelete left on the copy) keeps the copy alive unless reverted
 * or the copy is kept.
 */
async function inUseError(api: EcsApi, id: string, err: EcsError): Promise<EcsError> {
  const users =
    err.code === "ImageUsingByInstance"
      ? (await api.instancesUsingImage(id)).map((i) => ({ id: i.id, ours: readCreateTag(i.tags) !== undefined }))
      : [];
  return new EcsError({ ...err, ...inUseMessage(id, err.code, users) });
}

/** The sentence and the fix for a copy DeleteImage refused (pure). */
export function inUseMessage(
  id: string,
  code: string,
  users: readonly { readonly id: string; readonly ours: boolean }[],
): { sentence: string; hint: string } {
  if (code !== "ImageUsingByInstance") {
    return {
      sentence: `the copy ${id} is shared with other accounts`,
      hint: "unshare it first, or set deleteOptions.force: true to delete it anyway.",
    };
  }
  const others = users.filter((u) => !u.ours).map((u) => u.id);
  const named = users.length === 0 ? "instances" : `${users.map((u) => u.id).join(", ")}`;
  const sentence = `the copy ${id} is the image of ${named}`;
  if (others.length === 0) {
    return {
      sentence,
      hint: "those are InstanceFromSharedImage instances of a stack: delete them, or move them to another image, first.",
    };
  }
  // By now a SystemDiskReplacement that left its instance here is gone (a destroy deletes it first) with its
  // record of the previous image: keeping the copy is what works from here.
  const them = others.length === 1 ? "it" : "them";
  return {
    sentence,
    hint:
      `${others.join(", ")} ${others.length === 1 ? "is" : "are"} not an InstanceFromSharedImage (a ` +
      "SystemDiskReplacement without revertOnDelete leaves its instance on the copy): keep the copy for " +
      `${them} with the resource option retainOnDelete: true, run pulumi up, then delete again (or move ${them} ` +
      "to another image first).",
  };
}

/** The SharedImageCopy dynamic provider (loaded in the provider process through the thin shim). */
export const provider = quietErrors(
  asOperations(timeoutsOf, {
    async configure(req: { config: StackConfig }): Promise<void> {
      useStackConfig(req.config);
    },
    check,
    async diff(id: string, olds: SharedImageCopyOutputs, news: SharedImageCopyInputs) {
      const { changes, replaces, deleteBeforeReplace } = diffSharedImageCopy(olds, news);
      const urn = news.identity?.urn ?? olds.identity?.urn;
      if (urn !== undefined) noteDiff(urn, id, replaces.length > 0);
      if (replaces.length > 0) announce(urn, copyReplaceNotice(id, replaces, deleteBeforeReplace));
      return { changes, replaces, deleteBeforeReplace };
    },
    create,
    read,
    update,
    delete: deleteCopy,
  } satisfies pulumi.dynamic.ResourceProvider),
);

/**
 * A copy, in this account, of an image another account shared with it. The copy survives the owner unsharing or
 * deleting the source; instances can then be built from `imageId`.
 */
export class SharedImageCopy extends pulumi.dynamic.Resource {
  /** Id of the copy (an image of this account). */
  declare readonly imageId: pulumi.Output<string>;
  /** Available once the copy finished; Creating/Waiting while it runs; Deprecated when someone deprecated it. */
  declare readonly status: pulumi.Output<ImageStatus>;
  /** Copy progress in percent (100 once Available). */
  declare readonly progress: pulumi.Output<number>;
  declare readonly sourceImageId: pulumi.Output<string>;
  /** Account that owns (and shared) the source image. */
  declare readonly sourceOwnerId: pulumi.Output<string>;
  declare readonly sourceImageName: pulumi.Output<string>;
  /**
   * The account that owns the copy (this stack's account, as DescribeImages reports the copy's ImageOwnerId). Pass it
   * to `ramPolicyDocument(approval, { selfAccountId })`, or the RAM policy denies instances from the stack's copies.
   */
  declare readonly accountId: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** Whether the copy is encrypted, as ECS reports it. */
  declare readonly encrypted: pulumi.Output<boolean>;
  /** KMS key the copy was encrypted with; "" for the service key or no encryption. */
  declare readonly kmsKeyId: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  declare readonly resourceGroupId: pulumi.Output<string | undefined>;
  /** GiB. */
  declare readonly size: pulumi.Output<number>;
  declare readonly isCopied: pulumi.Output<boolean>;
  declare readonly creationTime: pulumi.Output<string | undefined>;
  declare readonly osType: pulumi.Output<string | undefined>;
  declare readonly platform: pulumi.Output<string | undefined>;
  declare readonly architecture: pulumi.Output<string | undefined>;

  constructor(name: string, args: SharedImageCopyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      thinProvider(SHARED_IMAGE_COPY_MODULE),
      name,
      {
        ...args,
        region: args.region,
        name: args.name,
        description: args.description,
        encrypted: args.encrypted,
        kmsKeyId: args.kmsKeyId,
        tags: args.tags,
        resourceGroupId: args.resourceGroupId,
        identity: identityInput(SHARED_IMAGE_COPY_TYPE, name, opts),
        imageId: undefined,
        status: undefined,
        progress: undefined,
        sourceOwnerId: undefined,
        sourceImageName: undefined,
        accountId: undefined,
        size: undefined,
        isCopied: undefined,
        creationTime: undefined,
        osType: undefined,
        platform: undefined,
        architecture: undefined,
      },
      opts,
      "ecs-shared-images",
      "SharedImageCopy",
    );
  }
}
