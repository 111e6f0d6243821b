// The RegionalImageCopy resource class (the program side): its definition (type token, entry module) and outputs.
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource, defineDynamicResource } from "../common/dynamic-resource";
import type { ImageStatus } from "../ecs/types";
import type { RegionalImageCopyArgs } from "./args";

/** The entry module is providers/regional-image-copy.ts. */
export const REGIONAL_IMAGE_COPY = defineDynamicResource({
  type: "RegionalImageCopy",
  entryModule: "pulumi-ecs-shared-images/providers/regional-image-copy",
});

/**
 * A copy, in another region, of an image of this account (typically a SharedImageCopy: the second hop of taking a
 * shared image to another region). It carries its source's provenance, so the approval rule trusts it as it trusts
 * the source; instances in `region` can then be built from `imageId`.
 */
export class RegionalImageCopy extends DynamicResource {
  /** Id of the copy (an image of this account in `region`). */
  declare readonly imageId: pulumi.Output<string>;
  /** Available once the copy finished; Creating/Waiting while it runs; Deprecated when someone deprecated it. */
  declare readonly status: pulumi.Output<ImageStatus>;
  /** Copy progress in percent (100 once Available). */
  declare readonly progress: pulumi.Output<number>;
  declare readonly sourceImageId: pulumi.Output<string>;
  declare readonly sourceRegion: pulumi.Output<string>;
  /** Account that owns (and shared) the original image, from the source's provenance; "" when it has none. */
  declare readonly sourceOwnerId: pulumi.Output<string>;
  /** Name of the original shared image, from the source's provenance. */
  declare readonly sourceImageName: pulumi.Output<string>;
  /** The account that owns the copy (this stack's account). */
  declare readonly accountId: pulumi.Output<string>;
  /** Region of the copy. */
  declare readonly region: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** Whether the copy is encrypted, as ECS reports it. */
  declare readonly encrypted: pulumi.Output<boolean>;
  /** KMS key (of `region`) the copy was encrypted with; "" for the service key or no encryption. */
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

  constructor(name: string, args: RegionalImageCopyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      REGIONAL_IMAGE_COPY,
      name,
      {
        ...args,
        sourceRegion: args.sourceRegion,
        name: args.name,
        description: args.description,
        encrypted: args.encrypted,
        kmsKeyId: args.kmsKeyId,
        tags: args.tags,
        resourceGroupId: args.resourceGroupId,
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
    );
  }
}
