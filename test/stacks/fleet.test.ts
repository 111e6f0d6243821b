// The fleet program's resource graph under Pulumi mocks (dynamic providers never run here; see the e2e tests).
import * as pulumi from "@pulumi/pulumi";
import type { FleetConfig } from "../../stacks/fleet-config";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const id = `${args.name}-id`;
      // The outputs the resources compute: ids and statuses.
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.endsWith(":SharedImageCopy"))
        Object.assign(state, { imageId: `m-copy-${args.name}`, status: "Available", accountId: WORKLOAD });
      if (args.type.endsWith(":RegionalImageCopy"))
        Object.assign(state, { imageId: `m-regional-${args.name}`, status: "Available", accountId: WORKLOAD });
      if (args.type.endsWith(":InstanceFromSharedImage"))
        Object.assign(state, { instanceId: `i-${args.name}`, status: "Running" });
      return { id, state };
    },
    call: () => {
      throw new Error("the fleet program makes no provider calls");
    },
  },
  "ecs-shared-images",
  "test",
  true,
);

// Loaded after setMocks so every resource registers against the mocks.
const { declareFleet } = require("../../stacks/fleet") as typeof import("../../stacks/fleet");

const OWNER = "1111111111111111";
const WORKLOAD = "2222222222222222";
const network = { instanceType: "ecs.g7.large", vSwitchId: "vsw-a", securityGroupIds: ["sg-a"] };

function fleet(partial: Partial<FleetConfig>): FleetConfig {
  return { approval: { approvedOwners: [OWNER] }, images: {}, groups: {}, systemDiskReplacements: {}, ...partial };
}

const value = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => {
    output.apply((v) => {
      resolve(v);
      return v;
    });
  });

const secret = (key: string) => pulumi.secret(`value-of-${key}`);

beforeEach(() => {
  registered.length = 0;
});

const ofType = (suffix: string) => registered.filter((r) => r.type.endsWith(suffix));

