// Turns a validated fleet config into resources: the image catalogue (shared images used directly, or copied into the
// account first, then that copy into the entry's other regions), instance groups (each from its entry's image in its
// own region), and system disk replacements of instances the stack does not own. chain.ts says which image is where.
import * as pulumi from "@pulumi/pulumi";
import {
  InstanceFromSharedImage,
  RegionalImageCopy,
  ramPolicyDocument,
  SharedImageCopy,
  SystemDiskReplacement,
} from "pulumi-ecs-shared-images";
import { imageSource, regionalCopyPlans } from "./chain";
import type { FleetConfig } from "./fleet-config";

/** Reads a secret config value by key (the program passes `pulumi.Config.requireSecret`). */
export type SecretLookup = (key: string) => pulumi.Output<string>;

export interface FleetOutputs {
  /** Per group: its instances' ids and statuses, in index order. */
  readonly groups: Record<string, pulumi.Output<{ instanceIds: string[]; statuses: string[] }>>;
  /** Per catalogue entry copied into the account: the copy's id and status. */
  readonly copies: Record<string, pulumi.Output<{ imageId: string; sourceImageId: string; status: string }>>;
  /** Per catalogue entry with other regions: region -> its copy there (a copy of the entry's copy). */
  readonly regionalCopies: Record<
    string,
    pulumi.Output<Record<string, { imageId: string; sourceImageId: string; status: string }>>
  >;
  /** The image each catalogue entry resolves to in the stack's region (the copy's id for copied entries). */
  readonly catalogue: Record<string, pulumi.Output<string>>;
  readonly systemDiskReplacements: Record<string, pulumi.Output<{ instanceId: string; imageId: string }>>;
  /**
   * The RAM policy that enforces the same owner allow-list in the cloud (attach it to deployers). It also allows this
   * account's own images when the catalogue copies images, or the copies could not be used under it.
   */
  readonly ramPolicy: pulumi.Output<ReturnType<typeof ramPolicyDocument>>;
}

