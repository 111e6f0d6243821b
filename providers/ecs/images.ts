// EcsApi's image calls: batched lookups by id, listings, the calls that copy, rename and delete images, and the
// owner's calls that share an image with other accounts.
import { Recent } from "../recent";
import { eachAlone, type Shared, sharedBatcher } from "./batching";
import { EcsConnection, sdk } from "./connection";
import { isDryRunPassed } from "./errors";
import { SHARE_PAGE_SIZE, sharePermissionBatches } from "./shares";
import type { ImageOwnerAlias, ImageView } from "./types";
import { type CopyImageRequest, tagList, toImageView } from "./views";

/** Every image status: reads must see Deprecated and failed images too (DescribeImages defaults to Available). */
const ALL_IMAGE_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated";

export class ImageCalls extends EcsConnection {
  private readonly images: Shared<string, ImageView> = sharedBatcher({
    windowMs: this.batchWindowMs,
    fetch: (ids) => this.fetchImages(ids),
  });
  private readonly seenImages = new Recent<ImageView | undefined>(60_000);
  /** The regions ECS knows: they change far more rarely than a provider process lives. */
  private readonly regions = new Recent<readonly string[]>(3_600_000);

  async describeImages(filter: {
    imageIds?: readonly string[];
    ownerAlias?: ImageOwnerAlias;
    ownerId?: string;
    statuses?: string;
    /** "instance": only images instances were created from (of any account, ECS does not say whose). */
    usage?: "instance" | "none";
    name?: string;
    /** Only images carrying this tag (with this value when given). */
    tag?: { readonly key: string; readonly value?: string };
  }): Promise<ImageView[]> {
    const views: ImageView[] = [];
    for (let page = 1; ; page++) {
      const body = await this.call("DescribeImages", {}, async () => {
        const response = await this.client.describeImages(
          new (sdk().DescribeImagesRequest)({
            regionId: this.regionId,
            imageId: filter.imageIds?.join(","),
            imageOwnerAlias: filter.ownerAlias,
            imageOwnerId: filter.ownerId === undefined ? undefined : Number(filter.ownerId),
            status: filter.statuses ?? ALL_IMAGE_STATUSES,
            imageName: filter.name,
            usage: filter.usage,
            tag: filter.tag ? [new (sdk().DescribeImagesRequestTag)(filter.tag)] : undefined,
            pageNumber: page,
            pageSize: 100,
          }),
        );
        return response.body;
      });
      const batch = body?.images?.image ?? [];
      views.push(...batch.map((image) => ({ ...toImageView(image), regionId: this.regionId })));
      if (batch.length < 100 || views.length >= (body?.totalCount ?? 0)) return views;
    }
  }

  private async fetchImages(ids: string[]): Promise<ReadonlyMap<string, ImageView>> {
    const views = await this.describeImages({ imageIds: ids });
    return new Map(views.map((view) => [view.id, view]));
  }

  /** One image in any status, or undefined when it does not exist or is not visible to this account any more. */
  getImage(imageId: string): Promise<ImageView | undefined> {
    return this.images.get(imageId);
  }

  /**
   * getImage, answered from a lookup of the same image this process made less than a minute (or `maxAgeMs`) ago: a
   * fleet's checks and creates ask about the same few images hundreds of times. For rules on the image (visibility, owner, status,
   * encryption), not for waits, which need what ECS says now.
   */
  recentImage(imageId: string, maxAgeMs?: number): Promise<ImageView | undefined> {
    return this.seenImages.get(imageId, () => this.getImage(imageId), Date.now(), maxAgeMs);
  }

  /** This account's images (any status) carrying tag `key` with a value that starts with `valuePrefix`. */
  async findImagesByTag(key: string, valuePrefix: string): Promise<ImageView[]> {
    const tagged = await this.describeImages({ ownerAlias: "self", tag: { key } });
    return tagged.filter((image) => image.tags[key].startsWith(valuePrefix));
  }

  /** The ids of the regions ECS knows (DescribeRegions), looked up once an hour at most. */
  regionIds(): Promise<readonly string[]> {
    return this.regions.get("all", async () => {
      const body = await this.call("DescribeRegions", {}, async () => {
        const response = await this.client.describeRegions(new (sdk().DescribeRegionsRequest)({}));
        return response.body;
      });
      return (body?.regions?.region ?? []).flatMap((region) => (region.regionId ? [region.regionId] : []));
    });
  }

