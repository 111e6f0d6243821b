// The owner stack's program: one ImageShare per entry of `shares`, so the image-owner team manages who may use its
// golden images as code. Shares that exist already (the demo world's, or any made by hand) are adopted by the first
// `up` without a call, then managed: refresh shows an account unshared or added by hand, `up` restores the list.
import * as pulumi from "@pulumi/pulumi";
import { ImageShare } from "pulumi-ecs-shared-images";
import type { OwnerConfig } from "./owner-config";

export interface SharedImage {
  imageId: string;
  accountIds: string[];
  missingAccountIds: string[];
  unmanagedAccountIds: string[];
  adoptedAccountIds: string[];
}

export interface OwnerOutputs {
  /** Per entry: the image and its accounts as ECS lists them. */
  readonly shares: Record<string, pulumi.Output<SharedImage>>;
}

export function declareOwner(config: OwnerConfig): OwnerOutputs {
  const shares: OwnerOutputs["shares"] = {};
  for (const [name, entry] of Object.entries(config.shares)) {
    const share = new ImageShare(name, {
      imageId: entry.imageId,
      accountIds: [...entry.accountIds],
      region: entry.region,
      exclusive: entry.exclusive,
    });
    shares[name] = pulumi
      .all([
        share.imageId,
        share.accountIds,
        share.missingAccountIds,
        share.unmanagedAccountIds,
        share.adoptedAccountIds,
      ])
      .apply(([imageId, accountIds, missingAccountIds, unmanagedAccountIds, adoptedAccountIds]) => ({
        imageId,
        accountIds,
        missingAccountIds,
        unmanagedAccountIds,
        adoptedAccountIds,
      }));
  }
  return { shares };
}
