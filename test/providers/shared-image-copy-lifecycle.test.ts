// SharedImageCopy's read, update and delete (cancel) against the in-process emulator, through the real SDK inside
// EcsApi. Every message asserted here is what a user sees in `pulumi up` / `pulumi destroy`.
import * as $Ecs from "@alicloud/ecs20140526";
import type { SharedImageCopyOutputs } from "../../providers/copy/args";
import { diffSharedImageCopy } from "../../providers/copy/diff";
import { setProgressSink } from "../../providers/progress";
import { provider } from "../../providers/shared-image-copy";
import { DEMO } from "../support/emulator";
import { rejection } from "../support/requests";
import { identity, inputs } from "../support/shared-image-copy";
import {
  made,
  PLAIN_PROVENANCE,
  PLAIN_RESERVED,
  REQUEST_ID,
  useCopyEmulator,
} from "../support/shared-image-copy-emulator";

const env = useCopyEmulator();

describe("read", () => {
  it("reads back name, description, tags and encryption, so changes made outside Pulumi show as drift", async () => {
    const { id, outs } = await made(inputs({ tags: { team: "a" } }));
    await env.workloadSdk.modifyImageAttribute(
      new $Ecs.ModifyImageAttributeRequest({
        regionId: DEMO.region,
        imageId: id,
        imageName: "renamed-outside",
        description: "edited",
      }),
    );
    await env.workloadSdk.untagResources(
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
    await env.workloadSdk.modifyImageAttribute(
      new $Ecs.ModifyImageAttributeRequest({ regionId: DEMO.region, imageId: id, status: "Deprecated" }),
    );
    expect((await provider.read(id, outs)).props).toMatchObject({ imageId: id, status: "Deprecated", progress: 100 });
  });

  it("returns a copy that is still running with its progress", async () => {
    env.slowCopies();
    const err = await rejection(provider.create(inputs({ timeouts: { create: "100ms" } })));
    env.emu.admin.advanceClock(env.SLOW_COPY_MS / 2);
    const read = await provider.read(err.id as string, err.properties as Record<string, unknown>);
    expect(read.props).toMatchObject({ imageId: err.id, status: "Creating", progress: 50 });
  });

  it("returns an empty id when the copy is gone", async () => {
    const { id, outs } = await made(inputs());
    env.emu.admin.deleteImage(id);
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
    env.emu.admin.clearRequests();
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
    expect(env.mutatingCalls().sort()).toEqual(["ModifyImageAttribute", "TagResources", "UntagResources"]);
    expect(after?.tags).toEqual({ team: "b", added: "y" });
    expect(env.images()).toMatchObject([{ imageId: id, name: "golden-copy-v2", description: "v2" }]);
    expect(env.images()[0].tags).toEqual({ team: "b", added: "y", ...PLAIN_RESERVED });
  });

  it("gives a copy without the provenance tags (made by an older version) its tags back, never showing them", async () => {
    const { id, outs } = await made(inputs({ tags: { team: "a" } }));
    await env.workloadSdk.untagResources(
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
    expect(env.images()[0].tags).toEqual({ team: "b", ...PLAIN_RESERVED });
  });

  it("makes no ECS change when only provider settings change", async () => {
    const { id, outs } = await made(inputs());
    env.emu.admin.clearRequests();
    const { outs: after } = await provider.update(id, outs, inputs({ deleteOptions: { force: true } }));
    expect(after?.deleteOptions).toEqual({ force: true });
    expect(env.mutatingCalls()).toEqual([]);
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
    env.emu.admin.deleteImage(id);
    const err = await rejection(provider.update(id, outs, inputs({ name: "renamed" })));
    expect(err.message).toBe(
      `The copy ${id} no longer exists in cn-hangzhou (deleted outside Pulumi?). Fix: run pulumi refresh, then pulumi up to copy again.`,
    );
  });

  it("reports ECS's tag quota (more than 20 tags on the copy) with what to do", async () => {
    const { id, outs } = await made(inputs());
    env.emu.admin.addFault({
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
    env.emu.admin.clearRequests();
    await provider.delete(id, outs);
    expect(env.images()).toEqual([]);
    expect(env.mutatingCalls()).toEqual(["DeleteImage"]);
    expect(env.emu.admin.requests({ action: "DeleteImage" })[0].params.Force).toBe("false");
  });

  it("cancels a copy that is still running", async () => {
    env.slowCopies();
    const err = await rejection(provider.create(inputs({ timeouts: { create: "100ms" } })));
    await provider.delete(err.id as string, err.properties as unknown as SharedImageCopyOutputs);
    expect(env.images()).toEqual([]);
    // The timed-out create handed the copy to the engine (its create tag marked done) with the partial state.
    expect(env.mutatingCalls()).toEqual(["CopyImage", "TagResources", "CancelCopyImage"]);
    expect(env.progress.map((p) => p.message)).toContain(`cancelled the running copy ${err.id} (was Creating)`);
  });

  it("waits for a running copy to finish when cancelRunningCopy is false, then deletes it", async () => {
    env.slowCopies();
    const news = inputs({ timeouts: { create: "100ms" }, deleteOptions: { cancelRunningCopy: false } });
    const err = await rejection(provider.create(news));
    setProgressSink((event) => {
      env.progress.push(event);
      if (event.message.startsWith("waiting for the running copy")) env.emu.admin.advanceClock(env.FINISH_SLOW_COPY);
    });
    await provider.delete(err.id as string, err.properties as unknown as SharedImageCopyOutputs);
    expect(env.images()).toEqual([]);
    expect(env.mutatingCalls()).toEqual(["CopyImage", "TagResources", "DeleteImage"]);
  });

  it("succeeds when the copy is already gone", async () => {
    const { id, outs } = await made(inputs());
    env.emu.admin.deleteImage(id);
    env.emu.admin.clearRequests();
    await provider.delete(id, outs);
    expect(env.mutatingCalls()).toEqual([]);
  });

  it("refuses to delete a copy shared with another account unless force is set", async () => {
    const { id, outs } = await made(inputs());
    await env.workloadSdk.modifyImageSharePermission(
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
    expect(env.images()).toHaveLength(1);
    await provider.delete(id, { ...outs, deleteOptions: { force: true } });
    expect(env.images()).toEqual([]);
    expect(env.emu.admin.requests({ action: "DeleteImage" }).at(-1)?.params.Force).toBe("true");
  });

  it("reports a DeleteImage failure ECS keeps returning", async () => {
    const { id, outs } = await made(inputs());
    env.emu.admin.addFault({ action: "DeleteImage", kind: "error", code: "ImageIsExporting", httpStatus: 403 });
    const err = await rejection(provider.delete(id, outs));
    expect(err.message).toMatch(
      new RegExp(`^DeleteImage failed: the image ${id} is being exported \\(ImageIsExporting, HTTP 403,`),
    );
  });
});
