// SharedImageCopy's input rules and the rules on the source image as ECS shows it: pure (no ECS calls), so check()
// and the fleet config share them and a table test pins every message.
import { CUSTOM_IMAGE_ID, kmsKeyIdFailure, kmsKeyWithoutEncryption, matches, quote, REGION_ID } from "../common/rules";
import type { ImageView } from "../ecs/types";
import { timeoutsFailures } from "../ecs/wait";
import { evaluateImage, type PropertyFailure, validateApprovalPolicy } from "../policy/approval";
import { identityProblem } from "../resource-identity";
import { userTagFailures } from "../tags";
import { containsUnknown } from "../wire-values";
import { copyTimeoutDefaults, type SharedImageCopyInputs } from "./args";

/** The inputs both copy resources have, in the order an unknown-input failure lists them. */
export const IMAGE_COPY_INPUT_KEYS = [
  "identity",
  "sourceImageId",
  "region",
  "name",
  "description",
  "encrypted",
  "kmsKeyId",
  "tags",
  "resourceGroupId",
  "timeouts",
  "deleteOptions",
] as const;
const INPUT_KEYS = [...IMAGE_COPY_INPUT_KEYS, "approval"];
/** Engine-owned keys, and outputs a refresh may have copied into inputs. */
const IGNORED_KEYS = new Set(["__provider"]);
const IMAGE_NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5.:_-]{1,127}$/;
const RESERVED_PREFIX = /^(https?:\/\/|acs:|aliyun)/i;
const RESOURCE_GROUP_ID = /^rg-[A-Za-z0-9]{1,64}$/;

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
 * The format and rule checks both copy resources apply to the copy they make (no ECS calls): unknown keys (`type` and
 * its `inputKeys` named), identity, name, description, encryption, tags, resource group, timeouts and delete options.
 * Values still unknown during preview are skipped.
 */
export function imageCopyInputFailures(
  news: Record<string, unknown>,
  type: string,
  inputKeys: readonly string[],
): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const known = (key: string) => news[key] !== undefined && !containsUnknown(news[key]);

  for (const key of Object.keys(news)) {
    if (!IGNORED_KEYS.has(key) && !inputKeys.includes(key) && news[key] !== undefined) {
      fail(key, `is not an input of ${type}; use ${inputKeys.filter((k) => k !== "identity").join(", ")}`);
    }
  }
  if (!containsUnknown(news.identity)) {
    const problem = identityProblem(news.identity);
    if (problem) fail("identity", problem);
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
    const problem = kmsKeyIdFailure(news.kmsKeyId);
    if (problem !== undefined) fail("kmsKeyId", problem);
    else if (news.encrypted !== true && !containsUnknown(news.encrypted)) {
      fail("kmsKeyId", kmsKeyWithoutEncryption(news.kmsKeyId, "the copy"));
    }
  }
  if (known("tags")) failures.push(...userTagFailures(news.tags, "image"));
  if (
    known("resourceGroupId") &&
    !(typeof news.resourceGroupId === "string" && RESOURCE_GROUP_ID.test(news.resourceGroupId))
  ) {
    fail("resourceGroupId", `must be a resource group id like "rg-acfm...", got ${quote(news.resourceGroupId)}`);
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, copyTimeoutDefaults));
  if (known("deleteOptions")) failures.push(...deleteOptionFailures(news.deleteOptions));
  return failures;
}

/** The rule on a source image id (`what` says which image is expected), or undefined when it holds or is unknown. */
export function sourceImageIdFailure(value: unknown, what: string): PropertyFailure | undefined {
  if (value === undefined) return { property: "sourceImageId", reason: `is required: the id of ${what}` };
  if (!containsUnknown(value) && !matches(CUSTOM_IMAGE_ID)(value)) {
    return { property: "sourceImageId", reason: `must be a custom image id like "m-bp1abc...", got ${quote(value)}` };
  }
  return undefined;
}

/** The rule on a region id input, or undefined when it holds or is unset or unknown. */
export function regionIdFailure(property: string, value: unknown): PropertyFailure | undefined {
  if (value === undefined || containsUnknown(value) || matches(REGION_ID)(value)) return undefined;
  return { property, reason: `must be a region id like "cn-hangzhou", got ${quote(value)}` };
}

/**
 * Format and rule checks of SharedImageCopy inputs (no ECS calls). Values still unknown during preview are skipped.
 * `region` and `name` may be missing here: check() resolves their defaults first.
 */
export function validateSharedImageCopyInputs(news: Record<string, unknown>): PropertyFailure[] {
  const failures = imageCopyInputFailures(news, "SharedImageCopy", INPUT_KEYS);
  const source = sourceImageIdFailure(news.sourceImageId, "an image another account shared with this one");
  if (source) failures.push(source);
  const region = regionIdFailure("region", news.region);
  if (region) failures.push(region);
  if (news.approval === undefined) {
    failures.push({
      property: "approval",
      reason: "is required: the approval policy (approvedOwners, ...) the source image must satisfy",
    });
  } else if (!containsUnknown(news.approval)) {
    failures.push(...validateApprovalPolicy(news.approval, "approval"));
  }
  return failures;
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
  const subject = imageSubject(image);
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
  failures.push(...encryptionFailures(image, inputs.encrypted));
  return failures;
}

/** How a failure names a source image: its id, name and owner. */
export function imageSubject(image: ImageView): string {
  return `image ${image.id}${image.name === "" ? "" : ` ("${image.name}")`} of owner ${image.ownerId || "(none)"}`;
}

/** The copy of an encrypted image is encrypted whatever it asks: it must say so, or its state would never match. */
export function encryptionFailures(image: ImageView, encrypted: boolean | undefined): PropertyFailure[] {
  if (!image.encrypted || encrypted === true) return [];
  return [
    {
      property: "encrypted",
      reason: `${imageSubject(image)} is encrypted, so its copy must be encrypted too: set encrypted to true (and kmsKeyId to use your own key)`,
    },
  ];
}