  copyImage(request: CopyImageRequest): Promise<string> {
    return this.call("CopyImage", { imageId: request.sourceImageId, kmsKeyId: request.kmsKeyId }, async () => {
      const response = await this.client.copyImage(
        new (sdk().CopyImageRequest)({
          regionId: this.regionId,
          imageId: request.sourceImageId,
          // Shared images can only be copied within their own region (OperationDenied.SameRegionOnly); own images
          // may go to any region.
          destinationRegionId: request.destinationRegionId ?? this.regionId,
          destinationImageName: request.name,
          destinationDescription: request.description,
          encrypted: request.encrypted,
          KMSKeyId: request.kmsKeyId,
          resourceGroupId: request.resourceGroupId,
          clientToken: request.clientToken,
          tag: tagList(request.tags, (key, value) => new (sdk().CopyImageRequestTag)({ key, value })),
        }),
      );
      return response.body?.imageId ?? "";
    });
  }

  async cancelCopyImage(imageId: string): Promise<void> {
    await this.call("CancelCopyImage", { imageId }, () =>
      this.client.cancelCopyImage(new (sdk().CancelCopyImageRequest)({ regionId: this.regionId, imageId })),
    );
  }

  async deleteImage(imageId: string, force: boolean): Promise<void> {
    await this.call("DeleteImage", { imageId }, () =>
      this.client.deleteImage(new (sdk().DeleteImageRequest)({ regionId: this.regionId, imageId, force })),
    );
  }

  async modifyImageAttribute(imageId: string, name: string, description: string): Promise<void> {
    await this.call("ModifyImageAttribute", { imageId }, () =>
      this.client.modifyImageAttribute(
        new (sdk().ModifyImageAttributeRequest)({ regionId: this.regionId, imageId, imageName: name, description }),
      ),
    );
  }

  /**
   * Every account `imageId` (of this account) is shared with, from every page of DescribeImageSharePermission: a
   * read of page 1 only (ECS's default page is 10 accounts) misses accounts, and so misses a revoked share. One page
   * of `pageSize` (default the largest) holds ECS's 50, but the pages are followed whatever ECS answers.
   */
  async sharedAccounts(imageId: string, pageSize = SHARE_PAGE_SIZE): Promise<string[]> {
    const accounts: string[] = [];
    for (let page = 1; ; page++) {
      const body = await this.call("DescribeImageSharePermission", { imageId }, async () => {
        const response = await this.client.describeImageSharePermission(
          new (sdk().DescribeImageSharePermissionRequest)({
            regionId: this.regionId,
            imageId,
            pageNumber: page,
            pageSize,
          }),
        );
        return response.body;
      });
      const batch = (body?.accounts?.account ?? []).map((a) => a.aliyunId ?? "").filter((id) => id !== "");
      accounts.push(...batch);
      if (batch.length < pageSize || accounts.length >= (body?.totalCount ?? 0)) return accounts;
    }
  }

  /**
   * Shares `imageId` with `add` and stops sharing it with `remove`, in calls of at most 10 accounts each way. A
   * failing call stops there, with the calls before it made.
   */
  async modifyImageShares(
    imageId: string,
    change: { readonly add: readonly string[]; readonly remove: readonly string[] },
  ): Promise<void> {
    for (const call of sharePermissionBatches(change.add, change.remove)) {
      await this.sharePermissionCall(imageId, call.add, call.remove, false);
    }
  }

  /**
   * What sharing `imageId` with `add` would fail with, per account, changing nothing (DryRun, which a preview may
   * send): each call of up to 10 accounts is tried, and a refused one again account by account, so every refusal
   * names its account. Throttling and an unreachable endpoint are thrown.
   */
  async shareRefusals(imageId: string, add: readonly string[]): Promise<ReadonlyMap<string, unknown>> {
    const refusals = new Map<string, unknown>();
    const dryRun = async (accounts: readonly string[]) => {
      try {
        await this.sharePermissionCall(imageId, accounts, [], true);
      } catch (err) {
        // ECS answers a DryRun that would succeed with this error.
        if (!isDryRunPassed(err)) throw err;
      }
    };
    for (const call of sharePermissionBatches(add, [])) {
      const failed = await eachAlone(
        call.add,
        () => dryRun(call.add),
        (account) => dryRun([account]),
      );
      for (const [account, err] of failed) refusals.set(account, err);
    }
    return refusals;
  }

  private async sharePermissionCall(
    imageId: string,
    add: readonly string[],
    remove: readonly string[],
    dryRun: boolean,
  ): Promise<void> {
    await this.call("ModifyImageSharePermission", { imageId, accountIds: add }, () =>
      this.client.modifyImageSharePermission(
        new (sdk().ModifyImageSharePermissionRequest)({
          regionId: this.regionId,
          imageId,
          addAccount: add.length > 0 ? [...add] : undefined,
          removeAccount: remove.length > 0 ? [...remove] : undefined,
          dryRun: dryRun || undefined,
        }),
      ),
    );
  }

  /** Whether instances (of any account) were created from `imageId` of this account: DescribeImages Usage=instance. */
  async imageInUse(imageId: string): Promise<boolean> {
    const found = await this.describeImages({ imageIds: [imageId], ownerAlias: "self", usage: "instance" });
    return found.length > 0;
  }
}
