// SystemDiskReplacement's pure rules as tables: the input checks that need no ECS call, and the diff (what
// replaces the resource, what re-images the disk, what is only stored).
import { DEMO } from "../../emulator/demo-credentials";
import { passwordDigest } from "../../providers/password";
import { diffSystemDiskReplacement } from "../../providers/system-disk/diff";
import { validateInputs } from "../../providers/system-disk/validate";
import {
  provider,
  type SystemDiskReplacementInputs,
  type SystemDiskReplacementOutputs,
} from "../../providers/system-disk-replacement";
import { UNKNOWN } from "../../providers/wire-values";
import { identity, inputs, PASSWORD } from "../support/system-disk";

const OWNER = DEMO.owner.accountId;
const IMAGES = { base: DEMO.images.publicLinux, other: "m-sdrother01" };

describe("validateInputs (check without ECS)", () => {
  const base = () => inputs("i-bp1abc", {});
  const cases: [string, Partial<SystemDiskReplacementInputs>, { property: string; reason: RegExp }[]][] = [
    ["accepts minimal inputs", {}, []],
    ["rejects a malformed instance id", { instanceId: "vm-1" }, [{ property: "instanceId", reason: /"vm-1"/ }]],
    ["rejects a malformed image id", { imageId: "m bad" }, [{ property: "imageId", reason: /"m bad"/ }]],
    ["rejects a malformed region", { region: "Hangzhou" }, [{ property: "region", reason: /"Hangzhou"/ }]],
    [
      "rejects an approval without owners",
      { approval: { approvedOwners: [] } },
      [{ property: "approval.approvedOwners", reason: /non-empty list/ }],
    ],
    ["rejects a size below 20 GiB", { systemDiskSize: 10 }, [{ property: "systemDiskSize", reason: /20 to 2048/ }]],
    ["rejects a size above 2048 GiB", { systemDiskSize: 4096 }, [{ property: "systemDiskSize", reason: /4096/ }]],
    ["rejects a fractional size", { systemDiskSize: 40.5 }, [{ property: "systemDiskSize", reason: /whole number/ }]],
    [
      "rejects a weak password without quoting it",
      { password: "weakpass" },
      [{ property: "password", reason: /8-30/ }],
    ],
    [
      "rejects password together with keyPairName",
      { password: PASSWORD, keyPairName: "k1" },
      [{ property: "keyPairName", reason: /at most one of password, keyPairName and passwordInherit/ }],
    ],
    [
      "rejects passwordInherit together with a password",
      { password: PASSWORD, passwordInherit: true },
      [{ property: "passwordInherit", reason: /at most one of password, keyPairName and passwordInherit/ }],
    ],
    [
      "rejects a passwordInherit that is not a boolean",
      { passwordInherit: "yes" as never },
      [{ property: "passwordInherit", reason: /must be true or false/ }],
    ],
    [
      "rejects kmsKeyId with encrypted: false",
      { kmsKeyId: "key-1", encrypted: false },
      [{ property: "kmsKeyId", reason: /but the system disk is not encrypted; set encrypted: true/ }],
    ],
    ["leaves kmsKeyId without encrypted to the image check (an encrypted image encrypts)", { kmsKeyId: "key-1" }, []],
    ["rejects an unknown restart mode", { restart: "always" as never }, [{ property: "restart", reason: /previous/ }]],
    [
      "rejects a non-boolean revertOnDelete",
      { revertOnDelete: "yes" as never },
      [{ property: "revertOnDelete", reason: /true or false/ }],
    ],
    [
      "rejects revertOnDelete with passwordInherit (the previous image has another, or no, preset password)",
      { revertOnDelete: true, passwordInherit: true },
      [{ property: "revertOnDelete", reason: /passwordInherit: .*declare password or keyPairName/ }],
    ],
    ["rejects a bad timeout", { timeouts: { create: "soon" } }, [{ property: "timeouts.create", reason: /duration/ }]],
    ["skips values unknown during preview", { instanceId: UNKNOWN, imageId: UNKNOWN }, []],
    ["skips an unknown approval", { approval: UNKNOWN as never }, []],
    ["skips an approval with an unknown owner inside", { approval: { approvedOwners: [UNKNOWN] } }, []],
    [
      "skips an approval with an unknown image allow-list entry",
      { approval: { approvedOwners: [OWNER], allowedImageIds: [UNKNOWN] } },
      [],
    ],
    ["skips timeouts with an unknown duration inside", { timeouts: { create: UNKNOWN } }, []],
    ["skips an identity with an unknown part", { identity: { ...identity(), urn: UNKNOWN } }, []],
    ["skips an unknown size", { systemDiskSize: UNKNOWN as never }, []],
    ["skips an unknown password", { password: UNKNOWN }, []],
    ["accepts kmsKeyId while encrypted is unknown", { kmsKeyId: "key-1", encrypted: UNKNOWN as never }, []],
    [
      "still checks the known values next to an unknown",
      { approval: { approvedOwners: [UNKNOWN] }, systemDiskSize: 10 },
      [{ property: "systemDiskSize", reason: /20 to 2048/ }],
    ],
  ];
  it.each(cases)("%s", (_name, patch, expected) => {
    const failures = validateInputs({ ...base(), ...patch });
    expect(failures).toEqual(expected.map((e) => ({ property: e.property, reason: expect.stringMatching(e.reason) })));
    for (const f of failures) expect(f.reason).not.toContain("weakpass");
  });

  it("requires the identity set by the resource class", () => {
    expect(validateInputs({ ...base(), identity: undefined })).toEqual([
      { property: "identity", reason: expect.stringContaining("construct the resource through its class") },
    ]);
  });
});

