// The image chain as pure functions of the config: which regional copies the catalogue needs, and where each group's
// image comes from.
import { imageSource, regionalCopyPlans } from "../../stacks/chain";
import type { FleetConfig } from "../../stacks/fleet-config";

const fleet = (images: FleetConfig["images"], region: string | undefined = "cn-hangzhou"): FleetConfig => ({
  ...(region === undefined ? {} : { region }),
  approval: { approvedOwners: ["1111111111111111"] },
  images,
  groups: {},
  systemDiskReplacements: {},
});

describe("regionalCopyPlans", () => {
  it.each<[string, FleetConfig["images"], unknown[]]>([
    ["no regions: no second hop", { golden: { imageId: "m-1", copy: {} } }, []],
    [
      "one per other region, regions sorted, entries in config order, KMS keys per region",
      {
        b: {
          imageId: "m-2",
          copy: { encrypted: true },
          regions: { "cn-shanghai": {}, "cn-beijing": { kmsKeyId: "k-bj" } },
        },
        a: { imageId: "m-1", copy: {}, regions: { "cn-shanghai": {} } },
      },
      [
        { entry: "b", resourceName: "image-b-cn-beijing", region: "cn-beijing", kmsKeyId: "k-bj" },
        { entry: "b", resourceName: "image-b-cn-shanghai", region: "cn-shanghai" },
        { entry: "a", resourceName: "image-a-cn-shanghai", region: "cn-shanghai" },
      ],
    ],
  ])("%s", (_, images, expected) => {
    expect(regionalCopyPlans(fleet(images))).toEqual(expected);
  });
});

describe("imageSource", () => {
  const images: FleetConfig["images"] = {
    golden: { imageId: "m-1" },
    "golden-copy": { imageId: "m-1", copy: {}, regions: { "cn-shanghai": {} } },
  };

  it.each<[string, string, string | undefined, string | undefined, unknown]>([
    ["a group without a region uses the home image", "golden-copy", undefined, "cn-hangzhou", { kind: "home" }],
    [
      "a group in the stack's region uses the home image",
      "golden-copy",
      "cn-hangzhou",
      "cn-hangzhou",
      { kind: "home" },
    ],
    [
      "a group in another region uses that region's copy",
      "golden-copy",
      "cn-shanghai",
      "cn-hangzhou",
      { kind: "regional", resourceName: "image-golden-copy-cn-shanghai" },
    ],
    ["a stack whose region is the environment's uses the home image", "golden", undefined, undefined, { kind: "home" }],
  ])("%s", (_, entry, region, stackRegion, expected) => {
    expect(imageSource(fleet(images, stackRegion), entry, region)).toEqual(expected);
  });

  it("throws for a region the entry does not reach (validation refuses that config)", () => {
    expect(() => imageSource(fleet(images), "golden", "cn-shanghai")).toThrow(
      "images.golden does not reach cn-shanghai",
    );
  });
});
