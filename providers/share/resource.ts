// The ImageShare resource class (the program side): its definition (type token, entry module) and outputs.
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource, defineDynamicResource } from "../common/dynamic-resource";
import type { ImageShareArgs } from "./args";

/** The entry module is providers/image-share.ts. */
export const IMAGE_SHARE = defineDynamicResource({
  type: "ImageShare",
  entryModule: "pulumi-ecs-shared-images/providers/image-share",
});

/**
 * The owner's side of sharing: one image of this account shared with a list of accounts (ModifyImageSharePermission).
 * Accounts already shared when it is created are adopted; deleting it removes exactly the accounts it manages.
 */
export class ImageShare extends DynamicResource {
  declare readonly imageId: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  /** The managed accounts ECS lists as shared (after a refresh, one unshared outside Pulumi is missing). */
  declare readonly accountIds: pulumi.Output<string[]>;
  /** Managed accounts ECS no longer lists (unshared outside Pulumi); `pulumi up` shares with them again. */
  declare readonly missingAccountIds: pulumi.Output<string[]>;
  /** Accounts shared outside Pulumi; with `exclusive` (the default), `pulumi up` removes them. */
  declare readonly unmanagedAccountIds: pulumi.Output<string[]>;
  /** Accounts that were already shared when the resource was created. */
  declare readonly adoptedAccountIds: pulumi.Output<string[]>;
  declare readonly exclusive: pulumi.Output<boolean>;
  /** The image owner's account (this stack's). */
  declare readonly ownerAccountId: pulumi.Output<string>;
  declare readonly imageName: pulumi.Output<string>;

  constructor(name: string, args: ImageShareArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      IMAGE_SHARE,
      name,
      {
        ...args,
        region: args.region,
        exclusive: args.exclusive,
        missingAccountIds: undefined,
        unmanagedAccountIds: undefined,
        adoptedAccountIds: undefined,
        ownerAccountId: undefined,
        imageName: undefined,
      },
      opts,
    );
  }
}
