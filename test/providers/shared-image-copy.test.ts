// SharedImageCopy's provider methods called directly against the in-process emulator, through the real SDK inside
// EcsApi. Every message asserted here is what a user sees in `pulumi preview` / `pulumi up`.
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import type { RunningEmulator } from "../../emulator";
import { copyFingerprint } from "../../providers/copy/adopt";
import type { SharedImageCopyInputs, SharedImageCopyOutputs } from "../../providers/copy/args";
import { diffSharedImageCopy } from "../../providers/copy/diff";
import { EcsApi } from "../../providers/ecs/api";
import * as ecsClient from "../../providers/ecs/client";
import { resourceKey } from "../../providers/ecs/client-token";
import { InvalidInputError } from "../../providers/ecs/errors";
import type { ImageView } from "../../providers/ecs/types";
import type { PartialStateError } from "../../providers/partial";
import { evaluateImage, PROVENANCE_TAGS } from "../../providers/policy/approval";
import { setProgressSink } from "../../providers/progress";
import { provider } from "../../providers/shared-image-copy";
import { createTagValue, RESERVED_TAGS, readCreateTag } from "../../providers/tags";
import { UNKNOWN } from "../../providers/wire-values";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { approval, identity, inputs } from "../support/shared-image-copy";

const REQUEST_ID = "RequestId [0-9A-F-]{36}";

/** The tags SharedImageCopy keeps on a copy of the demo's plain golden image (never in its `tags` output). */
const PLAIN_PROVENANCE = {
  [PROVENANCE_TAGS.sourceOwner]: DEMO.owner.accountId,
  [PROVENANCE_TAGS.sourceImage]: DEMO.images.plain,
  [PROVENANCE_TAGS.sourceImageName]: "golden-base-2024-10",
};
/** The tags the package keeps on a finished copy of the plain image. */
const PLAIN_RESERVED = { ...PLAIN_PROVENANCE, [RESERVED_TAGS.create]: expect.stringMatching(/^done:/) };

/** create() with the outputs it always returns typed as such. */
async function made(news: SharedImageCopyInputs): Promise<{ id: string; outs: SharedImageCopyOutputs }> {
  const result = await provider.create(news);
  return { id: result.id, outs: result.outs as SharedImageCopyOutputs };
}

async function rejection(promise: Promise<unknown>): Promise<Error & Partial<PartialStateError>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Partial<PartialStateError>;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

