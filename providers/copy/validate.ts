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
  } else if (known("sourceImageId") && !matches(CUSTOM_IMAGE_ID)(news.sourceImageId)) {
    fail("sourceImageId", `must be a custom image id like "m-bp1abc...", got ${quote(news.sourceImageId)}`);
  }
  if (known("region") && !matches(REGION_ID)(news.region)) {
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
  if (news.approval === undefined) {
    fail("approval", "is required: the approval policy (approvedOwners, ...) the source image must satisfy");
  } else if (!containsUnknown(news.approval)) {
    failures.push(...validateApprovalPolicy(news.approval, "approval"));
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, copyTimeoutDefaults));
  if (known("deleteOptions")) failures.push(...deleteOptionFailures(news.deleteOptions));
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
