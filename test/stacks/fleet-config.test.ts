// The fleet config's validation: every problem listed with its key path, and the typed config it yields.
import { validateSharedImageCopyInputs } from "../../providers/copy/validate";
import { validateInputs } from "../../providers/instance/validate";
import { maxUserTags } from "../../providers/tags";
import { parseFleetConfig } from "../../stacks/fleet-config";
import { withChanges as changed, configSource, problemsOf as problemsIn } from "../support/fleet-config";

const OWNER = "1234567890123456";

function base(): Record<string, unknown> {
  return {
    approval: { approvedOwners: [OWNER] },
    images: {
      golden: { imageId: "m-golden1" },
      "golden-copy": { imageId: "m-golden1", copy: { name: "golden-copy", encrypted: true, kmsKeyId: "key-1" } },
    },
    groups: {
      web: {
        count: 2,
        image: "golden",
        instanceType: "ecs.g7.large",
        vSwitchId: "vsw-abc",
        securityGroupIds: ["sg-abc"],
        passwordKey: "webPassword",
      },
    },
    systemDiskReplacements: { legacy: { instanceId: "i-legacy1", image: "golden-copy", credentials: "keep" } },
    webPassword: "s3cret-Passw0rd",
  };
}

const source = (values: Record<string, unknown>, secrets: string[] = ["webPassword"]) => configSource(values, secrets);
const problemsOf = (values: Record<string, unknown>, secrets?: string[]) => problemsIn(source(values, secrets));
const withChanges = (set: Record<string, unknown>) => changed(base(), set);