describe("the SharedImageCopy provider against the emulator", () => {
  let emu: RunningEmulator;
  let progress: { urn: string; message: string; ephemeral: boolean }[];
  let workloadSdk: Ecs;

  const sdk = (creds: { accessKeyId: string; accessKeySecret: string }) =>
    new Ecs(
      new $OpenApiUtil.Config({
        ...creds,
        endpoint: emu.endpoint,
        protocol: "HTTP",
        regionId: DEMO.region,
        readTimeout: 10_000,
        connectTimeout: 10_000,
      }),
    );
  const mutatingCalls = () =>
    emu.admin
      .requests()
      .filter((r) => r.mutating)
      .map((r) => r.action);
  const images = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].images;
  /** Copies run for days of emulated time in this world: they finish only when a test advances the clock. */
  const slowCopies = () => emu.admin.loadWorld(demoWorld({ copyGiBPerMinute: 0.001 }));
  /** How long a copy of a 40 GiB image takes in the slow world, in emulated ms (40 GiB / 0.001 GiB per minute). */
  const SLOW_COPY_MS = 2.4e9;
  const FINISH_SLOW_COPY = SLOW_COPY_MS + 60_000;

  beforeAll(async () => {
    process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "20ms";
    // 40 GiB copy at 10 GiB/min = 4 emulated minutes = 240 ms of real time.
    emu = await startDemoEmulator({ timeScale: 1000 });
    workloadSdk = sdk(DEMO.workload);
  });
  afterAll(async () => {
    setProgressSink(undefined);
    await emu.close();
  });
  beforeEach(async () => {
    emu.admin.loadWorld(demoWorld());
    progress = [];
    setProgressSink((event) => progress.push(event));
    await provider.configure({ config: emulatorStackConfig(emu) });
  });

  describe("check (read-only, runs during preview)", () => {
    it("accepts an approved shared image, defaulting name to the resource name and region to alicloud:region", async () => {
      const news = { identity: identity("web-golden"), sourceImageId: DEMO.images.plain, approval };
      const result = await provider.check({}, news);
      expect(result.failures).toEqual([]);
      expect(result.inputs).toEqual({ ...news, name: "web-golden", region: DEMO.region });
      expect(emu.admin.requests().map((r) => r.action)).toEqual(["DescribeImages"]);
      expect(mutatingCalls()).toEqual([]);
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
      emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId);
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
      emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId);
      const result = await provider.check(inputs(), inputs({ name: "renamed", tags: { a: "b" } }));
      expect(result.failures).toEqual([]);
      expect(emu.admin.requests()).toEqual([]);
    });

    it("checks the source again when a change makes a new copy", async () => {
      const result = await provider.check(inputs(), inputs({ sourceImageId: DEMO.images.unapproved }));
      expect((result.failures ?? []).map((f) => f.property)).toEqual(["sourceImageId"]);
    });

    it("skips the lookup while the source is unknown during preview", async () => {
      const result = await provider.check({}, inputs({ sourceImageId: UNKNOWN }));
      expect(result.failures).toEqual([]);
      expect(emu.admin.requests()).toEqual([]);
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
        config: emulatorStackConfig(emu, {
          overrides: { "alicloud:accessKey": undefined, "alicloud:secretKey": undefined },
        }),
      });
      try {
        const result = await provider.check({}, inputs());
        expect(result.failures).toEqual([
          {
            property: "sourceImageId",
            reason: expect.stringMatching(
              /^could not be checked: No Alibaba Cloud credentials were found for DescribeImages: set them in the stack config \(alicloud:accessKey and alicloud:secretKey/,
            ),
          },
        ]);
        expect(emu.admin.requests()).toEqual([]);
      } finally {
        process.env = saved;
      }
    });

    it("reports a wrong secret key as a signature mismatch", async () => {
      await provider.configure({
        config: emulatorStackConfig(emu, {
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

  describe("create", () => {
    it("copies the shared image, waits until Available and reports the progress", async () => {
      slowCopies();
      // Each progress line moves emulated time on by a quarter of the copy: 0%, 25%, 50%, 75%, then Available.
      setProgressSink((event) => {
        progress.push(event);
        if (event.ephemeral) emu.admin.advanceClock(SLOW_COPY_MS / 4);
      });
      const news = inputs({ description: "our copy", tags: { team: "platform" } });
      const { id, outs } = await made(news);
      expect(outs).toEqual({
        ...news,
        imageId: id,
        status: "Available",
        progress: 100,
        sourceOwnerId: DEMO.owner.accountId,
        sourceImageName: "golden-base-2024-10",
        accountId: DEMO.workload.accountId,
        encrypted: false,
        kmsKeyId: "",
        size: 40,
        isCopied: true,
        creationTime: expect.any(String),
        osType: expect.any(String),
        platform: expect.any(String),
        architecture: expect.any(String),
      });
      const [image] = images();
      expect(image).toMatchObject({
        imageId: id,
        name: "golden-copy",
        description: "our copy",
        status: "Available",
        isCopied: true,
      });
      expect(image.tags).toEqual({ team: "platform", ...PLAIN_RESERVED });
      const copy = emu.admin.requests({ action: "CopyImage" });
      expect(copy).toHaveLength(1);
      expect(copy[0].params).toMatchObject({
        ImageId: DEMO.images.plain,
        DestinationRegionId: DEMO.region,
        ClientToken: expect.stringMatching(/^psi1-[0-9a-f]{48}$/),
      });
      const urn = identity().urn;
      expect(progress[0]).toEqual({
        urn,
        ephemeral: false,
        severity: "info",
        message: `copying ${DEMO.images.plain} of owner ${DEMO.owner.accountId} to ${id} in cn-hangzhou (timeout 6h)`,
      });
      const percents = progress.filter((p) => p.ephemeral).map((p) => p.message);
      expect(percents.map((m) => /: (Creating \d+%) \(/.exec(m)?.[1])).toEqual([
        "Creating 0%",
        "Creating 25%",
        "Creating 50%",
        "Creating 75%",
      ]);
      expect(percents[0]).toMatch(
        new RegExp(
          `^copy ${id} of ${DEMO.images.plain}: Creating 0% \\(\\d+m?s elapsed, timeout in (6h|5h59m\\d+s)\\)$`,
        ),
      );
      expect(progress.at(-1)).toEqual({
        urn,
        ephemeral: false,
        severity: "info",
        message: `copy ${id} of ${DEMO.images.plain} is Available (40 GiB)`,
      });
    });

    it("adopts the copy an interrupted run started when the create runs again (no second copy)", async () => {
      const i = inputs();
      // The first run got as far as CopyImage, then the process died: the engine recorded nothing.
      const api = EcsApi.forRegion(undefined, "test");
      const started = await api.copyImage({
        sourceImageId: i.sourceImageId,
        name: i.name,
        clientToken: "psi1-first-run",
        tags: {
          [RESERVED_TAGS.create]: createTagValue({
            state: "pending",
            resourceKey: resourceKey(i.identity),
            fingerprint: copyFingerprint(i, DEMO.region),
          }),
        },
      });
      const second = await made(i);
      expect(second.id).toBe(started);
      expect(images()).toHaveLength(1);
      expect(emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
      // Finished: the provenance tags, and the create marked done.
      expect(Object.keys(images()[0].tags).sort()).toEqual(
        [...Object.values(PROVENANCE_TAGS), RESERVED_TAGS.create].sort(),
      );
      expect(readCreateTag(images()[0].tags)?.state).toBe("done");
    });

    it("destroy and re-create of the same copy costs one CopyImage each cycle, and never returns a deleted copy", async () => {
      const seen = new Set<string>();
      for (let cycle = 1; cycle <= 7; cycle++) {
        const before = emu.admin.requests({ action: "CopyImage" }).length;
        const copy = await made(inputs());
        expect(seen.has(copy.id)).toBe(false);
        seen.add(copy.id);
        expect(emu.admin.requests({ action: "CopyImage" }).length - before).toBe(1);
        await provider.delete(copy.id, copy.outs);
      }
      expect(images()).toEqual([]);
    });

    it("never gets a deleted copy back: a new copy with the same inputs gets a new image", async () => {
      const first = await made(inputs());
      await provider.delete(first.id, first.outs);
      const second = await made(inputs());
      expect(second.id).not.toBe(first.id);
      expect(images().map((i) => i.imageId)).toEqual([second.id]);
    });

    it("waits for a new copy ECS does not list yet instead of taking it for a deleted one and copying again", async () => {
      // ECS lists a new image only eventually: the first 5 DescribeImages of the new copy miss it (about 100 ms at
      // the 20 ms test poll interval, more than the 3 polls the provider once gave up after).
      const getImage = EcsApi.prototype.getImage;
      let misses = 5;
      const spy = jest.spyOn(EcsApi.prototype, "getImage").mockImplementation(function (this: EcsApi, id: string) {
        if (id !== DEMO.images.plain && misses > 0) {
          misses--;
          return Promise.resolve(undefined);
        }
        return getImage.call(this, id);
      });
      try {
        const { id, outs } = await made(inputs());
        expect(misses).toBe(0);
        expect(outs).toMatchObject({ imageId: id, status: "Available" });
        expect(emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
        expect(images().map((i) => i.imageId)).toEqual([id]);
      } finally {
        spy.mockRestore();
      }
    });

    it("returns outputs and partial state without undefined values, at any depth", async () => {
      const { outs } = await made(inputs({ timeouts: { create: "1h", delete: undefined } }));
      expect(outs.timeouts).toStrictEqual({ create: "1h" });
      slowCopies();
      const err = await rejection(
        provider.create(inputs({ name: "second", timeouts: { create: "100ms", update: undefined } })),
      );
      expect(err.id).toMatch(/^m-/);
      expect(err.properties?.timeouts).toStrictEqual({ create: "100ms" });
      expect(JSON.stringify(Object.entries(err.properties ?? {}))).not.toContain("undefined");
    });

    it("encrypts the copy with the given KMS key", async () => {
      const { id, outs } = await made(inputs({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId }));
      expect(outs).toMatchObject({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
      const [image] = images();
      expect(image.imageId).toBe(id);
      expect(image.diskMappings.every((m) => m.encrypted && m.kmsKeyId === DEMO.workload.kmsKeyId)).toBe(true);
    });

    it("copies an encrypted shared image as encrypted with the service key", async () => {
      const { outs } = await made(inputs({ sourceImageId: DEMO.images.encrypted, encrypted: true }));
      expect(outs).toMatchObject({ encrypted: true, kmsKeyId: "", status: "Available" });
    });

    it("keeps a copy that timed out in state, and the next up resumes waiting", async () => {
      slowCopies();
      const news = inputs({ timeouts: { create: "300ms" } });
      const err = await rejection(provider.create(news));
      expect(err.message).toMatch(
        new RegExp(
          `^Timed out after 300ms waiting for the copy m-\\w+ of ${DEMO.images.plain} to become Available; last seen: Creating 0%\\. Fix: raise the resource's timeouts input`,
        ),
      );
      expect(err.id).toMatch(/^m-/);
      expect(err.properties).toMatchObject({
        imageId: err.id,
        status: "Creating",
        progress: 0,
        sourceOwnerId: DEMO.owner.accountId,
      });
      expect(err.reasons).toEqual([err.message]);
      expect(images()).toMatchObject([{ imageId: err.id, status: "Creating" }]);

      // The next `pulumi up` updates the partial resource: it resumes waiting, now with a longer timeout.
      setProgressSink((event) => {
        progress.push(event);
        if (event.message.startsWith("resuming the wait")) emu.admin.advanceClock(FINISH_SLOW_COPY);
      });
      const resumed = await provider.update(
        err.id as string,
        err.properties as unknown as SharedImageCopyOutputs,
        inputs({ timeouts: { create: "1h" } }),
      );
      expect(resumed.outs).toMatchObject({ imageId: err.id, status: "Available", progress: 100 });
      expect(progress.map((p) => p.message)).toContain(`resuming the wait for copy ${err.id} (Creating)`);
      expect(emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
    });

    const createErrors: [string, () => void, Partial<SharedImageCopyInputs>, RegExp][] = [
      [
        "reports InvalidImageId.NotFound when the owner revoked the share after preview",
        () => emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId),
        {},
        new RegExp(
          `^Copying image ${DEMO.images.plain} refused; nothing was made or changed: sourceImageId: image ${DEMO.images.plain} is not visible to this account$`,
        ),
      ],
      [
        "reports OperationDenied.ImageNotValid when the owner is in arrears",
        () => emu.admin.setArrears(DEMO.owner.accountId),
        {},
        /^CopyImage failed: the image m-demogoldenplain01 can no longer be used: the owner may be in arrears, may have revoked the share or disabled its key \(OperationDenied.ImageNotValid, HTTP 403, RequestId/,
      ],
      [
        "reports OperationDenied.ImageNotValid when the owner disabled the key of an encrypted image",
        () => emu.admin.disableKmsKey(DEMO.ownerKmsKeyId),
        { sourceImageId: DEMO.images.encrypted, encrypted: true },
        /^CopyImage failed: the image m-demogoldenenc01 can no longer be used: .* \(OperationDenied.ImageNotValid, HTTP 403,/,
      ],
      [
        "reports a disabled KMS key of this account",
        () => emu.admin.disableKmsKey(DEMO.workload.kmsKeyId),
        { encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId },
        /^CopyImage failed: the KMS key key-demo-workload-hz is not enabled \(InvalidParameter.KMSKeyId.CMKNotEnabled, HTTP 40\d, RequestId [0-9A-F-]+\)\. Fix: enable the key in KMS or choose another key\.$/,
      ],
      [
        "reports a KMS key that does not exist",
        () => undefined,
        { encrypted: true, kmsKeyId: "key-missing" },
        /^CopyImage failed: the KMS key key-missing does not exist in this region \(InvalidParameter.KMSKeyId.NotFound, HTTP 40\d,/,
      ],
      [
        "reports an encrypted source copied without encryption",
        () => undefined,
        { sourceImageId: DEMO.images.encrypted, encrypted: false },
        /^Copying image m-demogoldenenc01 refused; nothing was made or changed: encrypted: image m-demogoldenenc01 .* is encrypted, so its copy must be encrypted too/,
      ],
      [
        "reports a deprecated source",
        () => undefined,
        { sourceImageId: "m-demogoldenold01" },
        /^Copying image m-demogoldenold01 refused; nothing was made or changed: sourceImageId: image m-demogoldenold01 .* is deprecated by its owner$/,
      ],
      [
        "reports a RAM policy that forbids the copy",
        () => emu.admin.addFault({ action: "CopyImage", kind: "error", code: "Forbidden.RAM", httpStatus: 403 }),
        {},
        /^CopyImage failed: the RAM user or role is not allowed to do this .* \(Forbidden.RAM, HTTP 403, RequestId [0-9A-F-]+\)\. Fix: grant the permission/,
      ],
      [
        "reports the snapshot quota",
        () => emu.admin.addFault({ action: "CopyImage", kind: "error", code: "QuotaExceed.Snapshot", httpStatus: 403 }),
        {},
        /^CopyImage failed: this account has reached its snapshot quota \(a copy creates snapshots\) \(QuotaExceed.Snapshot, HTTP 403,/,
      ],
    ];
    it.each(createErrors)("%s", async (_what, arrange, over, message) => {
      arrange();
      const err = await rejection(provider.create(inputs(over)));
      expect(err.message).toMatch(message);
      expect(err.id).toBeUndefined();
      expect(images()).toEqual([]);
    });

    it("reports InvalidImageName.Duplicated when this account already has an image of that name", async () => {
      await provider.create(inputs());
      const err = await rejection(provider.create(inputs({ identity: identity("second"), tags: { x: "y" } })));
      expect(err.message).toMatch(
        /^CopyImage failed: an image with this name already exists in this account and region \(InvalidImageName.Duplicated, HTTP 40\d, RequestId [0-9A-F-]+\)\. Fix: choose another name, or adopt the existing image\.$/,
      );
    });

    it("reports QuotaExceed.Image when the account has no custom image quota left", async () => {
      emu.admin.loadWorld(demoWorld({ maxCustomImagesPerRegion: 0 }));
      const err = await rejection(provider.create(inputs()));
      expect(err.message).toMatch(
        /^CopyImage failed: this account has reached its custom image quota in this region \(QuotaExceed.Image,/,
      );
    });

    it("retries throttling and transient errors with the same ClientToken", async () => {
      emu.admin.addFault({ action: "CopyImage", kind: "error", code: "Throttling.User", count: 1 });
      emu.admin.addFault({ action: "CopyImage", kind: "commitThenDrop", count: 1 });
      const { id } = await made(inputs());
      const calls = emu.admin.requests({ action: "CopyImage" });
      expect(calls.length).toBe(3);
      expect(new Set(calls.map((c) => c.params.ClientToken)).size).toBe(1);
      expect(images().map((i) => i.imageId)).toEqual([id]);
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
      emu.admin.loadWorld(world);
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

  describe("read", () => {
    it("reads back name, description, tags and encryption, so changes made outside Pulumi show as drift", async () => {
      const { id, outs } = await made(inputs({ tags: { team: "a" } }));
      await workloadSdk.modifyImageAttribute(
        new $Ecs.ModifyImageAttributeRequest({
          regionId: DEMO.region,
          imageId: id,
          imageName: "renamed-outside",
          description: "edited",
        }),
      );
      await workloadSdk.untagResources(
        new $Ecs.UntagResourcesRequest({
          regionId: DEMO.region,
          resourceType: "image",
          resourceId: [id],
          tagKey: ["team"],
        }),
      );
      const read = await provider.read(id, outs);
      expect(read).toEqual({ id, props: { ...outs, name: "renamed-outside", description: "edited", tags: {} } });
      const diff = diffSharedImageCopy(read.props as SharedImageCopyOutputs, inputs({ tags: { team: "a" } }));
      expect(diff).toMatchObject({ changes: true, replaces: [], updates: ["name", "tags"] });
    });

    it("returns a Deprecated copy instead of dropping it", async () => {
      const { id, outs } = await made(inputs());
      await workloadSdk.modifyImageAttribute(
        new $Ecs.ModifyImageAttributeRequest({ regionId: DEMO.region, imageId: id, status: "Deprecated" }),
      );
      expect((await provider.read(id, outs)).props).toMatchObject({ imageId: id, status: "Deprecated", progress: 100 });
    });

    it("returns a copy that is still running with its progress", async () => {
      slowCopies();
      const err = await rejection(provider.create(inputs({ timeouts: { create: "100ms" } })));
      emu.admin.advanceClock(SLOW_COPY_MS / 2);
      const read = await provider.read(err.id as string, err.properties as Record<string, unknown>);
      expect(read.props).toMatchObject({ imageId: err.id, status: "Creating", progress: 50 });
    });

    it("returns an empty id when the copy is gone", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.deleteImage(id);
      expect(await provider.read(id, outs)).toEqual({ id: "", props: {} });
    });

    it("adopts an existing copy from program inputs (opts.id), returning no undefined values", async () => {
      const { id } = await made(inputs());
      const read = await provider.read(id, {
        ...inputs(),
        region: undefined,
        timeouts: { create: "1h", delete: undefined },
      });
      expect(read.props?.timeouts).toStrictEqual({ create: "1h" });
      expect(read.props).toMatchObject({
        imageId: id,
        region: DEMO.region,
        status: "Available",
        sourceImageId: DEMO.images.plain,
        // An adopted copy's source comes from the tags SharedImageCopy put on it.
        sourceOwnerId: DEMO.owner.accountId,
        sourceImageName: "golden-base-2024-10",
        accountId: DEMO.workload.accountId,
        tags: {},
      });
    });
  });

  describe("update", () => {
    it("renames, redescribes and retags the copy in place", async () => {
      const { id, outs } = await made(inputs({ tags: { team: "a", old: "x" } }));
      emu.admin.clearRequests();
      const news = inputs({
        name: "golden-copy-v2",
        description: "v2",
        tags: { team: "b", added: "y" },
        timeouts: { delete: "5m" },
      });
      const { outs: after } = await provider.update(id, outs, news);
      expect(after).toMatchObject({
        imageId: id,
        name: "golden-copy-v2",
        description: "v2",
        tags: { team: "b", added: "y" },
        timeouts: { delete: "5m" },
      });
      expect(mutatingCalls().sort()).toEqual(["ModifyImageAttribute", "TagResources", "UntagResources"]);
      expect(after?.tags).toEqual({ team: "b", added: "y" });
      expect(images()).toMatchObject([{ imageId: id, name: "golden-copy-v2", description: "v2" }]);
      expect(images()[0].tags).toEqual({ team: "b", added: "y", ...PLAIN_RESERVED });
    });

    it("gives a copy without the provenance tags (made by an older version) its tags back, never showing them", async () => {
      const { id, outs } = await made(inputs({ tags: { team: "a" } }));
      await workloadSdk.untagResources(
        new $Ecs.UntagResourcesRequest({
          regionId: DEMO.region,
          resourceType: "image",
          resourceId: [id],
          tagKey: Object.keys(PLAIN_PROVENANCE),
        }),
      );
      const read = await provider.read(id, outs);
      expect(read.props).toEqual(outs);
      const { outs: after } = await provider.update(id, outs, inputs({ tags: { team: "b" } }));
      expect(after?.tags).toEqual({ team: "b" });
      expect(images()[0].tags).toEqual({ team: "b", ...PLAIN_RESERVED });
    });

    it("makes no ECS change when only provider settings change", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.clearRequests();
      const { outs: after } = await provider.update(id, outs, inputs({ deleteOptions: { force: true } }));
      expect(after?.deleteOptions).toEqual({ force: true });
      expect(mutatingCalls()).toEqual([]);
    });

    it("reports a name that another image of the account already has", async () => {
      await made(inputs({ identity: identity("taken"), name: "taken" }));
      const { id, outs } = await made(inputs());
      const err = await rejection(provider.update(id, outs, inputs({ name: "taken" })));
      expect(err.message).toMatch(
        /^ModifyImageAttribute failed: an image with this name already exists in this account and region \(InvalidImageName.Duplicated,/,
      );
    });

    it("says to refresh when the copy was deleted outside Pulumi", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.deleteImage(id);
      const err = await rejection(provider.update(id, outs, inputs({ name: "renamed" })));
      expect(err.message).toBe(
        `The copy ${id} no longer exists in cn-hangzhou (deleted outside Pulumi?). Fix: run pulumi refresh, then pulumi up to copy again.`,
      );
    });

    it("reports ECS's tag quota (more than 20 tags on the copy) with what to do", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.addFault({
        action: "TagResources",
        kind: "error",
        code: "OperationDenied.QuotaExceed",
        httpStatus: 400,
      });
      const err = await rejection(provider.update(id, outs, inputs({ tags: { a: "b" } })));
      expect(err.message).toMatch(
        /^TagResources failed: the resource would carry more than 20 tags \(OperationDenied.QuotaExceed, HTTP 400, RequestId [0-9A-F-]+\)\. Fix: /,
      );
    });
  });

  describe("delete", () => {
    it("deletes the copy and waits until it is gone", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.clearRequests();
      await provider.delete(id, outs);
      expect(images()).toEqual([]);
      expect(mutatingCalls()).toEqual(["DeleteImage"]);
      expect(emu.admin.requests({ action: "DeleteImage" })[0].params.Force).toBe("false");
    });

    it("cancels a copy that is still running", async () => {
      slowCopies();
      const err = await rejection(provider.create(inputs({ timeouts: { create: "100ms" } })));
      await provider.delete(err.id as string, err.properties as unknown as SharedImageCopyOutputs);
      expect(images()).toEqual([]);
      // The timed-out create handed the copy to the engine (its create tag marked done) with the partial state.
      expect(mutatingCalls()).toEqual(["CopyImage", "TagResources", "CancelCopyImage"]);
      expect(progress.map((p) => p.message)).toContain(`cancelled the running copy ${err.id} (was Creating)`);
    });

    it("waits for a running copy to finish when cancelRunningCopy is false, then deletes it", async () => {
      slowCopies();
      const news = inputs({ timeouts: { create: "100ms" }, deleteOptions: { cancelRunningCopy: false } });
      const err = await rejection(provider.create(news));
      setProgressSink((event) => {
        progress.push(event);
        if (event.message.startsWith("waiting for the running copy")) emu.admin.advanceClock(FINISH_SLOW_COPY);
      });
      await provider.delete(err.id as string, err.properties as unknown as SharedImageCopyOutputs);
      expect(images()).toEqual([]);
      expect(mutatingCalls()).toEqual(["CopyImage", "TagResources", "DeleteImage"]);
    });

    it("succeeds when the copy is already gone", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.deleteImage(id);
      emu.admin.clearRequests();
      await provider.delete(id, outs);
      expect(mutatingCalls()).toEqual([]);
    });

    it("refuses to delete a copy shared with another account unless force is set", async () => {
      const { id, outs } = await made(inputs());
      await workloadSdk.modifyImageSharePermission(
        new $Ecs.ModifyImageSharePermissionRequest({
          regionId: DEMO.region,
          imageId: id,
          addAccount: [DEMO.owner.accountId],
        }),
      );
      const err = await rejection(provider.delete(id, outs));
      expect(err.message).toMatch(
        new RegExp(
          `^DeleteImage failed: the copy ${id} is shared with other accounts \\(ImageUseShared, HTTP 403, ${REQUEST_ID}\\)\\. Fix: unshare it first, or set deleteOptions\\.force: true to delete it anyway\\.$`,
        ),
      );
      expect(images()).toHaveLength(1);
      await provider.delete(id, { ...outs, deleteOptions: { force: true } });
      expect(images()).toEqual([]);
      expect(emu.admin.requests({ action: "DeleteImage" }).at(-1)?.params.Force).toBe("true");
    });

    it("reports a DeleteImage failure ECS keeps returning", async () => {
      const { id, outs } = await made(inputs());
      emu.admin.addFault({ action: "DeleteImage", kind: "error", code: "ImageIsExporting", httpStatus: 403 });
      const err = await rejection(provider.delete(id, outs));
      expect(err.message).toMatch(
        new RegExp(`^DeleteImage failed: the image ${id} is being exported \\(ImageIsExporting, HTTP 403,`),
      );
    });
  });
});
