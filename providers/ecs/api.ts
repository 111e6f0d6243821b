// The only place that speaks ECS: typed calls with retries and typed errors, wire shapes mapped to plain views, and
// status lookups batched across every resource in the provider process.

import type * as EcsSdk from "@alicloud/ecs20140526";
import type Ecs from "@alicloud/ecs20140526";
import { requireEngine } from "../engine-watch";
import { asOneOperation, currentOperation, type Operation } from "../operation";
import { reportProgress } from "../progress";
import { Recent } from "../recent";
import { Batcher, type BatcherOptions } from "./batcher";
import { RequestBudget } from "./budget";
import { type ConnectionSettings, ecsClient, resolveSettings } from "./client";
import { EcsError, type ErrorContext, fromSdkError, TimeoutError } from "./errors";
import { defaultSleep, isNetworkFailure, isThrottling, type RetryOptions, withRetry } from "./retry";
import type { ImageOwnerAlias, ImageStatus, ImageView, InstanceStatus, InstanceView, Tags } from "./types";

/** A batcher as EcsApi uses them (see sharedBatcher). */
type Shared<K, V> = Pick<Batcher<K, V>, "get">;

/**
 * A Batcher whose fetches run as one operation for every resource waiting on them (operation.ts asOneOperation):
 * a batch runs in the context of whichever call started it, and would otherwise give up at that resource's deadline.
 */
function sharedBatcher<K, V>(options: BatcherOptions<K, V>): Shared<K, V> {
  const waiting = new Map<K, Operation>();
  const batcher = new Batcher<K, V>({
    ...options,
    fetch: (keys) => {
      const operations = keys.flatMap((key) => waiting.get(key) ?? []);
      for (const key of keys) waiting.delete(key);
      return asOneOperation(operations, () => options.fetch(keys));
    },
  });
  return {
    get(key: K) {
      const operation = currentOperation();
      const known = waiting.get(key);
      if (operation !== undefined && (known === undefined || known.deadline < operation.deadline)) {
        waiting.set(key, operation);
      }
      return batcher.get(key);
    },
  };
}

/** The SDK's request classes, loaded with the first request (see client.ts endpointNamingClass). */
const sdk = (): typeof EcsSdk => require("@alicloud/ecs20140526");

/** Every image status: reads must see Deprecated and failed images too (DescribeImages defaults to Available). */
export const ALL_IMAGE_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated";

export interface DiskView {
  readonly id: string;
  readonly type: "system" | "data";
  readonly category: string;
  readonly size: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly imageId?: string;
  readonly instanceId?: string;
  readonly status: string;
}

export interface CopyImageRequest {
  readonly sourceImageId: string;
  readonly name: string;
  readonly description?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly tags?: Tags;
  readonly resourceGroupId?: string;
  readonly clientToken: string;
}

export interface DiskSpec {
  readonly category?: string;
  readonly size?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

/** What RunInstances makes; a RunInstanceRequest adds the ClientToken (a real create) or DryRun (a check). */
export interface RunInstanceSpec {
  readonly imageId: string;
  readonly instanceType: string;
  readonly zoneId?: string;
  readonly vSwitchId: string;
  readonly securityGroupIds: readonly string[];
  readonly name?: string;
  readonly hostName?: string;
  readonly description?: string;
  readonly systemDisk?: DiskSpec;
  readonly dataDisks?: readonly DiskSpec[];
  readonly password?: string;
  readonly keyPairName?: string;
  readonly internetMaxBandwidthOut?: number;
  readonly instanceChargeType?: string;
  readonly tags?: Tags;
}

/** A create carries its ClientToken; a DryRun carries none (it makes nothing, so there is nothing to deduplicate). */
export type RunInstanceRequest = RunInstanceSpec &
  (
    | { readonly clientToken: string; readonly dryRun?: false }
    | { readonly clientToken?: undefined; readonly dryRun: true }
  );

export interface ReplaceSystemDiskRequest {
  readonly instanceId: string;
  readonly imageId: string;
  readonly size?: number;
  readonly password?: string;
  readonly passwordInherit?: boolean;
  readonly keyPairName?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly clientToken: string;
}

export interface InstanceAttributes {
  readonly name?: string;
  readonly description?: string;
  readonly hostName?: string;
  readonly password?: string;
}

type SdkImage = EcsSdk.DescribeImagesResponseBodyImagesImage;
type SdkInstance = EcsSdk.DescribeInstancesResponseBodyInstancesInstance;
type SdkDisk = EcsSdk.DescribeDisksResponseBodyDisksDisk;

function tagsOf(list: { tagKey?: string; tagValue?: string }[] | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) {
    if (tag.tagKey) tags[tag.tagKey] = tag.tagValue ?? "";
  }
  return tags;
}

