// RegionalImageCopy's input rules and the rules on its source and destination as ECS shows them: pure (no ECS calls),
// so check() and create share them and a table test pins every message.
import { imageNotVisible, quote } from "../common/rules";
import {
  encryptionFailures,
  IMAGE_COPY_INPUT_KEYS,
  imageCopyInputFailures,
  imageSubject,
  regionIdFailure,
  sourceImageIdFailure,
} from "../copy/validate";
import type { ImageView, Tags } from "../ecs/types";
import type { PropertyFailure } from "../policy/approval";
import { provenanceOf } from "../tags";
import { containsUnknown } from "../wire-values";
import type { RegionalImageCopyInputs } from "./args";

const INPUT_KEYS = [...IMAGE_COPY_INPUT_KEYS, "sourceRegion"];

/**
 * Format and rule checks of RegionalImageCopy inputs (no ECS calls). Values still unknown during preview are skipped.
 * `sourceRegion` and `name` may be missing here: check() resolves their defaults first.
 */
export function validateRegionalImageCopyInputs(news: Record<string, unknown>): PropertyFailure[] {
  const failures = imageCopyInputFailures(news, "RegionalImageCopy", INPUT_KEYS);
  const source = sourceImageIdFailure(news.sourceImageId, "an image of this account in sourceRegion");
  if (source) failures.push(source);
  for (const key of ["sourceRegion", "region"]) {
    const failure = regionIdFailure(key, news[key]);
    if (failure) failures.push(failure);
  }
  if (news.region === undefined) {
    failures.push({ property: "region", reason: 'is required: the region to copy the image to, like "cn-shanghai"' });
  } else if (!containsUnknown(news.region) && news.region === news.sourceRegion) {
    failures.push({
      property: "region",
      reason:
        `is the source's region (${quote(news.region)}): a RegionalImageCopy copies to another region; ` +
        "use SharedImageCopy within one region, or set region to another one",
    });
  }
  return failures;
}

/** Source and destination must be regions ECS knows (DescribeRegions answered `known`). */
export function regionFailures(
  inputs: Pick<RegionalImageCopyInputs, "sourceRegion" | "region">,
  known: readonly string[],
): PropertyFailure[] {
  return (["sourceRegion", "region"] as const).flatMap((property) =>
    known.includes(inputs[property])
      ? []
      : [
          {
            property,
            reason: `${quote(inputs[property])} is not a region ECS knows; use one of ${[...known].sort().join(", ")}`,
          },
        ],
  );
}

/**
 * Rules on the source as DescribeImages shows it in `sourceRegion` (undefined: not found there): an image of this
 * account (the cross-account rule: a shared image is first copied in its own region), Available, and an encrypted
 * source copied encrypted.
 */
export function regionalSourceFailures(
  image: ImageView | undefined,
  inputs: Pick<RegionalImageCopyInputs, "sourceImageId" | "sourceRegion" | "encrypted">,
): PropertyFailure[] {
  if (image === undefined) {
    return [{ property: "sourceImageId", reason: imageNotVisible(inputs.sourceImageId, inputs.sourceRegion) }];
  }
  if (image.ownerAlias !== "self") {
    return [
      {
        property: "sourceImageId",
        reason:
          `${imageSubject(image)} is not an image of this account: ECS copies an image another account shared only ` +
          `within its own region (OperationDenied.SameRegionOnly); copy it in ${inputs.sourceRegion} with ` +
          "SharedImageCopy first, and set sourceImageId to that copy's imageId",
      },
    ];
  }
  if (image.status !== "Available") {
    return [
      {
        property: "sourceImageId",
        reason: `${imageSubject(image)} is ${image.status}; only an Available image can be copied (wait for it, or use another)`,
      },
    ];
  }
  return encryptionFailures(image, inputs.encrypted);
}

/**
 * The provenance a copy of `source` carries: its provenance tags when it is itself a copy (IsCopied, which only ECS
 * sets). Tags written on an image the account made itself prove nothing, and copying it must not turn them into a
 * copy's provenance that the approval rule would trust.
 */
export function carriedProvenance(source: ImageView | undefined): Tags {
  return source?.isCopied === true ? provenanceOf(source.tags) : {};
}

/** The preview's warning for a source whose copy will carry no provenance (undefined when it will). */
export function noProvenanceWarning(source: ImageView): string | undefined {
  if (Object.keys(carriedProvenance(source)).length > 0) return undefined;
  return (
    `${imageSubject(source)} is not a copy of a shared image (no provenance from SharedImageCopy), so neither is ` +
    "this copy: InstanceFromSharedImage's approval refuses it unless this account is an approved owner"
  );
}