export function declareFleet(fleet: FleetConfig, secret: SecretLookup, region?: string): FleetOutputs {
  const approval = fleet.approval;
  const catalogue: Record<string, pulumi.Output<string>> = {};
  const copies: FleetOutputs["copies"] = {};
  const copyAccounts: pulumi.Output<string>[] = [];
  const ownCopies: Record<string, SharedImageCopy> = {};
  for (const [name, entry] of Object.entries(fleet.images)) {
    if (!entry.copy) {
      catalogue[name] = pulumi.output(entry.imageId);
      continue;
    }
    const copy = new SharedImageCopy(`image-${name}`, {
      sourceImageId: entry.imageId,
      region,
      name: entry.copy.name ?? `${pulumi.getStack()}-${name}`,
      description: entry.copy.description,
      encrypted: entry.copy.encrypted,
      kmsKeyId: entry.copy.kmsKeyId,
      tags: entry.copy.tags,
      approval,
    });
    catalogue[name] = copy.imageId;
    ownCopies[name] = copy;
    copyAccounts.push(copy.accountId);
    copies[name] = pulumi
      .all([copy.imageId, copy.status])
      .apply(([imageId, status]) => ({ imageId, sourceImageId: entry.imageId, status }));
  }

  // The second hops: each a copy of the entry's own copy, made after it. Declared as the copy's children, so the
  // preview shows the chain as a tree (shared image copy -> its regional copies).
  const regional: Record<string, RegionalImageCopy> = {};
  const regionalByEntry: Record<
    string,
    Record<string, pulumi.Output<{ imageId: string; sourceImageId: string; status: string }>>
  > = {};
  for (const plan of regionalCopyPlans(fleet)) {
    const entry = fleet.images[plan.entry];
    const parent = ownCopies[plan.entry];
    const copy = new RegionalImageCopy(
      plan.resourceName,
      {
        sourceImageId: parent.imageId,
        sourceRegion: region,
        region: plan.region,
        // The same name in every region (image names are unique per account and region).
        name: entry.copy?.name ?? `${pulumi.getStack()}-${plan.entry}`,
        description: entry.copy?.description,
        encrypted: entry.copy?.encrypted,
        kmsKeyId: plan.kmsKeyId,
        tags: entry.copy?.tags,
      },
      { parent },
    );
    regional[plan.resourceName] = copy;
    regionalByEntry[plan.entry] ??= {};
    regionalByEntry[plan.entry][plan.region] = pulumi
      .all([copy.imageId, copy.sourceImageId, copy.status])
      .apply(([imageId, sourceImageId, status]) => ({ imageId, sourceImageId, status }));
  }
  const regionalCopies: FleetOutputs["regionalCopies"] = {};
  for (const [entry, byRegion] of Object.entries(regionalByEntry)) regionalCopies[entry] = pulumi.all(byRegion);
  /** The image of catalogue entry `entry` in `where` (undefined: the stack's region). */
  const imageIn = (entry: string, where: string | undefined): pulumi.Output<string> => {
    const source = imageSource(fleet, entry, where);
    return source.kind === "home" ? catalogue[entry] : regional[source.resourceName].imageId;
  };

  const groups: FleetOutputs["groups"] = {};
  for (const [name, group] of Object.entries(fleet.groups)) {
    const instances: InstanceFromSharedImage[] = [];
    for (let index = 0; index < group.count; index++) {
      instances.push(
        new InstanceFromSharedImage(`${name}-${index}`, {
          imageId: imageIn(group.image, group.region),
          region: group.region ?? region,
          approval,
          instanceType: group.instanceType,
          zoneId: group.zoneId,
          vSwitchId: group.vSwitchId,
          securityGroupIds: [...group.securityGroupIds],
          name: `${name}-${index}`,
          hostName: `${name}-${index}`,
          systemDisk: group.systemDisk,
          dataDisks: group.dataDisks ? [...group.dataDisks] : undefined,
          password: group.passwordKey ? secret(group.passwordKey) : undefined,
          keyPairName: group.keyPairName,
          internetMaxBandwidthOut: group.internetMaxBandwidthOut,
          instanceChargeType: group.chargeType,
          tags: { ...group.tags, "fleet-group": name },
          onImageChange: group.onImageChange,
        }),
      );
    }
    groups[name] = pulumi
      .all(instances.map((i) => pulumi.all([i.instanceId, i.status])))
      .apply((pairs) => ({ instanceIds: pairs.map(([id]) => id), statuses: pairs.map(([, status]) => status) }));
  }

  const systemDiskReplacements: FleetOutputs["systemDiskReplacements"] = {};
  for (const [name, replacement] of Object.entries(fleet.systemDiskReplacements)) {
    const credentials = replacement.credentials ?? "keep";
    const resource = new SystemDiskReplacement(`replace-${name}`, {
      instanceId: replacement.instanceId,
      imageId: catalogue[replacement.image],
      region,
      approval,
      systemDiskSize: replacement.systemDiskSize,
      encrypted: replacement.encrypted,
      kmsKeyId: replacement.kmsKeyId,
      password:
        typeof credentials === "object" && "passwordKey" in credentials ? secret(credentials.passwordKey) : undefined,
      keyPairName:
        typeof credentials === "object" && "keyPairName" in credentials ? credentials.keyPairName : undefined,
      passwordInherit: credentials === "imagePreset" ? true : undefined,
      restart: replacement.restart,
      revertOnDelete: replacement.revertOnDelete,
    });
    systemDiskReplacements[name] = pulumi
      .all([resource.instanceId, resource.imageId])
      .apply(([instanceId, imageId]) => ({ instanceId, imageId }));
  }

  const ramPolicy = pulumi
    .all(copyAccounts)
    .apply((accounts) => ramPolicyDocument(approval, { selfAccountId: accounts.find((id) => id !== "") }));
  return { groups, copies, regionalCopies, catalogue, systemDiskReplacements, ramPolicy };
}
