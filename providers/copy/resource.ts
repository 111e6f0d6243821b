// The SharedImageCopy resource class (the program side): its definition (type token, entry module) and outputs, on
// the base both copy resource classes share (the outputs every copy has).
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource, type DynamicResourceDefinition, defineDynamicResource } from "../common/dynamic-resource";
import type { ImageStatus } from "../ecs/types";
import type { SharedImageCopyArgs } from "./args";
import { IMAGE_COPY_INPUT_KEYS } from "./validate";

/** The entry module is providers/shared-image-copy.ts. */
export const SHARED_IMAGE_COPY = defineDynamicResource({
  type: "SharedImageCopy",
  entryModule: "pulumi-ecs-shared-images/providers/shared-image-copy",
});

/** The outputs: registered even when the program leaves the matching input out. */
const COPY_OUTPUTS = [
  ...IMAGE_COPY_INPUT_KEYS.filter((key) => key !== "identity"),
  "imageId",
  "status",
  "progress",
  "sourceOwnerId",
  "sourceImageName",
  "accountId",
  "size",
  "isCopied",
  "creationTime",
  "osType",
  "platform",
  "architecture",
];

/** What every copy resource outputs: the copy as ECS reports it and the original shared image it traces back to. */
export abstract class ImageCopyResource extends DynamicResource {
  /** Id of the copy (an image of this account in `region`). */
  declare readonly imageId: pulumi.Output<string>;
  /** Available once the copy finished; Creating/Waiting while it runs; Deprecated when someone deprecated it. */
  declare readonly status: pulumi.Output<ImageStatus>;
  /** Copy progress in percent (100 once Available). */
  declare readonly progress: pulumi.Output<number>;
  declare readonly sourceImageId: pulumi.Output<string>;
  /** Account that owns (and shared) the original image. */
  declare readonly sourceOwnerId: pulumi.Output<string>;
  /** Name of the original shared image. */
  declare readonly sourceImageName: pulumi.Output<string>;
  /**
   * The account that owns the copy (this stack's account, as DescribeImages reports the copy's ImageOwnerId). Pass it
   * to `ramPolicyDocument(approval, { selfAccountId })`, or the RAM policy denies instances from the stack's copies.
   */
  declare readonly accountId: pulumi.Output<string>;
  /** Region of the copy. */
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

  /** `more`: the outputs of the resource's own inputs besides the common ones. */
  protected constructor(
    definition: DynamicResourceDefinition,
    name: string,
    args: object,
    more: readonly string[],
    opts?: pulumi.CustomResourceOptions,
  ) {
    const given = args as Record<string, unknown>;
    const outputs = Object.fromEntries([...COPY_OUTPUTS, ...more].map((key) => [key, given[key]]));
    super(definition, name, { ...given, ...outputs }, opts);
  }
}

/**
 * A copy, in this account, of an image another account shared with it. The copy survives the owner unsharing or
 * deleting the source; instances can then be built from `imageId`.
 */
export class SharedImageCopy extends ImageCopyResource {
  constructor(name: string, args: SharedImageCopyArgs, opts?: pulumi.CustomResourceOptions) {
    super(SHARED_IMAGE_COPY, name, args, [], opts);
  }
}
