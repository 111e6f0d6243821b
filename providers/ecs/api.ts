// The only place that speaks ECS: typed calls with retries and typed errors, wire shapes mapped to plain views, and
// status lookups batched across every resource in the provider process. EcsApi gathers the calls by what they act
// on: connection.ts (how a call goes), images.ts, instances.ts, and disks and tags here.
import type Ecs from "@alicloud/ecs20140526";
import { eachAlone, type Shared, sharedBatcher } from "./batching";
import { type ConnectionSettings, ecsClient, resolveSettings } from "./client";
import { sdk } from "./connection";
import { InstanceCalls } from "./instances";
import type { Tags } from "./types";
import { type DiskView, toDiskView } from "./views";

export type { DiskSpec, DiskView, RunInstanceRequest, RunInstanceSpec } from "./views";

/** ECS calls for one region and connection. Get one with `EcsApi.forRegion` so batchers are shared per process. */
export class EcsApi extends InstanceCalls {
  /** Per tag key: removals of that key from instances (what each failed with, or nothing). */
  private readonly untags = new Map<string, Shared<string, unknown>>();
  /** Lookups of launched instances' system disks (see launchedSystemDisk). */
  private readonly launchLookups: Shared<string, DiskView> = sharedBatcher({
    windowMs: this.batchWindowMs,
    fetch: (ids) => this.fetchLaunchedDisks(ids),
  });
  /** Per instance being looked up: the launch tag its disks carry. */
  private readonly launchTagOf = new Map<string, { readonly key: string; readonly value: string }>();
  /** Per instance: its system disk as a listing showed it, until its create asks for it. */
  private readonly launchedDisks = new Map<string, DiskView>();

  /** One per SDK client, and ecsClient() already gives one client per distinct connection (region included). */
  private static readonly cache = new WeakMap<Ecs, EcsApi>();

  /**
   * The shared API object for a region (resolving connection settings from stack config and environment). `step` is
   * the lifecycle step asking (check, create, read, update, delete, recover), named when credentials are missing.
   */
  static forRegion(region: string | undefined, step: string): EcsApi {
    const settings: ConnectionSettings = resolveSettings(region, step);
    const client = ecsClient(settings);
    let api = EcsApi.cache.get(client);
    if (!api) {
      api = new EcsApi(client, settings.regionId);
      EcsApi.cache.set(client, api);
    }
    return api;
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
    return eachAlone(
      ids,
      () => untag(ids),
      (id) => untag([id]),
    );
  }
}
