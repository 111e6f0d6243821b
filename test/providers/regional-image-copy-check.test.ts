// RegionalImageCopy's check() against the in-process emulator: what it refuses at preview (a source that is not this
// account's, the source's own region, a region ECS does not know), each failure naming the property, and what it
// accepts without a single mutating call.
import { provider } from "../../providers/regional-image-copy";
import { provider as firstHop } from "../../providers/shared-image-copy";
import { UNKNOWN } from "../../providers/wire-values";
import { DEMO } from "../support/emulator";
import { firstHopCopy, regionalIdentity, regionalInputs } from "../support/regional-image-copy";
import { rejection } from "../support/requests";
import { inputs } from "../support/shared-image-copy";
import { useCopyEmulator } from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();

describe("RegionalImageCopy check (read-only, runs during preview)", () => {
  it("accepts an own copy, defaulting name to the resource name and sourceRegion to alicloud:region", async () => {
    const source = await firstHopCopy(env);
    env.emu.admin.clearRequests();
    const news = { identity: regionalIdentity("web-golden-sh"), sourceImageId: source, region: DEMO.otherRegion };
    const result = await provider.check({}, news);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({ ...news, name: "web-golden-sh", sourceRegion: DEMO.region });
    expect(env.mutatingCalls()).toEqual([]);
    // No warning: the source is a copy with provenance, so the regional copy carries it.
    expect(env.progress).toEqual([]);
  });

  it("refuses an image another account shared: it is first copied in its own region", async () => {
    const result = await provider.check({}, regionalInputs({ sourceImageId: DEMO.images.plain }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason:
          `image ${DEMO.images.plain} ("golden-base-2024-10") of owner ${DEMO.owner.accountId} is not an image of this ` +
          "account: ECS copies an image another account shared only within its own region " +
          `(OperationDenied.SameRegionOnly); copy it in ${DEMO.region} with SharedImageCopy first, and set ` +
          "sourceImageId to that copy's imageId",
      },
    ]);
    expect(env.mutatingCalls()).toEqual([]);
  });

  it("refuses the source's own region as destination, without asking ECS", async () => {
    const result = await provider.check({}, regionalInputs({ region: DEMO.region }));
    expect(result.failures).toEqual([
      {
        property: "region",
        reason:
          `is the source's region ("${DEMO.region}"): a RegionalImageCopy copies to another region; use ` +
          "SharedImageCopy within one region, or set region to another one",
      },
    ]);
    expect(env.emu.admin.requests()).toEqual([]);
  });

  it("refuses a region ECS does not know, naming the ones it does", async () => {
    const result = await provider.check({}, regionalInputs({ region: "cn-atlantis" }));
    expect(result.failures).toEqual([
      {
        property: "region",
        reason: `"cn-atlantis" is not a region ECS knows; use one of ${DEMO.region}, ${DEMO.otherRegion}`,
      },
    ]);
  });

  it("requires region", async () => {
    const { region: _region, ...rest } = regionalInputs();
    const result = await provider.check({}, rest);
    expect(result.failures).toEqual([
      { property: "region", reason: 'is required: the region to copy the image to, like "cn-shanghai"' },
    ]);
  });

  it("reports a source that does not exist in sourceRegion", async () => {
    const result = await provider.check({}, regionalInputs({ sourceImageId: "m-nosuchimage01" }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason:
          `image m-nosuchimage01 is not visible to this account in ${DEMO.region}: it does not exist there, or its ` +
          "owner has not shared it with this account (or revoked the share)",
      },
    ]);
  });

  it("refuses a copy that has not finished yet", async () => {
    env.slowCopies();
    const running = (await rejection(firstHop.create(inputs({ timeouts: { create: "100ms" } })))).id as string;
    const result = await provider.check({}, regionalInputs({ sourceImageId: running }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: expect.stringMatching(
          new RegExp(
            `^image ${running} \\("golden-copy"\\) of owner ${DEMO.workload.accountId} is Creating; only an Available image can be copied`,
          ),
        ),
      },
    ]);
  });

  it("does not look again for an existing copy when only its name or tags change", async () => {
    const result = await provider.check(regionalInputs(), regionalInputs({ name: "renamed", tags: { a: "b" } }));
    expect(result.failures).toEqual([]);
    expect(env.emu.admin.requests()).toEqual([]);
  });

  it("checks the regions but not the source while the source is unknown during preview", async () => {
    const result = await provider.check({}, regionalInputs({ sourceImageId: UNKNOWN, region: "cn-atlantis" }));
    expect(result.failures).toEqual([
      {
        property: "region",
        reason: `"cn-atlantis" is not a region ECS knows; use one of ${DEMO.region}, ${DEMO.otherRegion}`,
      },
    ]);
    expect(await provider.check({}, regionalInputs({ sourceImageId: UNKNOWN }))).toMatchObject({ failures: [] });
    expect(env.emu.admin.requests({ action: "DescribeImages" })).toEqual([]);
  });

  it("refuses unknown inputs and a kmsKeyId without encrypted, naming the properties", async () => {
    const news = regionalInputs({ sourceImageId: UNKNOWN, kmsKeyId: "key-demo-workload-sh" });
    const result = await provider.check({}, { ...news, approval: {} });
    expect(result.failures).toEqual([
      {
        property: "approval",
        reason: expect.stringMatching(
          /^is not an input of RegionalImageCopy; use sourceImageId, region, name, .*, deleteOptions, sourceRegion$/,
        ),
      },
      {
        property: "kmsKeyId",
        reason: 'is set ("key-demo-workload-sh") but the copy is not encrypted; set encrypted: true',
      },
    ]);
  });
});
