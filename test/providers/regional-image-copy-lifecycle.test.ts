// RegionalImageCopy against the in-process emulator, through the real client: the provider's queue beyond ECS's 5
// copies per region, cancel on delete mid-copy, adoption of what a create killed in its provider process started, a destination KMS key
// disabled mid-copy, provenance as the approval rule sees it, and read drift.
import { EcsApi } from "../../providers/ecs/api";
import type { ImageView } from "../../providers/ecs/types";
import { evaluateImage } from "../../providers/policy/approval";
import { setProgressSink } from "../../providers/progress";
import { provider, type RegionalImageCopyOutputs } from "../../providers/regional-image-copy";
import { PROVENANCE_TAGS } from "../../providers/tags";
import { DEMO, demoWorld, emulatorConfigValues } from "../support/emulator";
import { ProviderProcess } from "../support/provider-process";
import { firstHopCopy, madeRegional, regionalIdentity, regionalInputs, until } from "../support/regional-image-copy";
import { rejection } from "../support/requests";
import { approval, identity, inputs } from "../support/shared-image-copy";
import { made, PLAIN_PROVENANCE, PLAIN_RESERVED, useCopyEmulator } from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();
const SHANGHAI_KEY = "key-demo-workload-sh";

/** The workload's images in the destination region. */
const inShanghai = () => env.images().filter((image) => image.regionId === DEMO.otherRegion);
/** The image as an instance provider in the destination region sees it. */
async function seen(imageId: string): Promise<ImageView> {
  const image = await EcsApi.forRegion(DEMO.otherRegion, "test").getImage(imageId);
  if (image === undefined) throw new Error(`image ${imageId} is not visible in ${DEMO.otherRegion}`);
  return image;
}

describe("queue per destination region", () => {
  it("starts at most 5 copies to one region and says where the others stand", async () => {
    env.slowCopies();
    const source = await firstHopCopy(env);
    const names = ["sh-a", "sh-b", "sh-c", "sh-d", "sh-e", "sh-f", "sh-g"];
    const runs = names.map((name) =>
      madeRegional(regionalInputs({ identity: regionalIdentity(name), name, sourceImageId: source })),
    );
    const queued = () => env.progress.filter((p) => p.message.startsWith("queued"));
    await until(() => inShanghai().length === 5 && queued().length === 2, "5 copies started and 2 queued");
    // Time for a sixth CopyImage, had the provider sent one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inShanghai().map((image) => image.status)).toEqual(Array(5).fill("Creating"));
    expect(queued().map((p) => p.message)).toEqual([
      `queued (0 ahead): 5 copies to ${DEMO.otherRegion} are running, ECS's limit per region`,
      `queued (1 ahead): 5 copies to ${DEMO.otherRegion} are running, ECS's limit per region`,
    ]);
    const waitingUrns = queued().map((p) => p.urn);

    // A copy to another region takes twice as long: the five finish, the two queued start.
    env.emu.admin.advanceClock(2 * env.FINISH_SLOW_COPY);
    await until(() => inShanghai().length === 7, "the queued copies to start");
    expect(inShanghai().filter((image) => image.status === "Waiting")).toEqual([]);
    // The second one moved up when the first started.
    expect(queued().at(-1)).toMatchObject({
      urn: waitingUrns[1],
      message: expect.stringMatching(/^queued \(0 ahead\)/),
    });
    env.emu.admin.advanceClock(2 * env.FINISH_SLOW_COPY);
    const made = await Promise.all(runs);
    expect(made.map((m) => m.outs.status)).toEqual(Array(7).fill("Available"));
    expect(
      env.emu.admin.requests({ action: "CopyImage" }).filter((r) => r.params.DestinationRegionId === DEMO.otherRegion),
    ).toHaveLength(7);
  });
});

describe("queue shared with the first hop", () => {
  it("queues SharedImageCopy's copies into one region the same way", async () => {
    env.slowCopies();
    const names = ["hz-a", "hz-b", "hz-c", "hz-d", "hz-e", "hz-f"];
    const runs = names.map((name) => made(inputs({ identity: identity(name), name, timeouts: { create: "300ms" } })));
    const queued = () => env.progress.some((p) => p.message.startsWith("queued"));
    await until(() => queued() && env.images().length === 5, "5 first hops started and one queued");
    expect(env.images().map((image) => image.status)).toEqual(Array(5).fill("Creating"));
    expect(env.progress.filter((p) => p.message.startsWith("queued")).map((p) => p.message)).toEqual([
      `queued (0 ahead): 5 copies to ${DEMO.region} are running, ECS's limit per region`,
    ]);
    // The five time out (kept in state), which frees their slots: the sixth starts then.
    const settled = await Promise.allSettled(runs);
    expect(settled.map((r) => r.status)).toEqual(Array(6).fill("rejected"));
    expect(env.emu.admin.requests({ action: "CopyImage" })).toHaveLength(6);
  });
});

