// The RegionalImageCopy resource class (the program side): its definition (type token, entry module) and outputs.
import type * as pulumi from "@pulumi/pulumi";
import { defineDynamicResource } from "../common/dynamic-resource";
import { ImageCopyResource } from "../copy/resource";
import type { RegionalImageCopyArgs } from "./args";

/** The entry module is providers/regional-image-copy.ts. */
export const REGIONAL_IMAGE_COPY = defineDynamicResource({
  type: "RegionalImageCopy",
  entryModule: "pulumi-ecs-shared-images/providers/regional-image-copy",
});

/**
 * A copy, in another region, of an image of this account (typically a SharedImageCopy: the second hop of taking a
 * shared image to another region). It carries its source's provenance, so the approval rule trusts it as it trusts
 * the source; instances in `region` can then be built from `imageId`. Its sourceOwnerId and sourceImageName name the
 * original shared image (empty when the source is no copy of one).
 */
export class RegionalImageCopy extends ImageCopyResource {
  /** Region of the source image. */
  declare readonly sourceRegion: pulumi.Output<string>;

  constructor(name: string, args: RegionalImageCopyArgs, opts?: pulumi.CustomResourceOptions) {
    super(REGIONAL_IMAGE_COPY, name, args, ["sourceRegion"], opts);
  }
}