/** Maps DescribeImages' wire image into the view; an image is encrypted when any of its snapshots is. */
function toImageView(image: SdkImage): ImageView {
  const mappings = image.diskDeviceMappings?.diskDeviceMapping ?? [];
  const progress = /^(\d{1,3})%$/.exec(image.progress ?? "");
  return {
    id: image.imageId ?? "",
    name: image.imageName ?? "",
    description: image.description ?? "",
    ownerId: image.imageOwnerId === undefined ? "" : String(image.imageOwnerId),
    ownerAlias: (image.imageOwnerAlias ?? "others") as ImageOwnerAlias,
    status: (image.status ?? "UnAvailable") as ImageStatus,
    progressPercent: progress ? Number(progress[1]) : undefined,
    productCode: image.productCode || undefined,
    isCopied: image.isCopied === true,
    size: image.size ?? 0,
    tags: tagsOf(image.tags?.tag),
    encrypted: mappings.some((m) => m.encrypted === true),
    regionId: undefined,
    creationTime: image.creationTime,
    osType: image.OSType,
    platform: image.platform,
    architecture: image.architecture,
  };
}

function toInstanceView(instance: SdkInstance): InstanceView {
  return {
    id: instance.instanceId ?? "",
    status: (instance.status ?? "Pending") as InstanceStatus,
    imageId: instance.imageId ?? "",
    regionId: instance.regionId,
    zoneId: instance.zoneId ?? "",
    instanceType: instance.instanceType ?? "",
    name: instance.instanceName ?? "",
    hostName: instance.hostName ?? "",
    description: instance.description ?? "",
    operationLocks: (instance.operationLocks?.lockReason ?? []).map((lock) => ({
      lockReason: lock.lockReason ?? "",
      lockMsg: lock.lockMsg,
    })),
    keyPairName: instance.keyPairName || undefined,
    vSwitchId: instance.vpcAttributes?.vSwitchId,
    securityGroupIds: instance.securityGroupIds?.securityGroupId ?? [],
    tags: tagsOf(instance.tags?.tag),
  };
}

function toDiskView(disk: SdkDisk): DiskView {
  return {
    id: disk.diskId ?? "",
    type: disk.type === "system" ? "system" : "data",
    category: disk.category ?? "",
    size: disk.size ?? 0,
    encrypted: disk.encrypted === true,
    kmsKeyId: disk.KMSKeyId || undefined,
    imageId: disk.imageId || undefined,
    instanceId: disk.instanceId || undefined,
    status: disk.status ?? "",
  };
}

const tagList = <T>(tags: Tags | undefined, make: (key: string, value: string) => T): T[] | undefined =>
  tags && Object.keys(tags).length > 0 ? Object.entries(tags).map(([k, v]) => make(k, v)) : undefined;