describe("declareFleet", () => {
  it("uses a shared image directly when the catalogue entry has no copy", async () => {
    const out = declareFleet(
      fleet({
        images: { golden: { imageId: "m-shared" } },
        groups: { web: { count: 2, image: "golden", ...network } },
      }),
      secret,
    );
    await value(out.groups.web);
    expect(ofType(":SharedImageCopy")).toHaveLength(0);
    expect(ofType(":InstanceFromSharedImage").map((r) => [r.name, r.inputs.imageId])).toEqual([
      ["web-0", "m-shared"],
      ["web-1", "m-shared"],
    ]);
  });

  it("copies the image first and builds the group from the copy (a copy chain)", async () => {
    const out = declareFleet(
      fleet({
        images: { golden: { imageId: "m-shared", copy: { name: "golden-copy", encrypted: true, kmsKeyId: "key-1" } } },
        groups: { web: { count: 1, image: "golden", ...network } },
      }),
      secret,
    );
    expect(await value(out.groups.web)).toEqual({ instanceIds: ["i-web-0"], statuses: ["Running"] });
    const [copy] = ofType(":SharedImageCopy");
    expect(copy.name).toBe("image-golden");
    expect(copy.inputs).toMatchObject({
      sourceImageId: "m-shared",
      encrypted: true,
      kmsKeyId: "key-1",
      name: "golden-copy",
    });
    expect(ofType(":InstanceFromSharedImage")[0].inputs.imageId).toBe("m-copy-image-golden");
    expect(await value(out.copies.golden)).toEqual({
      imageId: "m-copy-image-golden",
      sourceImageId: "m-shared",
      status: "Available",
    });
  });

  it("copies the copy into each other region and runs each group from the image of its region (both hops)", async () => {
    const out = declareFleet(
      fleet({
        region: "cn-hangzhou",
        images: {
          golden: {
            imageId: "m-shared",
            copy: { name: "golden-copy", encrypted: true, kmsKeyId: "key-hz", tags: { team: "platform" } },
            regions: { "cn-shanghai": { kmsKeyId: "key-sh" } },
          },
        },
        groups: {
          web: { count: 1, image: "golden", ...network },
          "web-sh": { count: 1, image: "golden", region: "cn-shanghai", ...network },
        },
      }),
      secret,
    );
    await value(out.groups["web-sh"]);
    expect(ofType(":RegionalImageCopy").map((r) => [r.name, r.inputs])).toEqual([
      [
        "image-golden-cn-shanghai",
        expect.objectContaining({
          sourceImageId: "m-copy-image-golden",
          region: "cn-shanghai",
          name: "golden-copy",
          encrypted: true,
          kmsKeyId: "key-sh",
          tags: { team: "platform" },
        }),
      ],
    ]);
    expect(ofType(":InstanceFromSharedImage").map((r) => [r.name, r.inputs.imageId, r.inputs.region])).toEqual([
      ["web-0", "m-copy-image-golden", undefined],
      ["web-sh-0", "m-regional-image-golden-cn-shanghai", "cn-shanghai"],
    ]);
    expect(await value(out.regionalCopies.golden)).toEqual({
      "cn-shanghai": {
        imageId: "m-regional-image-golden-cn-shanghai",
        sourceImageId: "m-copy-image-golden",
        status: "Available",
      },
    });
    expect(Object.keys(out.regionalCopies)).toEqual(["golden"]);
  });

  it("declares count instances per group, each named and tagged with its group, and none for count 0", async () => {
    const out = declareFleet(
      fleet({
        images: { golden: { imageId: "m-shared" } },
        groups: {
          web: { count: 3, image: "golden", ...network, tags: { app: "web" } },
          idle: { count: 0, image: "golden", ...network },
        },
      }),
      secret,
    );
    await value(out.groups.web);
    expect(await value(out.groups.idle)).toEqual({ instanceIds: [], statuses: [] });
    const instances = ofType(":InstanceFromSharedImage");
    expect(instances.map((r) => r.name)).toEqual(["web-0", "web-1", "web-2"]);
    expect(instances[0].inputs.tags).toEqual({ app: "web", "fleet-group": "web" });
  });

  it("passes the group's disks, key pair and image-change behaviour to every instance", async () => {
    const out = declareFleet(
      fleet({
        images: { golden: { imageId: "m-shared" } },
        groups: {
          db: {
            count: 1,
            image: "golden",
            ...network,
            systemDisk: { category: "cloud_essd", size: 80, encrypted: true },
            dataDisks: [{ size: 200, encrypted: true, kmsKeyId: "key-2" }],
            keyPairName: "ops",
            onImageChange: "replaceSystemDisk",
          },
        },
      }),
      secret,
    );
    await value(out.groups.db);
    expect(ofType(":InstanceFromSharedImage")[0].inputs).toMatchObject({
      systemDisk: { category: "cloud_essd", size: 80, encrypted: true },
      dataDisks: [{ size: 200, encrypted: true, kmsKeyId: "key-2" }],
      keyPairName: "ops",
      onImageChange: "replaceSystemDisk",
    });
  });

  it("replaces system disks of instances it does not own, from the catalogue", async () => {
    const out = declareFleet(
      fleet({
        images: { golden: { imageId: "m-shared" } },
        systemDiskReplacements: {
          legacy: { instanceId: "i-legacy", image: "golden", credentials: { keyPairName: "ops" } },
        },
      }),
      secret,
    );
    await value(out.systemDiskReplacements.legacy);
    const [replacement] = ofType(":SystemDiskReplacement");
    expect(replacement.name).toBe("replace-legacy");
    expect(replacement.inputs).toMatchObject({ instanceId: "i-legacy", imageId: "m-shared", keyPairName: "ops" });
  });

  it("outputs the RAM policy that enforces the same owner allow-list", async () => {
    const out = declareFleet(fleet({ approval: { approvedOwners: [OWNER, "4444444444444444"] } }), secret);
    expect(await value(out.ramPolicy)).toEqual({
      Version: "1",
      Statement: [
        expect.objectContaining({
          Action: ["ecs:RunInstances", "ecs:CreateInstance"],
          Effect: "Deny",
          Condition: { StringNotEquals: { "ecs:ImageOwnerId": [OWNER, "4444444444444444"] } },
        }),
      ],
    });
  });

  it("lets the RAM policy allow the account's own copies when the catalogue copies images", async () => {
    const out = declareFleet(
      fleet({ images: { golden: { imageId: "m-shared", copy: { name: "golden-copy" } } } }),
      secret,
    );
    const policy = await value(out.ramPolicy);
    expect(policy.Statement[0].Condition).toEqual({ StringNotEquals: { "ecs:ImageOwnerId": [OWNER, WORKLOAD] } });
  });
});
