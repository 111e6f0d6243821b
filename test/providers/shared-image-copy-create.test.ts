// SharedImageCopy's create against the in-process emulator: the copy, its progress, the partial state of a failed
// or timed-out copy and the adoption of what an interrupted run left.
import { copyFingerprint } from "../../providers/copy/adopt";
import type { SharedImageCopyInputs, SharedImageCopyOutputs } from "../../providers/copy/args";
import { EcsApi } from "../../providers/ecs/api";
import { resourceKey } from "../../providers/ecs/client-token";
import { setProgressSink } from "../../providers/progress";
import { provider } from "../../providers/shared-image-copy";
import { createTagValue, PROVENANCE_TAGS, RESERVED_TAGS, readCreateTag } from "../../providers/tags";
import { DEMO, demoWorld } from "../support/emulator";
import { expectEach } from "../support/expect";
import { rejection } from "../support/requests";
import { identity, inputs } from "../support/shared-image-copy";
import { finishedPlainCopy, made, PLAIN_RESERVED, useCopyEmulator } from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();

describe("create", () => {
  it("copies the shared image, waits until Available and reports the progress", async () => {
    env.slowCopies();
    // Each progress line moves emulated time on by a quarter of the copy: 0%, 25%, 50%, 75%, then Available.
    setProgressSink((event) => {
      env.progress.push(event);
      if (event.ephemeral) env.emu.admin.advanceClock(env.SLOW_COPY_MS / 4);
    });
    const news = inputs({ description: "our copy", tags: { team: "platform" } });
    const { id, outs } = await made(news);
    expect(outs).toEqual({ ...news, ...finishedPlainCopy(id) });
    const [image] = env.images();
    expect(image).toMatchObject({
      imageId: id,
      name: "golden-copy",
      description: "our copy",
      status: "Available",
      isCopied: true,
    });
    expect(image.tags).toEqual({ team: "platform", ...PLAIN_RESERVED });
    const copy = env.emu.admin.requests({ action: "CopyImage" });
    expect(copy).toHaveLength(1);
    expect(copy[0].params).toMatchObject({
      ImageId: DEMO.images.plain,
      DestinationRegionId: DEMO.region,
      ClientToken: expect.stringMatching(/^psi1-[0-9a-f]{48}$/),
    });
    const urn = identity().urn;
    expect(env.progress[0]).toEqual({
      urn,
      ephemeral: false,
      severity: "info",
      message: `copying ${DEMO.images.plain} of owner ${DEMO.owner.accountId} to ${id} in cn-hangzhou (timeout 6h)`,
    });
    const percents = env.progress.filter((p) => p.ephemeral).map((p) => p.message);
    expect(percents.map((m) => /: (Creating \d+%) \(/.exec(m)?.[1])).toEqual([
      "Creating 0%",
      "Creating 25%",
      "Creating 50%",
      "Creating 75%",
    ]);
    expect(percents[0]).toMatch(
      new RegExp(`^copy ${id} of ${DEMO.images.plain}: Creating 0% \\(\\d+m?s elapsed, timeout in (6h|5h59m\\d+s)\\)$`),
    );
    expect(env.progress.at(-1)).toEqual({
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
    expect(env.images()).toHaveLength(1);
    expect(env.emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
    // Finished: the provenance tags, and the create marked done.
    expect(Object.keys(env.images()[0].tags).sort()).toEqual(
      [...Object.values(PROVENANCE_TAGS), RESERVED_TAGS.create].sort(),
    );
    expect(readCreateTag(env.images()[0].tags)?.state).toBe("done");
  });

  it("destroy and re-create of the same copy costs one CopyImage each cycle, and never returns a deleted copy", async () => {
    const seen = new Set<string>();
    for (let cycle = 1; cycle <= 7; cycle++) {
      const before = env.emu.admin.requests({ action: "CopyImage" }).length;
      const copy = await made(inputs());
      expect(seen.has(copy.id)).toBe(false);
      seen.add(copy.id);
      expect(env.emu.admin.requests({ action: "CopyImage" }).length - before).toBe(1);
      await provider.delete(copy.id, copy.outs);
    }
    expect(env.images()).toEqual([]);
  });

  it("never gets a deleted copy back: a new copy with the same inputs gets a new image", async () => {
    const first = await made(inputs());
    await provider.delete(first.id, first.outs);
    const second = await made(inputs());
    expect(second.id).not.toBe(first.id);
    expect(env.images().map((i) => i.imageId)).toEqual([second.id]);
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
      expect(env.emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
      expect(env.images().map((i) => i.imageId)).toEqual([id]);
    } finally {
      spy.mockRestore();
    }
  });

  it("returns outputs and partial state without undefined values, at any depth", async () => {
    const { outs } = await made(inputs({ timeouts: { create: "1h", delete: undefined } }));
    expect(outs.timeouts).toStrictEqual({ create: "1h" });
    env.slowCopies();
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
    const [image] = env.images();
    expect(image.imageId).toBe(id);
    expectEach(image.diskMappings, { encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
  });

  it("copies an encrypted shared image as encrypted with the service key", async () => {
    const { outs } = await made(inputs({ sourceImageId: DEMO.images.encrypted, encrypted: true }));
    expect(outs).toMatchObject({ encrypted: true, kmsKeyId: "", status: "Available" });
  });

  it("keeps a copy that timed out in state, and the next up resumes waiting", async () => {
    env.slowCopies();
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
    expect(env.images()).toMatchObject([{ imageId: err.id, status: "Creating" }]);

    // The next `pulumi up` updates the partial resource: it resumes waiting, now with a longer timeout.
    setProgressSink((event) => {
      env.progress.push(event);
      if (event.message.startsWith("resuming the wait")) env.emu.admin.advanceClock(env.FINISH_SLOW_COPY);
    });
    const resumed = await provider.update(
      err.id as string,
      err.properties as unknown as SharedImageCopyOutputs,
      inputs({ timeouts: { create: "1h" } }),
    );
    expect(resumed.outs).toMatchObject({ imageId: err.id, status: "Available", progress: 100 });
    expect(env.progress.map((p) => p.message)).toContain(`resuming the wait for copy ${err.id} (Creating)`);
    expect(env.emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
  });

  const createErrors: [string, () => void, Partial<SharedImageCopyInputs>, RegExp][] = [
    [
      "reports InvalidImageId.NotFound when the owner revoked the share after preview",
      () => env.emu.admin.revokeShare(DEMO.images.plain, DEMO.workload.accountId),
      {},
      new RegExp(
        `^Copying image ${DEMO.images.plain} refused; nothing was made or changed: sourceImageId: image ${DEMO.images.plain} is not visible to this account in cn-hangzhou: it does not exist there, or its owner has not shared it with this account \\(or revoked the share\\)$`,
      ),
    ],
    [
      "reports OperationDenied.ImageNotValid when the owner is in arrears",
      () => env.emu.admin.setArrears(DEMO.owner.accountId),
      {},
      /^CopyImage failed: the image m-demogoldenplain01 can no longer be used: the owner may be in arrears, may have revoked the share or disabled its key \(OperationDenied.ImageNotValid, HTTP 403, RequestId/,
    ],
    [
      "reports OperationDenied.ImageNotValid when the owner disabled the key of an encrypted image",
      () => env.emu.admin.disableKmsKey(DEMO.ownerKmsKeyId),
      { sourceImageId: DEMO.images.encrypted, encrypted: true },
      /^CopyImage failed: the image m-demogoldenenc01 can no longer be used: .* \(OperationDenied.ImageNotValid, HTTP 403,/,
    ],
    [
      "reports a disabled KMS key of this account",
      () => env.emu.admin.disableKmsKey(DEMO.workload.kmsKeyId),
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
      () => env.emu.admin.addFault({ action: "CopyImage", kind: "error", code: "Forbidden.RAM", httpStatus: 403 }),
      {},
      /^CopyImage failed: the RAM user or role is not allowed to do this .* \(Forbidden.RAM, HTTP 403, RequestId [0-9A-F-]+\)\. Fix: grant the permission/,
    ],
    [
      "reports the snapshot quota",
      () =>
        env.emu.admin.addFault({ action: "CopyImage", kind: "error", code: "QuotaExceed.Snapshot", httpStatus: 403 }),
      {},
      /^CopyImage failed: this account has reached its snapshot quota \(a copy creates snapshots\) \(QuotaExceed.Snapshot, HTTP 403,/,
    ],
  ];
  it.each(createErrors)("%s", async (_what, arrange, over, message) => {
    arrange();
    const err = await rejection(provider.create(inputs(over)));
    expect(err.message).toMatch(message);
    expect(err.id).toBeUndefined();
    expect(env.images()).toEqual([]);
  });

  it("reports InvalidImageName.Duplicated when this account already has an image of that name, naming it", async () => {
    const { id } = await provider.create(inputs());
    const err = await rejection(provider.create(inputs({ identity: identity("second"), tags: { x: "y" } })));
    expect(err.message).toMatch(
      new RegExp(
        `^CopyImage failed: an image with this name already exists in this account and region \\(InvalidImageName.Duplicated, HTTP 40\\d, RequestId [0-9A-F-]+\\)\\. Fix: choose another name, or adopt the existing image\\. The name ${inputs().name} belongs to ${id} in ${DEMO.region}, which this resource did not make: `,
      ),
    );
  });

  it("reports QuotaExceed.Image when the account has no custom image quota left", async () => {
    env.emu.admin.loadWorld(demoWorld({ maxCustomImagesPerRegion: 0 }));
    const err = await rejection(provider.create(inputs()));
    expect(err.message).toMatch(
      /^CopyImage failed: this account has reached its custom image quota in this region \(QuotaExceed.Image,/,
    );
  });

  it("retries throttling and transient errors with the same ClientToken", async () => {
    env.emu.admin.addFault({ action: "CopyImage", kind: "error", code: "Throttling.User", count: 1 });
    env.emu.admin.addFault({ action: "CopyImage", kind: "commitThenDrop", count: 1 });
    const { id } = await made(inputs());
    const calls = env.emu.admin.requests({ action: "CopyImage" });
    expect(calls.length).toBe(3);
    expect(new Set(calls.map((c) => c.params.ClientToken)).size).toBe(1);
    expect(env.images().map((i) => i.imageId)).toEqual([id]);
  });
});
