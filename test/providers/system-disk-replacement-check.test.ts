// SystemDiskReplacement's check() against the in-process emulator: what it asks ECS (read-only) and the failures a
// user sees at preview; and what a change of the stack's default region does.
import { provider, type SystemDiskReplacementInputs } from "../../providers/system-disk-replacement";
import { UNKNOWN } from "../../providers/wire-values";
import { DEMO, emulatorStackConfig } from "../support/emulator";
import { undefinedPaths } from "../support/expect";
import { inputs } from "../support/system-disk";
import {
  check,
  configure,
  create,
  emu,
  IMAGES,
  lastSeq,
  mutatingSince,
  newInstance,
  OWNER,
  REGION,
  useSystemDiskEmulator,
} from "../support/system-disk-emulator";

useSystemDiskEmulator();

describe("check against ECS (read-only)", () => {
  let instanceId: string;
  beforeAll(async () => {
    instanceId = await newInstance();
  });

  async function failuresFor(patch: Partial<SystemDiskReplacementInputs>) {
    const since = lastSeq();
    const result = await check({}, inputs(instanceId, patch));
    expect(mutatingSince(since)).toEqual([]);
    return result.failures;
  }

  it("accepts an approved shared image for an existing instance", async () => {
    expect(await failuresFor({})).toEqual([]);
  });

  it("reports an instance that does not exist", async () => {
    expect(await failuresFor({ instanceId: "i-bp1doesnotexist" })).toEqual([
      {
        property: "instanceId",
        reason: `instance i-bp1doesnotexist does not exist in ${REGION} (or these credentials cannot see it)`,
      },
    ]);
  });

  it("reports an image that does not exist or is not shared", async () => {
    expect(await failuresFor({ imageId: "m-nosuchimage" })).toEqual([
      {
        property: "imageId",
        reason: `image m-nosuchimage is not visible to this account in ${REGION}: it does not exist there, or its owner has not shared it with this account (or revoked the share)`,
      },
    ]);
  });

  it("refuses an image whose owner is not approved, naming image and owner", async () => {
    expect(await failuresFor({ imageId: IMAGES.unapproved })).toEqual([
      {
        property: "imageId",
        reason: `image ${IMAGES.unapproved} ("handy-tools-image") of owner 3333333333333333 is not approved: the owner is not in approvedOwners (${OWNER})`,
      },
    ]);
  });

  it("refuses a deprecated image", async () => {
    expect(await failuresFor({ imageId: IMAGES.deprecated })).toEqual([
      { property: "imageId", reason: expect.stringContaining("is deprecated by its owner") },
    ]);
  });

  it("encrypts the disk of an encrypted shared image by default, shown as imageEncrypted; refuses encrypted: false", async () => {
    const checked = await check({}, inputs(instanceId, { imageId: IMAGES.encrypted }));
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ imageEncrypted: true });
    expect(checked.inputs).not.toHaveProperty("encrypted");
    expect(await failuresFor({ imageId: IMAGES.encrypted, encrypted: true })).toEqual([]);
    expect(await failuresFor({ imageId: IMAGES.encrypted, encrypted: false })).toEqual([
      { property: "encrypted", reason: expect.stringContaining(`image ${IMAGES.encrypted} is encrypted`) },
    ]);
    expect((await check({}, inputs(instanceId))).inputs).toMatchObject({ imageEncrypted: false });
  });

  it("refuses a KMS key for a plain image without encrypted: true", async () => {
    expect(await failuresFor({ kmsKeyId: DEMO.workload.kmsKeyId })).toEqual([
      {
        property: "kmsKeyId",
        reason: expect.stringMatching(/is not encrypted and encrypted is not set; set encrypted: true/),
      },
    ]);
  });

  it("refuses a size smaller than the image", async () => {
    expect(await failuresFor({ systemDiskSize: 30 })).toEqual([
      { property: "systemDiskSize", reason: `30 GiB is smaller than image ${IMAGES.plain} (40 GiB)` },
    ]);
  });

  it("skips the ECS checks when nothing they cover changed (fast previews)", async () => {
    const news = inputs(instanceId);
    const since = lastSeq();
    expect((await check(news, { ...news, restart: "running" })).failures).toEqual([]);
    expect(emu.admin.requests({ since })).toEqual([]);
  });

  it("skips the ECS checks while a nested input is unknown, and reports no failure", async () => {
    const since = lastSeq();
    const result = await check({}, inputs(instanceId, { approval: { approvedOwners: [UNKNOWN] } }));
    expect(result.failures).toEqual([]);
    expect(emu.admin.requests({ since })).toEqual([]);
    // Unknown, not absent: a plan saved by this preview must accept the value the check finds at apply time.
    expect(result.inputs.imageEncrypted).toBe(UNKNOWN);
  });

  it("resolves the region from the stack config and records it in the checked inputs", async () => {
    const { region: _region, ...withoutRegion } = inputs(instanceId);
    const result = await check({}, withoutRegion);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ region: REGION });
  });

  it("returns inputs without undefined values", async () => {
    const result = await check({}, inputs(instanceId, { password: undefined, systemDiskSize: undefined }));
    expect(result.failures).toEqual([]);
    expect(undefinedPaths(result.inputs)).toEqual([]);
  });
});

describe("a change of the stack's default region", () => {
  it("is a replacement, and read still looks where the instance is", async () => {
    const instanceId = await newInstance();
    const { region: _region, ...withoutRegion } = inputs(instanceId);
    const checked = (await check({}, withoutRegion)).inputs as SystemDiskReplacementInputs;
    const { outs } = await create(checked);
    expect(outs.region).toBe(REGION);
    try {
      await (provider.configure as (req: unknown) => Promise<void>)({
        config: emulatorStackConfig(emu, { region: DEMO.otherRegion }),
      });
      const next = await check(checked, withoutRegion);
      expect(next.inputs).toMatchObject({ region: DEMO.otherRegion });
      const diff = await (provider.diff as NonNullable<typeof provider.diff>)(instanceId, outs, next.inputs);
      expect(diff).toMatchObject({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
      const read = await (provider.read as NonNullable<typeof provider.read>)(instanceId, outs);
      expect(read).toEqual({ id: instanceId, props: outs });
    } finally {
      await configure();
    }
  });

  it("read records the region of a state written before regions were recorded", async () => {
    const instanceId = await newInstance();
    const { outs } = await create(inputs(instanceId));
    const { region: _region, ...legacy } = outs;
    const read = await (provider.read as NonNullable<typeof provider.read>)(instanceId, legacy);
    expect(read.props).toEqual(outs);
  });
});
