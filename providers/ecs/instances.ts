// EcsApi's instance calls: RunInstances, batched lookups and deletes, listings by tag or image, start/stop, and
// ReplaceSystemDisk.
import { eachAlone, type Shared, sharedBatcher } from "./batching";
import { sdk } from "./connection";
import { ImageCalls } from "./images";
import type { InstanceView } from "./types";
import {
  type InstanceAttributes,
  type ReplaceSystemDiskRequest,
  type RunInstanceRequest,
  tagList,
  toInstanceView,
} from "./views";

export class InstanceCalls extends ImageCalls {
  private readonly instances: Shared<string, InstanceView> = sharedBatcher({
    windowMs: this.batchWindowMs,
    fetch: (ids) => this.fetchInstances(ids),
  });
  /** Per instance: what its delete failed with, or nothing when it was deleted. */
  private readonly deletions: Shared<string, unknown> = sharedBatcher({
    windowMs: this.batchWindowMs,
    fetch: (ids) => this.deleteBatch(ids),
  });
  /** Per tag key: lookups of instances by that key's value, served by one listing of every instance with the key. */
  private readonly instancesByTag = new Map<string, Shared<string, InstanceView[]>>();

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
    return eachAlone(
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
}