describe("parseFleetConfig", () => {
  it("accepts the base config and types it", () => {
    const fleet = parseFleetConfig(source(base()));
    expect(Object.keys(fleet.images)).toEqual(["golden", "golden-copy"]);
    expect(fleet.groups.web.count).toBe(2);
    expect(fleet.systemDiskReplacements.legacy.credentials).toBe("keep");
  });

  it.each([
    [{ approval: undefined }, "approval: is required"],
    [{ images: {} }, "images: must name at least one image"],
    [
      { "images.golden.imageId": "golden" },
      'images.golden.imageId: must be an image id like "m-bp1abc..."; got "golden"',
    ],
    [{ "images.golden.colour": "red" }, "images.golden.colour: is not a known key; allowed: imageId, copy, regions"],
    [{ "images.golden-copy.copy.encrypted": false }, "images.golden-copy.copy.kmsKeyId: needs encrypted: true"],
    [{ "groups.web.count": 101 }, "groups.web.count: must be a whole number from 0 to 100; got 101"],
    [{ "groups.web.count": 1.5 }, "groups.web.count: must be a whole number from 0 to 100; got 1.5"],
    [
      { "groups.web.image": "silver" },
      'groups.web.image: must name a catalogue image ("golden", "golden-copy"); got "silver"',
    ],
    [{ "groups.web.instanceType": undefined }, "groups.web.instanceType: is required"],
    [{ "groups.web.vSwitchId": "abc" }, 'groups.web.vSwitchId: must be a vSwitch id like "vsw-..."; got "abc"'],
    [{ "groups.web.securityGroupIds": [] }, "groups.web.securityGroupIds: must be a list of 1 to 5 security group ids"],
    [
      { "groups.web.onImageChange": "recreate" },
      'groups.web.onImageChange: must be one of "replace", "replaceSystemDisk"',
    ],
    [{ "groups.web.chargeType": "Spot" }, 'groups.web.chargeType: must be one of "PostPaid"; got "Spot"'],
    [
      { "groups.web.dataDisks": [{ category: "cloud_essd" }] },
      "groups.web.dataDisks[0].size: is required for a data disk",
    ],
    [{ "groups.web.systemDisk": { category: "hdd" } }, "groups.web.systemDisk.category: must be one of"],
    [
      { "groups.web.passwordKey": "dbPassword" },
      'groups.web.passwordKey: names config key "dbPassword", which is not set',
    ],
    [{ "groups.web.keyPairName": "ops" }, "groups.web.passwordKey: give either keyPairName or passwordKey, not both"],
    [
      { "groups.Web": (base().groups as Record<string, unknown>).web },
      "groups.Web: names must start with a lowercase letter",
    ],
    [
      { "systemDiskReplacements.legacy.instanceId": "legacy" },
      "systemDiskReplacements.legacy.instanceId: must be an instance id",
    ],
    [{ "systemDiskReplacements.legacy.credentials": {} }, 'systemDiskReplacements.legacy.credentials: must be "keep"'],
    [{ "systemDiskReplacements.legacy.restart": "always" }, "systemDiskReplacements.legacy.restart: must be one of"],
    [
      { "systemDiskReplacements.legacy.kmsKeyId": "key-1" },
      "systemDiskReplacements.legacy.kmsKeyId: needs encrypted: true",
    ],
    [{ "systemDiskReplacements.legacy.encrypted": "yes" }, "systemDiskReplacements.legacy.encrypted: must be"],
    [
      { fleetSize: 3 },
      "fleetSize: is not a fleet config key; allowed: approval, images, groups, systemDiskReplacements",
    ],
  ])("reports %j", (changes, expected) => {
    const problems = problemsOf(withChanges(changes));
    // The change's own problem is reported (a change can have knock-on findings, e.g. an emptied catalogue).
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it("reports nothing else for a single-field change", () => {
    expect(problemsOf(withChanges({ "groups.web.count": 101 }))).toHaveLength(1);
  });

  it("accepts an encrypted system disk replacement with a KMS key (needed for an encrypted image)", () => {
    const fleet = parseFleetConfig(
      source(
        withChanges({
          "systemDiskReplacements.legacy.encrypted": true,
          "systemDiskReplacements.legacy.kmsKeyId": "key-1",
        }),
      ),
    );
    expect(fleet.systemDiskReplacements.legacy).toMatchObject({ encrypted: true, kmsKeyId: "key-1" });
  });

  it("refuses imagePreset credentials with revertOnDelete (the revert's image has another preset password)", () => {
    expect(() =>
      parseFleetConfig(
        source(
          withChanges({
            "systemDiskReplacements.legacy.credentials": "imagePreset",
            "systemDiskReplacements.legacy.revertOnDelete": true,
          }),
        ),
      ),
    ).toThrow(/systemDiskReplacements\.legacy\.revertOnDelete: cannot be combined with credentials "imagePreset"/);
  });

  it("accepts imagePreset credentials for a system disk replacement (the image's preset password)", () => {
    const fleet = parseFleetConfig(source(withChanges({ "systemDiskReplacements.legacy.credentials": "imagePreset" })));
    expect(fleet.systemDiskReplacements.legacy.credentials).toBe("imagePreset");
  });

  it("allows a copy exactly the tags the copy resource accepts, and a group one less than an instance (fleet-group)", () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    const copies = maxUserTags("image");
    const copyInputs = (n: number) => ({
      sourceImageId: "m-golden1",
      approval: { approvedOwners: [OWNER] },
      tags: tags(n),
    });
    expect(problemsOf(withChanges({ "images.golden-copy.copy.tags": tags(copies) }))).toEqual([]);
    const tagFailures = (n: number) =>
      validateSharedImageCopyInputs(copyInputs(n)).filter((f) => f.property.startsWith("tags"));
    expect(tagFailures(copies)).toEqual([]);
    expect(problemsOf(withChanges({ "images.golden-copy.copy.tags": tags(copies + 1) }))).toEqual([
      expect.stringContaining(`images.golden-copy.copy.tags: has ${copies + 1} tags; at most ${copies}`),
    ]);
    expect(tagFailures(copies + 1)).toHaveLength(1);

    const groups = maxUserTags("instance") - 1;
    expect(problemsOf(withChanges({ "groups.web.tags": tags(groups) }))).toEqual([]);
    expect(
      validateInputs({ tags: { ...tags(groups), "fleet-group": "web" } }).filter((f) => f.property === "tags"),
    ).toEqual([]);
    expect(problemsOf(withChanges({ "groups.web.tags": tags(groups + 1) }))).toEqual([
      expect.stringContaining(`groups.web.tags: has ${groups + 1} tags; at most ${groups}`),
    ]);
  });

  it("refuses a password kept in plaintext config", () => {
    expect(problemsOf(base(), [])).toEqual([
      'groups.web.passwordKey: names config key "webPassword", which is stored in plaintext; re-set it with --secret',
    ]);
  });

  it("reports every problem at once, in one error naming each key path", () => {
    const config = withChanges({ "groups.web.count": -1, "groups.web.image": "none", fleetSize: 1 });
    expect(() => parseFleetConfig(source(config))).toThrow(
      /3 problems[\s\S]*groups\.web\.count[\s\S]*groups\.web\.image/,
    );
  });
});