/** A wait shorter than this is not worth a progress line. */
const WAIT_WORTH_SAYING_MS = 1000;

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))} s`;

/** ECS calls for one region and connection. Get one with `EcsApi.forRegion` so batchers are shared per process. */
export class EcsApi {
  private readonly images: Shared<string, ImageView>;
  private readonly instances: Shared<string, InstanceView>;
  /** Per instance: what its delete failed with, or nothing when it was deleted. */
  private readonly deletions: Shared<string, unknown>;
  /** Per tag key: removals of that key from instances (what each failed with, or nothing). */
  private readonly untags = new Map<string, Shared<string, unknown>>();
  /** Lookups of launched instances' system disks (see launchedSystemDisk). */
  private readonly launchLookups: Shared<string, DiskView>;
  /** Per instance being looked up: the launch tag its disks carry. */
  private readonly launchTagOf = new Map<string, { readonly key: string; readonly value: string }>();
  /** Per instance: its system disk as a listing showed it, until its create asks for it. */
  private readonly launchedDisks = new Map<string, DiskView>();
  /** Per tag key: lookups of instances by that key's value, served by one listing of every instance with the key. */
  private readonly instancesByTag = new Map<string, Shared<string, InstanceView[]>>();
  private readonly batchWindowMs: number;
  /** Shared by every resource of the process that calls this region with these credentials. */
  private readonly budget = new RequestBudget();
  private readonly seenImages = new Recent<ImageView | undefined>(60_000);

  /** @internal The SDK's types stay out of the published declarations (consumers type-check without them). */
  constructor(
    private readonly client: Ecs,
    readonly regionId: string,
    private readonly retry: RetryOptions = {},
    batchWindowMs = 200,
  ) {
    this.batchWindowMs = batchWindowMs;
    this.images = sharedBatcher({ windowMs: batchWindowMs, fetch: (ids) => this.fetchImages(ids) });
    this.instances = sharedBatcher({ windowMs: batchWindowMs, fetch: (ids) => this.fetchInstances(ids) });
    this.deletions = sharedBatcher({ windowMs: batchWindowMs, fetch: (ids) => this.deleteBatch(ids) });
    this.launchLookups = sharedBatcher({ windowMs: batchWindowMs, fetch: (ids) => this.fetchLaunchedDisks(ids) });
  }

  /** One per SDK client, and ecsClient() already gives one client per distinct connection (region included). */
  private static readonly cache = new WeakMap<Ecs, EcsApi>();

  /** The shared API object for a region (resolving connection settings from stack config and environment). */
  static forRegion(region: string | undefined, action: string): EcsApi {
    const settings: ConnectionSettings = resolveSettings(region, action);
    const client = ecsClient(settings);
    let api = EcsApi.cache.get(client);
    if (!api) {
      api = new EcsApi(client, settings.regionId);
      EcsApi.cache.set(client, api);
    }
    return api;
  }

  private call<T>(action: string, context: ErrorContext, fn: () => Promise<T>): Promise<T> {
    const operation = currentOperation();
    const tell = (message: string) => {
      if (operation?.urn !== undefined) reportProgress(operation.urn, message, { ephemeral: true });
    };
    return withRetry(
      async () => {
        const startedWaiting = Date.now();
        for (let waitMs = this.budget.reserve(action); waitMs > 0; waitMs = this.budget.reserve(action)) {
          if (operation !== undefined && Date.now() + waitMs > operation.deadline) {
            const waited = Date.now() - startedWaiting;
            throw new TimeoutError(`a slot for ${action} (ECS is throttling it)`, waited, "throttled");
          }
          if (waitMs >= WAIT_WORTH_SAYING_MS) tell(`ECS is throttling ${action}: next call in ${seconds(waitMs)}`);
          // A little jitter, so that the callers waiting for the same slot do not all wake at once.
          await defaultSleep(waitMs + Math.random() * Math.min(waitMs, 100));
        }
        const sentAt = Date.now();
        // Reads are harmless; a change for a run whose engine was killed is a change nobody records.
        if (!action.startsWith("Describe")) await requireEngine();
        try {
          const result = await fn();
          this.budget.accepted(action);
          return result;
        } catch (err) {
          const error = fromSdkError(action, err, { regionId: this.regionId, ...context });
          if (isThrottling(error)) this.budget.throttled(action, sentAt);
          throw error;
        }
      },
      {
        deadline: operation?.deadline,
        ...this.retry,
        onRetry: (info) => {
          const what = isThrottling(info.error)
            ? `${action} throttled by ECS`
            : isNetworkFailure(info.error)
              ? `${action}: no answer from the ECS endpoint (${info.error.code})`
              : `${action} failed (${info.error.code})`;
          tell(`${what}, retrying in ${seconds(info.delayMs)}`);
          this.retry.onRetry?.(info);
        },
      },
    );
  }

  async describeImages(filter: {
    imageIds?: readonly string[];
    ownerAlias?: ImageOwnerAlias;
    ownerId?: string;
    statuses?: string;
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

  copyImage(request: CopyImageRequest): Promise<string> {
    return this.call("CopyImage", { imageId: request.sourceImageId, kmsKeyId: request.kmsKeyId }, async () => {
      const response = await this.client.copyImage(
        new (sdk().CopyImageRequest)({
          regionId: this.regionId,
          imageId: request.sourceImageId,
          // Shared images can only be copied within their own region (OperationDenied.SameRegionOnly).
          destinationRegionId: this.regionId,
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

  /** Makes the resource's tags exactly `next` (removing keys that are gone, setting the rest). */
  async setTags(resourceType: "image" | "instance", resourceId: string, previous: Tags, next: Tags): Promise<void> {
    const removed = Object.keys(previous).filter((key) => !(key in next));
    const changed = Object.entries(next).filter(([key, value]) => previous[key] !== value);
    if (removed.length > 0) {
      await this.call("UntagResources", {}, () =>
        this.client.untagResources(
          new (sdk().UntagResourcesRequest)({
            regionId: this.regionId,
            resourceType,
            resourceId: [resourceId],
            tagKey: removed,
          }),
        ),
      );
    }
    if (changed.length > 0) {
      await this.call("TagResources", {}, () =>
        this.client.tagResources(
          new (sdk().TagResourcesRequest)({
            regionId: this.regionId,
            resourceType,
            resourceId: [resourceId],
            tag: changed.map(([key, value]) => new (sdk().TagResourcesRequestTag)({ key, value })),
          }),
        ),
      );
    }
  }

  /** RunInstances with Amount 1; with `dryRun` it only validates (ECS answers DryRunOperation on success). */
  runInstance(request: RunInstanceRequest): Promise<string> {
    const secrets = request.password ? [request.password] : [];
    const context = {
      imageId: request.imageId,
      keyPairName: request.keyPairName,
      kmsKeyId: request.systemDisk?.kmsKeyId ?? request.dataDisks?.find((d) => d.kmsKeyId)?.kmsKeyId,
      secrets,
    };
    return this.call("RunInstances", context, async () => {
      const disk = request.systemDisk;
      const response = await this.client.runInstances(
        new (sdk().RunInstancesRequest)({
          regionId: this.regionId,
          amount: 1,
          minAmount: 1,
          imageId: request.imageId,
          instanceType: request.instanceType,
          zoneId: request.zoneId,
          vSwitchId: request.vSwitchId,
          securityGroupIds: [...request.securityGroupIds],
          instanceName: request.name,
          hostName: request.hostName,
          description: request.description,
          password: request.password,
          keyPairName: request.keyPairName,
          internetMaxBandwidthOut: request.internetMaxBandwidthOut,
          instanceChargeType: request.instanceChargeType,
          clientToken: request.clientToken,
          dryRun: request.dryRun,
          systemDisk: disk
            ? new (sdk().RunInstancesRequestSystemDisk)({
                category: disk.category,
                size: disk.size,
                encrypted: disk.encrypted === undefined ? undefined : String(disk.encrypted),
                KMSKeyId: disk.kmsKeyId,
              })
            : undefined,
          dataDisk: request.dataDisks?.map(
            (d) =>
              new (sdk().RunInstancesRequestDataDisk)({
                category: d.category,
                size: d.size,
                encrypted: d.encrypted,
                KMSKeyId: d.kmsKeyId,
              }),
          ),
          tag: tagList(request.tags, (key, value) => new (sdk().RunInstancesRequestTag)({ key, value })),
        }),
      );
      return response.body?.instanceIdSets?.instanceIdSet?.[0] ?? "";
    });
  }

  private async fetchInstances(ids: string[]): Promise<ReadonlyMap<string, InstanceView>> {
    const body = await this.call("DescribeInstances", {}, async () => {
      const response = await this.client.describeInstances(
        new (sdk().DescribeInstancesRequest)({
          regionId: this.regionId,
          instanceIds: JSON.stringify(ids),
          pageSize: 100,
        }),
      );
      return response.body;
    });
    const views = (body?.instances?.instance ?? []).map(toInstanceView);
    return new Map(views.map((view) => [view.id, view]));
  }

  /**
   * The instances carrying tag `key` with a value that starts with `valuePrefix`. Lookups of one key made together
   * (a fleet's creates) are served by one listing of every instance that has the key, page by page.
   */
  findInstancesByTag(key: string, valuePrefix: string): Promise<InstanceView[]> {
    let batcher = this.instancesByTag.get(key);
    if (batcher === undefined) {
      batcher = sharedBatcher({
        windowMs: this.batchWindowMs,
        fetch: async (prefixes) => {
          const tagged = await this.listInstances({ tagKey: key });
          return new Map(prefixes.map((p) => [p, tagged.filter((i) => i.tags[key].startsWith(p))]));
        },
      });
      this.instancesByTag.set(key, batcher);
    }
    return batcher.get(valuePrefix).then((found) => found ?? []);
  }

  /** The instances whose system disk was made from `imageId` (what keeps ECS from deleting the image). */
  instancesUsingImage(imageId: string): Promise<InstanceView[]> {
    return this.listInstances({ imageId });
  }

  /** Every instance in the region matching `filter` (a tag key with any value, or an image), following NextToken. */
  private async listInstances(filter: { tagKey?: string; imageId?: string }): Promise<InstanceView[]> {
    const views: InstanceView[] = [];
    let nextToken: string | undefined;
    do {
      const body = await this.call("DescribeInstances", {}, async () => {
        const response = await this.client.describeInstances(
          new (sdk().DescribeInstancesRequest)({
            regionId: this.regionId,
            tag:
              filter.tagKey === undefined
                ? undefined
                : [new (sdk().DescribeInstancesRequestTag)({ key: filter.tagKey })],
            imageId: filter.imageId,
            maxResults: 100,
            nextToken,
          }),
        );
        return response.body;
      });
      views.push(...(body?.instances?.instance ?? []).map(toInstanceView));
      nextToken = body?.nextToken || undefined;
    } while (nextToken !== undefined);
    return views;
  }

  /** One instance, or undefined when it does not exist (deleted, or released). */
  getInstance(instanceId: string): Promise<InstanceView | undefined> {
    return this.instances.get(instanceId);
  }

  async startInstance(instanceId: string): Promise<void> {
    await this.call("StartInstance", { instanceId }, () =>
      this.client.startInstance(new (sdk().StartInstanceRequest)({ instanceId })),
    );
  }

  /** Standard stop (KeepCharging): ReplaceSystemDisk refuses instances stopped in economical mode. */
  async stopInstance(instanceId: string): Promise<void> {
    await this.call("StopInstance", { instanceId }, () =>
      this.client.stopInstance(new (sdk().StopInstanceRequest)({ instanceId, stoppedMode: "KeepCharging" })),
    );
  }

  /**
   * Deletes one instance (Force). The deletes of many resources asked for together (a destroy) go out as one
   * DeleteInstances of up to 100 ids, so a fleet's destroy is not throttled.
   */
  async deleteInstance(instanceId: string): Promise<void> {
    const failure = await this.deletions.get(instanceId);
    if (failure !== undefined) throw failure;
  }

  private deleteBatch(ids: string[]): Promise<ReadonlyMap<string, unknown>> {
    return this.eachAlone(
      ids,
      () =>
        this.call("DeleteInstances", {}, () =>
          this.client.deleteInstances(
            new (sdk().DeleteInstancesRequest)({ regionId: this.regionId, instanceId: ids, force: true }),
          ),
        ),
      (instanceId) =>
        this.call("DeleteInstance", { instanceId }, () =>
          this.client.deleteInstance(new (sdk().DeleteInstanceRequest)({ instanceId, force: true })),
        ),
    );
  }

  /**
   * Runs `together` (one call for every id), or `alone` for each id when there is one id or ECS refused the batch
   * for what one of them is (gone, locked, in the wrong status): batch calls are all or nothing, and every resource
   * must get its own answer. Failures that are not about a resource (throttling, no answer until the deadline) fail
   * the whole batch. Returns what each id's call failed with; ids that succeeded are absent.
   */
  private async eachAlone(
    ids: readonly string[],
    together: () => Promise<unknown>,
    alone: (id: string) => Promise<unknown>,
  ): Promise<ReadonlyMap<string, unknown>> {
    if (ids.length > 1) {
      try {
        await together();
        return new Map();
      } catch (err) {
        if (!(err instanceof EcsError) || isThrottling(err) || isNetworkFailure(err)) throw err;
      }
    }
    const failures = new Map<string, unknown>();
    for (const id of ids) {
      try {
        await alone(id);
      } catch (err) {
        failures.set(id, err);
      }
    }
    return failures;
  }

  async modifyInstanceAttribute(instanceId: string, attributes: InstanceAttributes): Promise<void> {
    const secrets = attributes.password ? [attributes.password] : [];
    await this.call("ModifyInstanceAttribute", { instanceId, secrets }, () =>
      this.client.modifyInstanceAttribute(
        new (sdk().ModifyInstanceAttributeRequest)({
          instanceId,
          instanceName: attributes.name,
          description: attributes.description,
          hostName: attributes.hostName,
          password: attributes.password,
        }),
      ),
    );
  }

  replaceSystemDisk(request: ReplaceSystemDiskRequest): Promise<string> {
    const secrets = request.password ? [request.password] : [];
    const context = {
      instanceId: request.instanceId,
      imageId: request.imageId,
      keyPairName: request.keyPairName,
      kmsKeyId: request.kmsKeyId,
      secrets,
    };
    return this.call("ReplaceSystemDisk", context, async () => {
      const response = await this.client.replaceSystemDisk(
        new (sdk().ReplaceSystemDiskRequest)({
          instanceId: request.instanceId,
          imageId: request.imageId,
          systemDisk: request.size ? new (sdk().ReplaceSystemDiskRequestSystemDisk)({ size: request.size }) : undefined,
          password: request.password,
          passwordInherit: request.passwordInherit,
          keyPairName: request.keyPairName,
          encrypted: request.encrypted,
          KMSKeyId: request.kmsKeyId,
          clientToken: request.clientToken,
        }),
      );
      return response.body?.diskId ?? "";
    });
  }

  /** The disks matching `filter` (every page). */
  async describeDisks(filter: {
    instanceId?: string;
    diskType?: "system" | "data";
    diskIds?: readonly string[];
    tag?: { readonly key: string; readonly value: string };
  }) {
    const views: DiskView[] = [];
    let nextToken: string | undefined;
    do {
      const body = await this.call("DescribeDisks", { instanceId: filter.instanceId }, async () => {
        const response = await this.client.describeDisks(
          new (sdk().DescribeDisksRequest)({
            regionId: this.regionId,
            instanceId: filter.instanceId,
            diskType: filter.diskType,
            diskIds: filter.diskIds ? JSON.stringify(filter.diskIds) : undefined,
            tag: filter.tag === undefined ? undefined : [new (sdk().DescribeDisksRequestTag)(filter.tag)],
            maxResults: 100,
            nextToken,
          }),
        );
        return response.body;
      });
      views.push(...(body?.disks?.disk ?? []).map(toDiskView));
      nextToken = body?.nextToken || undefined;
    } while (nextToken !== undefined);
    return views;
  }

  /**
   * The system disk of an instance made by RunInstances with the tag `launchTag` (which ECS puts on its disks too),
   * or undefined when no disk with the tag belongs to it. One listing of the disks carrying the tag serves every
   * instance it shows, including those whose creates ask later: their disks exist from RunInstances on, so a fleet's
   * creates cost a listing every few seconds rather than a call each.
   */
  async launchedSystemDisk(
    instanceId: string,
    launchTag: { readonly key: string; readonly value: string },
  ): Promise<DiskView | undefined> {
    this.launchTagOf.set(instanceId, launchTag);
    // Every lookup goes through the batcher, even one a listing already answered, so the creates of one wave go on
    // together (and hand over together).
    const disk = await this.launchLookups.get(instanceId);
    this.launchTagOf.delete(instanceId);
    // Asked for once, by the create that launched it.
    this.launchedDisks.delete(instanceId);
    return disk;
  }

  /** The system disks of `ids`: from earlier listings, or from one listing per launch tag not listed for them yet. */
  private async fetchLaunchedDisks(ids: string[]): Promise<ReadonlyMap<string, DiskView>> {
    const unlisted = new Map<string, { readonly key: string; readonly value: string }>();
    for (const id of ids) {
      const tag = this.launchTagOf.get(id);
      if (tag !== undefined && !this.launchedDisks.has(id)) unlisted.set(`${tag.key}=${tag.value}`, tag);
    }
    for (const tag of unlisted.values()) {
      const disks = await this.describeDisks({ diskType: "system", tag });
      for (const disk of disks) if (disk.instanceId) this.launchedDisks.set(disk.instanceId, disk);
    }
    return new Map(
      ids.flatMap((id) => {
        const disk = this.launchedDisks.get(id);
        return disk === undefined ? [] : [[id, disk] as const];
      }),
    );
  }

  /**
   * Removes the tag `key` from an instance. The removals of many resources asked for together go out as one
   * UntagResources of up to 50 ids (one key for all, which is why such a tag must not need a value rewritten).
   */
  async removeInstanceTag(instanceId: string, key: string): Promise<void> {
    let batcher = this.untags.get(key);
    if (batcher === undefined) {
      batcher = sharedBatcher({
        windowMs: this.batchWindowMs,
        maxBatch: 50,
        fetch: (ids) => this.untagBatch(ids, key),
      });
      this.untags.set(key, batcher);
    }
    const failure = await batcher.get(instanceId);
    if (failure !== undefined) throw failure;
  }

  /** As deleteBatch: a batch refused for what one instance is goes again one instance at a time. */
  private async untagBatch(ids: string[], key: string): Promise<ReadonlyMap<string, unknown>> {
    const untag = (resourceId: string[]) =>
      this.call("UntagResources", {}, () =>
        this.client.untagResources(
          new (sdk().UntagResourcesRequest)({
            regionId: this.regionId,
            resourceType: "instance",
            resourceId,
            tagKey: [key],
          }),
        ),
      );
    return this.eachAlone(
      ids,
      () => untag(ids),
      (id) => untag([id]),
    );
  }
}
