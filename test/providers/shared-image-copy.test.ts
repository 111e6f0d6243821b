// SharedImageCopy's check (what `pulumi preview` shows) and the approval of the copies it makes, called directly
// against the in-process emulator through the real SDK inside EcsApi.

import { EcsApi } from "../../providers/ecs/api";
import * as ecsClient from "../../providers/ecs/client";
import { InvalidInputError } from "../../providers/ecs/errors";
import type { ImageView } from "../../providers/ecs/types";
import { evaluateImage } from "../../providers/policy/approval";
import { provider } from "../../providers/shared-image-copy";
import { UNKNOWN } from "../../providers/wire-values";
import { DEMO, demoWorld, emulatorStackConfig } from "../support/emulator";
import { approval, identity, inputs } from "../support/shared-image-copy";
import { made, PLAIN_PROVENANCE, REQUEST_ID, useCopyEmulator } from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();

describe("check (read-only, runs during preview)", () => {
  it("accepts an approved shared image, defaulting name to the resource name and region to alicloud:region", async () => {
    const news = { identity: identity("web-golden"), sourceImageId: DEMO.images.plain, approval };
    const result = await provider.check({}, news);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toEqual({ ...news, name: "web-golden", region: DEMO.region });
    expect(env.emu.admin.requests().map((r) => r.action)).toEqual(["DescribeImages"]);
    expect(env.mutatingCalls()).toEqual([]);
  });

  it("refuses an image whose owner is not approved, naming the image and the owner", async () => {
    const result = await provider.check({}, inputs({ sourceImageId: DEMO.images.unapproved }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: `image ${DEMO.images.unapproved} ("handy-tools-image") of owner ${DEMO.thirdParty.accountId} is not approved: the owner is not in approvedOwners (${DEMO.owner.accountId})`,
      },
    ]);
  });

  it("refuses a shared image its owner deprecated", async () => {
    const result = await provider.check({}, inputs({ sourceImageId: "m-demogoldenold01" }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: `image m-demogoldenold01 ("golden-base-2023-01") of owner ${DEMO.owner.accountId} is deprecated by its owner`,
      },
    ]);
  });

  it("refuses a paid image unless the approval accepts paid images", async () => {
    const refused = await provider.check({}, inputs({ sourceImageId: DEMO.images.paid }));
    expect(refused.failures).toEqual([
      {
        property: "sourceImageId",
        reason: expect.stringMatching(
          /^image m-demogoldenpaid01 .* is a paid image \(product code cmjj028279\), billed to whoever runs it; set acceptPaidImages to true to allow it$/,
        ),
      },
    ]);
    const accepted = await provider.check(
      {},
      inputs({ sourceImageId: DEMO.images.paid, approval: { ...approval, acceptPaidImages: true } }),
    );
    expect(accepted.failures).toEqual([]);
  });

  it("refuses an image outside the id/name allow-lists", async () => {
    const result = await provider.check(
      {},
      inputs({ approval: { ...approval, allowedImageNamePatterns: ["golden-secure-*"] } }),
    );
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: expect.stringMatching(/is not approved: it is not in allowedImageNamePatterns \(golden-secure-\*\)$/),
      },
    ]);
  });

  it("requires encrypted: true for an encrypted shared image", async () => {
    const result = await provider.check({}, inputs({ sourceImageId: DEMO.images.encrypted }));
    expect(result.failures).toEqual([
      {
        property: "encrypted",
        reason: `image ${DEMO.images.encrypted} ("golden-secure-2024-10") of owner ${DEMO.owner.accountId} is encrypted, so its copy must be encrypted too: set encrypted to true (and kmsKeyId to use your own key)`,
      },
    ]);
    expect(
      (await provider.check({}, inputs({ sourceImageId: DEMO.images.encrypted, encrypted: true }))).failures,
    ).toEqual([]);
  });

  it("reports an image the owner stopped sharing as not visible to this account", async () => {
    env.emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId);
    const result = await provider.check({}, inputs());
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: `image ${DEMO.images.plain} is not visible to this account in cn-hangzhou: it does not exist there, or its owner has not shared it with this account (or revoked the share)`,
      },
    ]);
  });

  it("refuses a cross-region copy of a shared image with the reason", async () => {
    const result = await provider.check({}, inputs({ region: DEMO.otherRegion }));
    expect(result.failures).toEqual([
      {
        property: "region",
        reason: `a cross-region copy is refused: image ${DEMO.images.plain} ("golden-base-2024-10") of owner ${DEMO.owner.accountId} is in cn-hangzhou, and ECS copies an image shared by another account only within its own region (OperationDenied.SameRegionOnly); set region to "cn-hangzhou"`,
      },
    ]);
  });

  it("refuses this account's own image: only shared images are copied", async () => {
    const { id } = await made(inputs());
    const result = await provider.check({}, inputs({ sourceImageId: id, name: "copy-of-copy" }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: `image ${id} ("golden-copy") of owner ${DEMO.workload.accountId} is an image of this account, not an image shared by another account; SharedImageCopy copies shared images only`,
      },
    ]);
  });

  it("does not look at the source again for an existing copy, so a later unshare never blocks the stack", async () => {
    env.emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId);
    const result = await provider.check(inputs(), inputs({ name: "renamed", tags: { a: "b" } }));
    expect(result.failures).toEqual([]);
    expect(env.emu.admin.requests()).toEqual([]);
  });

  it("checks the source again when a change makes a new copy", async () => {
    const result = await provider.check(inputs(), inputs({ sourceImageId: DEMO.images.unapproved }));
    expect((result.failures ?? []).map((f) => f.property)).toEqual(["sourceImageId"]);
  });

  it("skips the lookup while the source is unknown during preview", async () => {
    const result = await provider.check({}, inputs({ sourceImageId: UNKNOWN }));
    expect(result.failures).toEqual([]);
    expect(env.emu.admin.requests()).toEqual([]);
  });

  it("returns the checked inputs without undefined values, at any depth", async () => {
    const news = {
      ...inputs(),
      description: undefined,
      timeouts: { create: "1h", delete: undefined },
      deleteOptions: { force: undefined, cancelRunningCopy: false },
    };
    const result = await provider.check({}, news);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toStrictEqual({
      ...inputs(),
      timeouts: { create: "1h" },
      deleteOptions: { cancelRunningCopy: false },
    });
  });

  describe("looking for the source in the default region when it is not in the copy's region", () => {
    const resolveSettings = ecsClient.resolveSettings;
    /** Settings resolution throws `error` for the default region (no region given) and works otherwise. */
    const defaultRegionThrows = (error: Error) =>
      jest.spyOn(ecsClient, "resolveSettings").mockImplementation((region, action) => {
        if (region === undefined) throw error;
        return resolveSettings(region, action);
      });

    it("reports the source as not visible when there is no usable default region", async () => {
      const spy = defaultRegionThrows(new InvalidInputError("region", "is not set"));
      try {
        const result = await provider.check({}, inputs({ region: DEMO.otherRegion }));
        expect(result.failures).toEqual([
          {
            property: "sourceImageId",
            reason: expect.stringMatching(/^image m-demogoldenplain01 is not visible to this account in cn-shanghai/),
          },
        ]);
      } finally {
        spy.mockRestore();
      }
    });

    it("lets any other error through instead of hiding it behind a not-visible message", async () => {
      const spy = defaultRegionThrows(new TypeError("a bug in settings resolution"));
      try {
        await expect(provider.check({}, inputs({ region: DEMO.otherRegion }))).rejects.toThrow(
          "a bug in settings resolution",
        );
      } finally {
        spy.mockRestore();
      }
    });
  });

  it("names the resource name when it cannot be an image name", async () => {
    const result = await provider.check(
      {},
      { identity: identity("my copy"), sourceImageId: DEMO.images.plain, approval },
    );
    expect(result.failures).toEqual([
      {
        property: "name",
        reason:
          'is not set, and the resource name "my copy" is not a valid image name (must start with a letter and contain only letters, digits, ".", ":", "_" and "-", got "my copy"); set name',
      },
    ]);
  });

  it("says where credentials go when there are none", async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env))
      if (/^(ALICLOUD|ALIBABA_CLOUD)_(ACCESS|SECRET|PROFILE)/.test(key)) delete process.env[key];
    await provider.configure({
      config: emulatorStackConfig(env.emu, {
        overrides: { "alicloud:accessKey": undefined, "alicloud:secretKey": undefined },
      }),
    });
    try {
      const result = await provider.check({}, inputs());
      expect(result.failures).toEqual([
        {
          property: "sourceImageId",
          reason: expect.stringMatching(
            /^could not be checked: No Alibaba Cloud credentials were found for check: set them in the stack config \(alicloud:accessKey and alicloud:secretKey/,
          ),
        },
      ]);
      expect(env.emu.admin.requests()).toEqual([]);
    } finally {
      process.env = saved;
    }
  });

  it("reports a wrong secret key as a signature mismatch", async () => {
    await provider.configure({
      config: emulatorStackConfig(env.emu, {
        credentials: { accessKeyId: DEMO.workload.accessKeyId, accessKeySecret: "wrong" },
      }),
    });
    const result = await provider.check({}, inputs());
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: expect.stringMatching(
          new RegExp(
            `^could not be checked: DescribeImages failed: the request signature does not match \\(the AccessKey secret is probably wrong\\) \\(SignatureDoesNotMatch, HTTP 400, ${REQUEST_ID}\\)\\. Fix: check the credentials in`,
          ),
        ),
      },
    ]);
  });

  it("reports an unknown region", async () => {
    const result = await provider.check({}, inputs({ region: "eu-nowhere-1" }));
    expect(result.failures).toEqual([
      {
        property: "sourceImageId",
        reason: expect.stringMatching(
          new RegExp(
            `^could not be checked: DescribeImages failed: .*\\(InvalidRegionId.NotFound, HTTP 404, ${REQUEST_ID}\\)`,
          ),
        ),
      },
    ]);
  });
});