describe("diffSystemDiskReplacement", () => {
  const news = inputs("i-bp1abc", { systemDiskSize: 40, password: PASSWORD });
  const olds: SystemDiskReplacementOutputs = {
    ...news,
    password: undefined,
    passwordDigest: passwordDigest("i-bp1abc", PASSWORD),
    previousImageId: IMAGES.base,
    previousSystemDiskId: "d-1",
    newSystemDiskId: "d-2",
    instanceStatus: "Running",
    interrupted: false,
  } as SystemDiskReplacementOutputs;
  const cases: [string, Partial<SystemDiskReplacementInputs>, Partial<SystemDiskReplacementOutputs>, object][] = [
    ["no change", {}, {}, { changes: false, replaces: [], imageChanged: false, reimage: false, resume: false }],
    [
      "image change replaces the disk with the new image",
      { imageId: IMAGES.other },
      {},
      { changes: true, imageChanged: true, reimage: false },
    ],
    [
      "size change re-images the disk from the same image",
      { systemDiskSize: 60 },
      {},
      { changes: true, imageChanged: false, reimage: true, reasons: ["systemDiskSize"] },
    ],
    [
      "password change re-images the disk from the same image",
      { password: "Other-Pass-123" },
      {},
      { changes: true, reimage: true, reasons: ["password"] },
    ],
    ["a password unknown during preview re-images", { password: UNKNOWN }, {}, { reimage: true }],
    ["switching to a key pair re-images", { password: undefined, keyPairName: "k1" }, {}, { reimage: true }],
    [
      "asking for the image's preset password re-images",
      { password: undefined, passwordInherit: true },
      {},
      { reimage: true, reasons: ["passwordInherit"] },
    ],
    ["encryption change re-images", { encrypted: true }, {}, { reimage: true }],
    ["kms key change re-images", { encrypted: true, kmsKeyId: "key-2" }, {}, { reimage: true }],
    [
      "image and password change together: one replacement with the new image",
      { imageId: IMAGES.other, password: "Other-Pass-123" },
      {},
      { imageChanged: true, reimage: false },
    ],
    [
      "removing the password keeps the instance's password: only stored",
      { password: undefined },
      {},
      { changes: true, replaces: [], imageChanged: false, reimage: false },
    ],
    [
      "removing the size keeps the disk's size: only stored",
      { systemDiskSize: undefined },
      {},
      { changes: true, replaces: [], imageChanged: false, reimage: false },
    ],
    ["encrypted false is the default", { encrypted: false }, {}, { changes: true, reimage: false }],
    [
      "declaring encrypted: true for an encrypted image re-images nothing (it was already)",
      { encrypted: true, imageEncrypted: true },
      { imageEncrypted: true },
      { reimage: false },
    ],
    [
      "removing encrypted: true for an encrypted image re-images nothing (the image's default)",
      { imageEncrypted: true },
      { encrypted: true, imageEncrypted: true },
      { reimage: false },
    ],
    ["instance change replaces the resource", { instanceId: "i-bp1other" }, {}, { replaces: ["instanceId"] }],
    ["region change replaces the resource", { region: DEMO.otherRegion }, {}, { replaces: ["region"] }],
    [
      "a state without a recorded region (older version) is not replaced; the region gets recorded",
      {},
      { region: undefined },
      { changes: true, replaces: [], imageChanged: false, reimage: false },
    ],
    ["restart only updates what is stored", { restart: "running" }, {}, { changes: true, reimage: false }],
    ["revertOnDelete only updates what is stored", { revertOnDelete: true }, {}, { changes: true, reimage: false }],
    [
      "an interrupted run whose disk was replaced is finished, not re-imaged again",
      {},
      { interrupted: true },
      { changes: true, imageChanged: false, reimage: false, resume: true },
    ],
    [
      "an interrupted replacement that replaced nothing yet (the prior image recorded) still replaces",
      {},
      { interrupted: true, imageId: IMAGES.base },
      { changes: true, imageChanged: true, reimage: false, resume: true },
    ],
    [
      "setting the image back after an interrupted run that replaced nothing winds it back: nothing to re-image",
      { imageId: IMAGES.base },
      { interrupted: true, imageId: IMAGES.base },
      { changes: true, imageChanged: false, reimage: false, resume: true },
    ],
    [
      "an interrupted run recorded before its password was applied asks for the password again",
      {},
      { interrupted: true, passwordDigest: undefined },
      { reimage: true, reasons: ["password"], resume: true },
    ],
    ["drift found by refresh replaces again", {}, { imageId: IMAGES.other }, { changes: true, imageChanged: true }],
  ];
  it.each(cases)("%s", (_name, newPatch, oldPatch, expected) => {
    expect(diffSystemDiskReplacement({ ...olds, ...oldPatch }, { ...news, ...newPatch })).toMatchObject(expected);
  });

  it("provider.diff always answers a definite changes flag", async () => {
    const diff = await (provider.diff as NonNullable<typeof provider.diff>)("i-bp1abc", olds, news);
    expect(diff).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
  });
});