describe("delete", () => {
  it("cancels a copy still running in the destination region, leaving the first hop alone", async () => {
    env.slowCopies();
    const source = await firstHopCopy(env);
    const err = await rejection(
      provider.create(regionalInputs({ sourceImageId: source, timeouts: { create: "150ms" } })),
    );
    expect(err.properties).toMatchObject({ imageId: err.id, status: "Creating", sourceOwnerId: DEMO.owner.accountId });
    env.emu.admin.clearRequests();
    await provider.delete(err.id as string, err.properties as unknown as RegionalImageCopyOutputs);
    expect(env.mutatingCalls()).toEqual(["CancelCopyImage"]);
    expect(env.emu.admin.requests({ action: "CancelCopyImage" })[0].params.RegionId).toBe(DEMO.otherRegion);
    expect(env.images().map((image) => image.imageId)).toEqual([source]);
    expect(env.progress.map((p) => p.message)).toContain(`cancelled the running copy ${err.id} (was Creating)`);
  });
});

describe("create", () => {
  it("adopts the copy a create killed right after CopyImage started: the next run copies nothing", async () => {
    const source = await firstHopCopy(env);
    const news = regionalInputs({ sourceImageId: source });
    const processes = await ProviderProcess.start(env.emu, emulatorConfigValues(env.emu), {
      ECS_SHARED_IMAGES_POLL_INTERVAL: "20ms",
    });
    try {
      env.emu.admin.clearRequests();
      processes.killAfterAction("CopyImage");
      await expect(processes.invoke("regional", "create", [news])).rejects.toThrow(/killed/);
      const [started] = inShanghai();
      expect(started).toMatchObject({ status: "Creating", name: news.name });
      // The next `pulumi up`: a new provider process, the same create.
      const { id } = (await processes.invoke("regional", "create", [news])) as { id: string };
      expect(id).toBe(started.imageId);
      expect(env.emu.admin.requests({ action: "CopyImage" })).toHaveLength(1);
      expect(processes.progress.map((p) => p.message)).toContainEqual(
        expect.stringMatching(new RegExp(`^resuming copy ${id} of ${source}, started by an interrupted run`)),
      );
      // Settled: the carried provenance, the create marked done.
      expect(inShanghai()).toMatchObject([{ imageId: id, status: "Available", tags: PLAIN_RESERVED }]);
    } finally {
      await processes.close();
    }
  });

  it("keeps a copy that timed out in state, and the next up resumes waiting for it", async () => {
    env.slowCopies();
    const source = await firstHopCopy(env);
    const err = await rejection(
      provider.create(regionalInputs({ sourceImageId: source, timeouts: { create: "150ms" } })),
    );
    expect(err.message).toMatch(/^Timed out after 150ms waiting for the copy m-\w+ of m-\w+ to become Available/);
    expect(err.properties).toMatchObject({ imageId: err.id, status: "Creating", sourceRegion: DEMO.region });
    setProgressSink((event) => {
      env.progress.push(event);
      if (event.message.startsWith("resuming the wait")) env.emu.admin.advanceClock(2 * env.FINISH_SLOW_COPY);
    });
    const news = regionalInputs({ sourceImageId: source, timeouts: { create: "1h" } });
    const resumed = await provider.update?.(
      err.id as string,
      err.properties as unknown as RegionalImageCopyOutputs,
      news,
    );
    expect(resumed?.outs).toMatchObject({ imageId: err.id, status: "Available", progress: 100 });
    expect(
      env.emu.admin.requests({ action: "CopyImage" }).filter((r) => r.params.DestinationRegionId === DEMO.otherRegion),
    ).toHaveLength(1);
  });

  it("fails the copy when the destination KMS key is disabled mid-copy, keeping it in state to be replaced", async () => {
    const source = await firstHopCopy(env);
    setProgressSink((event) => {
      env.progress.push(event);
      if (event.ephemeral) env.emu.admin.disableKmsKey(SHANGHAI_KEY);
    });
    const news = regionalInputs({ sourceImageId: source, encrypted: true, kmsKeyId: SHANGHAI_KEY });
    const err = await rejection(provider.create(news));
    expect(err.message).toMatch(
      new RegExp(
        `^Gave up waiting for the copy ${err.id} of ${source} to become Available: the image is CreateFailed; ECS does not say why \\(usually the KMS key ${SHANGHAI_KEY} it encrypts with disabled in ${DEMO.otherRegion}, .*\\)\\. Fix: remove the cause, then run pulumi up: it replaces the failed copy\\.$`,
      ),
    );
    expect(err.properties).toMatchObject({ status: "CreateFailed", encrypted: true, kmsKeyId: SHANGHAI_KEY });
    const diff = await provider.diff?.(err.id as string, err.properties as unknown as RegionalImageCopyOutputs, news);
    expect(diff).toMatchObject({ changes: true, replaces: ["status"] });
  });

  it("copies an encrypted first hop only encrypted, with the destination's key", async () => {
    setProgressSink((event) => {
      if (event.ephemeral) env.emu.admin.advanceClock(env.FINISH_SLOW_COPY);
    });
    const hop = await made(inputs({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId }));
    setProgressSink((event) => env.progress.push(event));
    const plain = await rejection(provider.create(regionalInputs({ sourceImageId: hop.id })));
    expect(plain.message).toMatch(
      new RegExp(
        `^Copying image ${hop.id} refused; nothing was made or changed: encrypted: image ${hop.id} .* is encrypted, so its copy must be encrypted too`,
      ),
    );
    const news = regionalInputs({ sourceImageId: hop.id, encrypted: true, kmsKeyId: SHANGHAI_KEY });
    const { outs } = await madeRegional(news);
    expect(outs).toMatchObject({ status: "Available", encrypted: true, kmsKeyId: SHANGHAI_KEY });
    expect(inShanghai().map((image) => image.diskMappings.map((m) => m.kmsKeyId))).toEqual([[SHANGHAI_KEY]]);
  });

  it("refuses a KMS key of the source's region: the copy is encrypted in the destination", async () => {
    const source = await firstHopCopy(env);
    const news = regionalInputs({ sourceImageId: source, encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
    const err = await rejection(provider.create(news));
    expect(err.message).toMatch(
      /^CopyImage failed: the KMS key key-demo-workload-hz does not exist in this region \(InvalidParameter.KMSKeyId.NotFound,/,
    );
    expect(inShanghai()).toEqual([]);
  });
});

describe("provenance", () => {
  it("is carried to the regional copy, which the approval rule accepts as it accepts its source", async () => {
    const source = await firstHopCopy(env);
    const { id } = await madeRegional(regionalInputs({ sourceImageId: source }));
    const copy = await seen(id);
    expect(copy.tags).toMatchObject(PLAIN_PROVENANCE);
    expect(evaluateImage(copy, approval)).toEqual({ approved: true, reasons: [] });
    expect(evaluateImage(copy, { ...approval, allowedImageIds: [DEMO.images.plain] }).approved).toBe(true);
  });

  it("is not made up for a look-alike: an own image with provenance tags that is no copy", async () => {
    const LOOKALIKE = "m-lookalike01";
    const world = demoWorld();
    const workload = world.accounts.find((a) => a.accountId === DEMO.workload.accountId);
    if (workload === undefined) throw new Error("the demo world has no workload account");
    workload.images = [
      ...(workload.images ?? []),
      { imageId: LOOKALIKE, regionId: DEMO.region, name: "golden-base-2024-10", sizeGiB: 40, tags: PLAIN_PROVENANCE },
    ];
    env.emu.admin.loadWorld(world);
    const checked = await provider.check({}, regionalInputs({ sourceImageId: LOOKALIKE }));
    expect(checked.failures).toEqual([]);
    expect(env.progress.map((p) => p.message)).toEqual([
      `image ${LOOKALIKE} ("golden-base-2024-10") of owner ${DEMO.workload.accountId} is not a copy of a shared image (no provenance from SharedImageCopy), so neither is this copy: InstanceFromSharedImage's approval refuses it unless this account is an approved owner`,
    ]);
    const { id, outs } = await madeRegional(regionalInputs({ sourceImageId: LOOKALIKE }));
    const copy = await seen(id);
    expect(Object.keys(copy.tags).filter((key) => Object.values<string>(PROVENANCE_TAGS).includes(key))).toEqual([]);
    expect(outs).toMatchObject({ sourceOwnerId: "", sourceImageName: "" });
    expect(evaluateImage(copy, approval)).toEqual({
      approved: false,
      reasons: [
        expect.stringMatching(/without the ecs-shared-images:source-owner tag SharedImageCopy puts on its copies/),
      ],
    });
  });
});

describe("read", () => {
  it("shows a copy deprecated outside Pulumi, and one deleted as gone", async () => {
    const source = await firstHopCopy(env);
    const { id, outs } = await madeRegional(regionalInputs({ sourceImageId: source }));
    env.emu.admin.deprecateImage(id);
    expect((await provider.read?.(id, outs))?.props).toMatchObject({ status: "Deprecated", imageId: id });
    env.emu.admin.deleteImage(id);
    expect(await provider.read?.(id, outs)).toEqual({ id: "", props: {} });
  });

  it("renames and retags in place, in the destination region", async () => {
    const source = await firstHopCopy(env);
    const { id, outs } = await madeRegional(regionalInputs({ sourceImageId: source }));
    const news = regionalInputs({ sourceImageId: source, name: "golden-sh-2", tags: { team: "b" } });
    expect(await provider.diff?.(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    const updated = await provider.update?.(id, outs, news);
    expect(updated?.outs).toMatchObject({
      name: "golden-sh-2",
      tags: { team: "b" },
      sourceOwnerId: DEMO.owner.accountId,
    });
    expect(inShanghai()).toMatchObject([{ imageId: id, name: "golden-sh-2", tags: { team: "b", ...PLAIN_RESERVED } }]);
  });
});
