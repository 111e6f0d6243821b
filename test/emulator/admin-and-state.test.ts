// The emulator's admin API (back doors tests use), its saved state across restarts, and world files.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as $Ecs from "@alicloud/ecs20140526";
import { type RunningEmulator, startEmulator, WorldValidationError } from "../../emulator";
import { DEMO, demoWorld, startDemoEmulator, tempDirPerTest } from "../support/emulator";
import {
  adminCall,
  describeImage,
  describeInstance,
  ecsClient,
  expectEcsError,
  rawRequest,
  runInstance,
  runRequest,
} from "../support/emulator-sdk";

const region = DEMO.region;
const SECRET_PASSWORD = "Zq9-very-Secret-Pw";

describe("emulator admin API, persistence and worlds", () => {
  // Each test starts the emulator it needs (a state file, a world); it is closed before its directory goes.
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  const dir = tempDirPerTest("ecs-emu-");

  it("serves health, inventory and stats over the HTTP admin API", async () => {
    emu = await startDemoEmulator();
    expect((await adminCall(emu, "GET", "health")).status).toBe(200);
    await ecsClient(emu).runInstances(runRequest());
    const inv = await adminCall(emu, "GET", `inventory?account=${DEMO.workload.accountId}`);
    const account = inv.body[DEMO.workload.accountId] as { instances: unknown[]; sharedWithMe: unknown[] };
    expect(account.instances).toHaveLength(1);
    expect(account.sharedWithMe).toHaveLength(5);
    const stats = await adminCall(emu, "GET", "stats");
    expect(stats.body.RunInstances).toEqual(expect.objectContaining({ calls: 1, mutating: 1, dryRuns: 0 }));
  });

  it("advances the clock, sets faults and throttling over HTTP", async () => {
    emu = await startDemoEmulator();
    const before = (await adminCall(emu, "GET", "clock")).body.now as number;
    const after = (await adminCall(emu, "POST", "clock/advance", { ms: 3_600_000 })).body.now as number;
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
    expect(
      (
        await adminCall(emu, "POST", "faults", {
          action: "DescribeRegions",
          kind: "error",
          code: "InternalError",
          count: 1,
        })
      ).status,
    ).toBe(200);
    await expectEcsError(ecsClient(emu).describeRegions(new $Ecs.DescribeRegionsRequest({})), "InternalError", 500);
    const throttle = await adminCall(emu, "POST", "throttle", {
      enabled: true,
      default: { ratePerSecond: 1, burst: 1 },
    });
    expect(throttle.body).toEqual(expect.objectContaining({ enabled: true }));
  });

  it("revokes a share, deletes an image and modifies an instance behind the client's back over HTTP", async () => {
    emu = await startDemoEmulator();
    await adminCall(emu, "POST", "revoke-share", { imageId: DEMO.images.plain, accountId: DEMO.workload.accountId });
    await expectEcsError(ecsClient(emu).runInstances(runRequest()), "InvalidImageId.NotFound", 404);
    const [id] =
      (await ecsClient(emu).runInstances(runRequest({ imageId: DEMO.images.paid }))).body?.instanceIdSets
        ?.instanceIdSet ?? [];
    const modified = await adminCall(emu, "POST", "instances/modify", {
      instanceId: id,
      status: "Stopped",
      name: "changed",
    });
    expect(modified.body).toEqual(expect.objectContaining({ status: "Stopped", name: "changed" }));
    expect((await adminCall(emu, "POST", "images/delete", { imageId: DEMO.images.paid })).status).toBe(200);
    expect((await adminCall(emu, "POST", "arrears", { accountId: DEMO.owner.accountId })).status).toBe(200);
    expect((await adminCall(emu, "POST", "kms-key", { keyId: DEMO.ownerKmsKeyId, state: "Disabled" })).status).toBe(
      200,
    );
  });

  it("answers bad admin input with 4xx and a message", async () => {
    emu = await startDemoEmulator();
    expect((await adminCall(emu, "POST", "clock/advance", { ms: "soon" })).status).toBe(400);
    expect((await adminCall(emu, "GET", "nope")).status).toBe(404);
    const bad = await rawRequest(emu, "/_emulator/world", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
  });

  it("loads and resets worlds, rejecting an invalid world with a message naming the key", async () => {
    emu = await startDemoEmulator();
    const world = demoWorld();
    (world.accounts[0] as { accountId: string }).accountId = "123";
    const res = await adminCall(emu, "POST", "world", world);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("world.accounts[0].accountId");
    expect(() =>
      emu?.admin.loadWorld({ ...demoWorld(), regions: [{ regionId: "cn-hangzhou", zones: [], colour: 1 } as never] }),
    ).toThrow(/world\.regions\[0\]\.colour: unknown key/);
    await ecsClient(emu).runInstances(runRequest());
    emu.admin.reset();
    emu.admin.setThrottle({ enabled: false });
    expect(emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toEqual([]);
  });

  it("refuses to start with an invalid world file", async () => {
    const path = join(dir(), "bad.json");
    writeFileSync(
      path,
      JSON.stringify({ ...demoWorld(), instanceTypes: [{ instanceTypeId: "big", cpu: 2, memoryGiB: 4 }] }),
    );
    await expect(startEmulator({ world: path })).rejects.toThrow(WorldValidationError);
    await expect(startEmulator({ world: path })).rejects.toThrow(/world\.instanceTypes\[0\]\.instanceTypeId/);
  });

  it("persists state atomically and reloads it on start", async () => {
    const statePath = join(dir(), "state.json");
    emu = await startDemoEmulator({ statePath });
    const [id] = (await ecsClient(emu).runInstances(runRequest())).body?.instanceIdSets?.instanceIdSet ?? [];
    emu.admin.advanceClock(60_000);
    await emu.close();
    emu = await startDemoEmulator({ statePath });
    const res = await ecsClient(emu).describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: region }));
    expect(res.body?.instances?.instance?.map((i) => [i.instanceId, i.status])).toEqual([[id, "Running"]]);
  });

  it("never writes passwords or secrets to the state file or the request log", async () => {
    const statePath = join(dir(), "state.json");
    emu = await startDemoEmulator({ statePath });
    await ecsClient(emu).runInstances(runRequest({ password: SECRET_PASSWORD, clientToken: "pw-1" }));
    await ecsClient(emu, DEMO.sts).describeRegions(new $Ecs.DescribeRegionsRequest({}));
    emu.admin.save();
    const state = readFileSync(statePath, "utf8");
    const log = JSON.stringify(emu.admin.requests()) + JSON.stringify(emu.admin.inventory());
    const httpLog = (await adminCall(emu, "GET", "requests")).text;
    for (const secret of [
      SECRET_PASSWORD,
      DEMO.workload.accessKeySecret,
      DEMO.sts.securityToken,
      DEMO.sts.accessKeySecret,
    ]) {
      expect(state).not.toContain(secret);
      expect(log).not.toContain(secret);
      expect(httpLog).not.toContain(secret);
    }
    expect(emu.admin.requests({ action: "RunInstances" })[0].params.Password).toBe("******");
  });

  it("deprecates and restores a shared image behind the workload's back, in-process and over HTTP", async () => {
    emu = await startDemoEmulator();
    emu.admin.deprecateImage(DEMO.images.plain);
    expect((await describeImage(emu, DEMO.images.plain))?.status).toBe("Deprecated");
    await expectEcsError(ecsClient(emu).runInstances(runRequest()), "IncorrectImageStatus", 400);
    emu.admin.undeprecateImage(DEMO.images.plain);
    await runInstance(emu);
    expect((await adminCall(emu, "POST", "images/deprecate", { imageId: DEMO.images.paid })).status).toBe(200);
    expect((await describeImage(emu, DEMO.images.paid))?.status).toBe("Deprecated");
    expect((await adminCall(emu, "POST", "images/undeprecate", { imageId: DEMO.images.paid })).status).toBe(200);
    expect((await describeImage(emu, DEMO.images.paid))?.status).toBe("Available");
    expect((await adminCall(emu, "POST", "images/deprecate", { imageId: "m-nope" })).status).toBe(404);
  });

  it("refuses to deprecate an image that is neither Available nor Deprecated", async () => {
    emu = await startDemoEmulator();
    const copy = await ecsClient(emu).copyImage(
      new $Ecs.CopyImageRequest({ regionId: region, imageId: DEMO.images.plain }),
    );
    const imageId = copy.body?.imageId as string;
    expect(() => emu?.admin.deprecateImage(imageId)).toThrow(/is Creating; only Available and Deprecated/);
    expect((await adminCall(emu, "POST", "images/deprecate", { imageId })).status).toBe(409);
  });

  it("stops a Running instance out of band: Stopping, then Stopped in standard mode", async () => {
    emu = await startDemoEmulator();
    const id = await runInstance(emu);
    emu.admin.advanceClock(60_000);
    emu.admin.stopInstance(id);
    expect((await describeInstance(emu, id))?.status).toBe("Stopping");
    emu.admin.advanceClock(10_000);
    expect(await describeInstance(emu, id)).toMatchObject({ status: "Stopped", stoppedMode: "KeepCharging" });
    // Standard mode: the disk can be replaced right away.
    await ecsClient(emu).replaceSystemDisk(
      new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: DEMO.images.plain }),
    );
    expect(() => emu?.admin.stopInstance(id)).toThrow(`stopInstance: instance ${id} is Stopped`);
    expect(() => emu?.admin.stopInstance("i-nope")).toThrow("stopInstance: no instance i-nope");
  });

  it("stops an instance over HTTP, refusing one that is not Running", async () => {
    emu = await startDemoEmulator();
    const id = await runInstance(emu);
    expect((await adminCall(emu, "POST", "instances/stop", { instanceId: id })).status).toBe(409);
    emu.admin.advanceClock(60_000);
    expect((await adminCall(emu, "POST", "instances/stop", { instanceId: id })).status).toBe(200);
    expect((await describeInstance(emu, id))?.status).toBe("Stopping");
    expect((await adminCall(emu, "POST", "instances/stop", { instanceId: "i-nope" })).status).toBe(404);
  });

  it("reads a state file written before credentials were tracked", async () => {
    const statePath = join(dir(), "state.json");
    emu = await startDemoEmulator({ statePath });
    const id = await runInstance(emu, { password: SECRET_PASSWORD });
    const other = await runInstance(emu, { keyPairName: DEMO.workload.keyPairName });
    await emu.close();
    const file = JSON.parse(readFileSync(statePath, "utf8"));
    for (const inst of Object.values(file.state.instances) as Record<string, unknown>[]) {
      inst.hasPassword = inst.password === "set";
      delete inst.password;
      delete inst.passwordPresetImageId;
    }
    for (const img of Object.values(file.state.images) as Record<string, unknown>[]) delete img.passwordPreset;
    writeFileSync(statePath, JSON.stringify(file));
    emu = await startDemoEmulator({ statePath });
    expect(emu.admin.credentials(id)).toEqual({ keyPairName: "", password: "set", fingerprintKnown: false });
    expect(emu.admin.credentials(other)).toMatchObject({ password: "none" });
    const ownerImages = emu.admin.inventory(DEMO.owner.accountId)[DEMO.owner.accountId].images;
    expect(ownerImages.map((i) => i.passwordPreset)).toEqual(ownerImages.map(() => false));
  });

  it("runs as a CLI that prints the endpoint first and saves state on SIGTERM", async () => {
    const statePath = join(dir(), "cli-state.json");
    const child = spawn(
      process.execPath,
      [join(__dirname, "../../emulator/cli.js"), "--port", "0", "--state", statePath, "--time-scale", "2"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`cli exited with ${code}`)));
      });
      expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(firstLine).port);
      const fake = { endpoint: new URL(firstLine).host, port } as RunningEmulator;
      const client = ecsClient(fake);
      const regions = await client.describeRegions(new $Ecs.DescribeRegionsRequest({}));
      expect(regions.body?.regions?.region).toHaveLength(2);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    expect(JSON.parse(readFileSync(statePath, "utf8")).format).toBe("ecs-emulator-state/1");
  });
});
