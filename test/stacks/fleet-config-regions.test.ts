// The fleet config across regions: which regions a catalogue entry exists in (its copy, then a copy of the copy per
// region), which region each group runs in, and every way the two can disagree, each named with its key path.
import { parseFleetConfig } from "../../stacks/fleet-config";
import { configSource, problemsOf, withChanges } from "../support/fleet-config";

const HOME = "cn-hangzhou";
const network = (region: "hz" | "sh") => ({
  instanceType: "ecs.g7.large",
  zoneId: region === "hz" ? "cn-hangzhou-h" : "cn-shanghai-b",
  vSwitchId: `vsw-${region}`,
  securityGroupIds: [`sg-${region}`],
});

function base(): Record<string, unknown> {
  return {
    approval: { approvedOwners: ["1234567890123456"] },
    images: {
      golden: { imageId: "m-golden1" },
      "golden-copy": { imageId: "m-golden1", copy: {}, regions: ["cn-shanghai"] },
      "golden-enc": {
        imageId: "m-golden2",
        copy: { encrypted: true, kmsKeyId: "key-hz" },
        regions: { "cn-shanghai": { kmsKeyId: "key-sh" } },
      },
    },
    groups: {
      web: { count: 1, image: "golden-copy", ...network("hz") },
      "web-sh": { count: 1, image: "golden-copy", region: "cn-shanghai", ...network("sh") },
    },
  };
}

/** The problems of the base config with `set` applied, in a stack of `region` (null: none set). */
const problems = (set: Record<string, unknown>, region: string | null = HOME) =>
  problemsOf(configSource(withChanges(base(), set)), region ?? undefined);