describe("approval of the copies it makes", () => {
  const SELF_MADE = "m-selfmade01";
  const FORGED = "m-selfforged01";
  /** The demo world plus two images the workload account made itself (not copies), one with forged tags. */
  function worldWithSelfMadeImages(): void {
    const world = demoWorld();
    const workload = world.accounts.find((a) => a.accountId === DEMO.workload.accountId);
    if (workload === undefined) throw new Error("the demo world has no workload account");
    workload.images = [
      ...(workload.images ?? []),
      { imageId: SELF_MADE, regionId: DEMO.region, name: "golden-base-2024-10", sizeGiB: 40 },
      { imageId: FORGED, regionId: DEMO.region, name: "golden-forged", sizeGiB: 40, tags: PLAIN_PROVENANCE },
    ];
    env.emu.admin.loadWorld(world);
  }
  /** The image as an instance provider sees it: DescribeImages through the SDK, as the workload account. */
  async function seen(imageId: string): Promise<ImageView> {
    const image = await EcsApi.forRegion(DEMO.region, "DescribeImages").getImage(imageId);
    if (image === undefined) throw new Error(`image ${imageId} is not visible`);
    return image;
  }

  it("approves a copy it made for use, and refuses an image the account made itself", async () => {
    worldWithSelfMadeImages();
    const { id } = await made(inputs());
    expect(evaluateImage(await seen(id), approval)).toEqual({ approved: true, reasons: [] });
    expect(evaluateImage(await seen(id), { ...approval, allowedImageNamePatterns: ["golden-base-*"] }).approved).toBe(
      true,
    );

    const notApproved = (imageId: string, name: string) =>
      `image ${imageId} ("${name}") of owner ${DEMO.workload.accountId} is not approved: it is an image this account made itself, not a copy of an approved shared image, and this account is not in approvedOwners (${DEMO.owner.accountId})`;
    expect(evaluateImage(await seen(SELF_MADE), approval)).toEqual({
      approved: false,
      reasons: [notApproved(SELF_MADE, "golden-base-2024-10")],
    });
    // Provenance tags on an image that is no copy prove nothing.
    expect(evaluateImage(await seen(FORGED), approval)).toEqual({
      approved: false,
      reasons: [notApproved(FORGED, "golden-forged")],
    });
  });

  it("refuses a copy whose source owner is no longer approved, naming the source", async () => {
    const { id } = await made(inputs());
    const policy = { approvedOwners: [DEMO.thirdParty.accountId] };
    expect(evaluateImage(await seen(id), policy)).toEqual({
      approved: false,
      reasons: [
        `image ${id} ("golden-copy") of owner ${DEMO.workload.accountId} is not approved: it is a copy of image ${DEMO.images.plain} ("golden-base-2024-10") of owner ${DEMO.owner.accountId}, whose owner is not in approvedOwners (${DEMO.thirdParty.accountId})`,
      ],
    });
  });
});
