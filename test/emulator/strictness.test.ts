import * as $Ecs from "@alicloud/ecs20140526";
import type { RunningEmulator } from "../../emulator";
import { DEMO, ecsClient, expectEcsError, runInstance, runRequest, startTestEmulator } from "./helpers";

const region = DEMO.region;

/** Tag.N for the SDK. */
function tags(n: number, prefix = "k"): $Ecs.TagResourcesRequestTag[] {
  return Array.from({ length: n }, (_, i) => new $Ecs.TagResourcesRequestTag({ key: `${prefix}${i}`, value: `v${i}` }));
}

describe("emulator strictness: rules ECS enforces", () => {
  let emu: RunningEmulator;
  beforeEach(async () => {
    emu = await startTestEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  const workload = () => ecsClient(emu);
  const tagInstance = (instanceId: string, tag: $Ecs.TagResourcesRequestTag[]) =>
    workload().tagResources(
      new $Ecs.TagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [instanceId], tag }),
    );
  const tagCount = async (instanceId: string) =>
    (
      await workload().listTagResources(
        new $Ecs.ListTagResourcesRequest({ regionId: region, resourceType: "instance", resourceId: [instanceId] }),
      )
    ).body?.tagResources?.tagResource?.length;
  describe("tags", () => {
    it("refuses tags that would take a resource past 20 (OperationDenied.QuotaExceed) and tags nothing", async () => {
      const id = await runInstance(emu, { tag: tags(15, "a") });
      await expectEcsError(tagInstance(id, tags(6, "b")), "OperationDenied.QuotaExceed", 400);
      expect(await tagCount(id)).toBe(15);
      await tagInstance(id, [...tags(15, "a"), ...tags(5, "b")]);
      expect(await tagCount(id)).toBe(20);
    });

    it("refuses more than 20 tags in one request (NumberExceed.Tags)", async () => {
      const id = await runInstance(emu);
      await expectEcsError(tagInstance(id, tags(21)), "NumberExceed.Tags", 400);
      await expectEcsError(workload().runInstances(runRequest({ tag: tags(21) })), "NumberExceed.Tags", 400);
    });

    it("refuses a tag key given twice (Duplicate.TagKey)", async () => {
      const twice = [
        new $Ecs.TagResourcesRequestTag({ key: "team", value: "a" }),
        new $Ecs.TagResourcesRequestTag({ key: "team", value: "b" }),
      ];
      const id = await runInstance(emu);
      await expectEcsError(tagInstance(id, twice), "Duplicate.TagKey", 400);
      await expectEcsError(workload().runInstances(runRequest({ tag: twice })), "Duplicate.TagKey", 400);
    });

    it.each([
      ["a key starting with aliyun", "aliyun-team", "x", "InvalidTagKey.Malformed"],
      ["a key starting with acs:", "acs:team", "x", "InvalidTagKey.Malformed"],
      ["a key containing http://", "team-http://x", "x", "InvalidTagKey.Malformed"],
      ["a value starting with acs:", "team", "acs:web", "InvalidTagValue.Malformed"],
      ["a value containing https://", "team", "see https://example.com", "InvalidTagValue.Malformed"],
    ])("refuses %s in TagResources, RunInstances and CopyImage", async (_what, key, value, code) => {
      const tag = [new $Ecs.TagResourcesRequestTag({ key, value })];
      const id = await runInstance(emu);
      await expectEcsError(tagInstance(id, tag), code, 400);
      await expectEcsError(workload().runInstances(runRequest({ tag })), code, 400);
      await expectEcsError(
        workload().copyImage(new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain, tag })),
        code,
        400,
      );
      expect(await tagCount(id)).toBe(0);
    });

    it("accepts an empty tag value and keys that merely contain aliyun", async () => {
      const id = await runInstance(emu);
      await tagInstance(id, [new $Ecs.TagResourcesRequestTag({ key: "team-aliyun", value: "" })]);
      expect(await tagCount(id)).toBe(1);
    });
  });
});