describe("parseFleetConfig across regions", () => {
  it("types an entry's regions as a map of the other regions, from a list or a map", () => {
    const fleet = parseFleetConfig(configSource(base()), HOME);
    expect(fleet.region).toBe(HOME);
    expect(fleet.images["golden-copy"].regions).toEqual({ "cn-shanghai": {} });
    expect(fleet.images["golden-enc"].regions).toEqual({ "cn-shanghai": { kmsKeyId: "key-sh" } });
    expect(fleet.images.golden.regions).toBeUndefined();
    expect(fleet.groups["web-sh"].region).toBe("cn-shanghai");
    expect(fleet.groups.web.region).toBeUndefined();
  });

  it("accepts the stack's own region in the list (the image is there already) and a region without options", () => {
    const fleet = parseFleetConfig(
      configSource(
        withChanges(base(), {
          "images.golden-copy.regions": [HOME, "cn-shanghai"],
          "images.golden.copy": {},
          "images.golden.regions": { "cn-shanghai": null },
        }),
      ),
      HOME,
    );
    expect(fleet.images["golden-copy"].regions).toEqual({ "cn-shanghai": {} });
    expect(fleet.images.golden.regions).toEqual({ "cn-shanghai": {} });
  });

  it("accepts an entry encrypted with the service key in every region without naming keys", () => {
    expect(
      problems({ "images.golden-enc.copy": { encrypted: true }, "images.golden-enc.regions": ["cn-shanghai"] }),
    ).toEqual([]);
  });

  it("lets groups of one region share a vSwitch and security groups", () => {
    expect(problems({ "groups.api": { count: 1, image: "golden", ...network("hz") } })).toEqual([]);
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { "groups.web-sh.image": "golden" },
      'groups.web-sh.region: is "cn-shanghai", which images.golden does not reach: it exists in "cn-hangzhou"; ' +
        'add "cn-shanghai" to images.golden.regions, or run the group in one of those',
    ],
    [
      { "groups.web-sh.region": "cn-beijing", "groups.web-sh.zoneId": undefined },
      'groups.web-sh.region: is "cn-beijing", which images.golden-copy does not reach: it exists in "cn-hangzhou", "cn-shanghai"',
    ],
    [
      { "groups.web-sh.region": "shanghai" },
      'groups.web-sh.region: must be a region id like "cn-shanghai"; got "shanghai"',
    ],
    [
      { "images.golden-copy.regions": ["Shanghai"] },
      'images.golden-copy.regions[0]: must be a region id like "cn-shanghai"; got "Shanghai"',
    ],
    [
      { "images.golden-copy.regions": { sh: {} } },
      'images.golden-copy.regions.sh: must be a region id like "cn-shanghai"; got "sh"',
    ],
    [
      { "images.golden-copy.regions": "cn-shanghai" },
      'images.golden-copy.regions: must be a list of region ids (["cn-shanghai"]) or a map of region id to { kmsKeyId }',
    ],
    [
      { "images.golden-copy.regions": ["cn-shanghai", "cn-shanghai"] },
      'images.golden-copy.regions[1]: lists "cn-shanghai" twice',
    ],
    [
      { "images.golden.regions": ["cn-shanghai"] },
      "images.golden.regions: needs images.golden.copy: ECS copies an image shared by another account only within " +
        "its own region, so the other regions are copied from a copy of our own in cn-hangzhou; add copy ({} takes the defaults)",
    ],
    [
      { "images.golden-enc.regions": ["cn-shanghai"] },
      'images.golden-enc.regions.cn-shanghai.kmsKeyId: is required: images.golden-enc.copy is encrypted with KMS key "key-hz" ' +
        "of cn-hangzhou, and a KMS key exists in one region only; name this account's key in cn-shanghai",
    ],
    [
      { "images.golden-copy.regions": { "cn-shanghai": { kmsKeyId: "key-sh" } } },
      "images.golden-copy.regions.cn-shanghai.kmsKeyId: needs images.golden-copy.copy.encrypted: true",
    ],
    [
      { "images.golden-enc.regions.cn-hangzhou": { kmsKeyId: "key-hz2" } },
      "images.golden-enc.regions.cn-hangzhou.kmsKeyId: cn-hangzhou is the stack's region, where images.golden-enc.copy " +
        "is made: set its key as images.golden-enc.copy.kmsKeyId",
    ],
    [
      { "images.golden-copy.regions": { "cn-shanghai": { kms: "key-sh" } } },
      "images.golden-copy.regions.cn-shanghai.kms: is not a known key; allowed: kmsKeyId",
    ],
    [
      { "groups.web-sh.zoneId": "cn-hangzhou-h" },
      'groups.web-sh.zoneId: is "cn-hangzhou-h", not a zone of the group\'s region "cn-shanghai": zone ids begin with ' +
        'their region\'s id, like "cn-shanghai-b"',
    ],
    [
      { "groups.web.zoneId": "cn-shanghai-b" },
      'groups.web.zoneId: is "cn-shanghai-b", not a zone of the group\'s region "cn-hangzhou" (the stack\'s)',
    ],
    [
      { "groups.web-sh.vSwitchId": "vsw-hz" },
      'groups.web-sh.vSwitchId: names "vsw-hz" in "cn-shanghai", but groups.web.vSwitchId names it in "cn-hangzhou": ' +
        "a vSwitch or security group belongs to one region, so one of the two is of another region",
    ],
    [
      { "groups.web-sh.securityGroupIds": ["sg-sh", "sg-hz"] },
      'groups.web-sh.securityGroupIds: names "sg-hz" in "cn-shanghai", but groups.web.securityGroupIds names it in "cn-hangzhou"',
    ],
  ])("reports %j, and nothing else", (changes, expected) => {
    expect(problems(changes)).toEqual([expect.stringContaining(expected)]);
  });

  it("needs the stack's region once the fleet names regions, and not before", () => {
    expect(problems({}, null)).toEqual([
      expect.stringMatching(/^alicloud:region: is required when the fleet names regions/),
    ]);
    const oneRegion = { "images.golden-copy.regions": undefined, "images.golden-enc.regions": undefined };
    expect(problems({ ...oneRegion, "groups.web-sh": undefined }, null)).toEqual([]);
  });

  it("reports every region problem at once", () => {
    expect(
      problems({
        "groups.web-sh.image": "golden",
        "groups.web-sh.zoneId": "cn-hangzhou-h",
        "images.golden-enc.regions": ["cn-shanghai", "eu-central-1"],
      }),
    ).toEqual([
      expect.stringMatching(/^images\.golden-enc\.regions\.cn-shanghai\.kmsKeyId: is required/),
      expect.stringMatching(/^images\.golden-enc\.regions\.eu-central-1\.kmsKeyId: is required/),
      expect.stringMatching(/^groups\.web-sh\.region: is "cn-shanghai", which images\.golden does not reach/),
      expect.stringMatching(/^groups\.web-sh\.zoneId: is "cn-hangzhou-h", not a zone/),
    ]);
  });
});
