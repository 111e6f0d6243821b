// A new user's path, from the README alone: the library packed as the README says, installed into a fresh Pulumi
// TypeScript project outside this repository (stock tsconfig of `pulumi new typescript`, no skipLibCheck), type
// checked, configured with the README's config block and running the README's program, as written, through the real
// engine against the emulator: up, a no-change preview, destroy, nothing left.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { ENDPOINT_CONFIG_KEY, useStackConfig } from "../../providers/ecs/client";
import { installTarball, packLibrary, writeTypeScriptProject } from "../../scripts/consumer-project";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir } from "../support/engine";
import { sectionBlocks } from "../support/readme";

const PROJECT = "readme-consumer";
/** `pulumi config set [--secret] KEY VALUE` lines of a shell block, comments dropped. */
function configLines(block: string): { key: string; secret: boolean }[] {
  return block
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .map((line) => {
      const m = /^pulumi config set (--secret )?(\S+) \S+$/.exec(line);
      if (!m) throw new Error(`not a config line the test can run: ${line}`);
      return { key: m[2], secret: m[1] !== undefined };
    });
}

describe("the README's own program, installed from the packed library into a fresh project", () => {
  const work = tempDir("consumer");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  const stateFile = path.join(backendDir, ".pulumi", "stacks", PROJECT, "dev.json");
  let emu: RunningEmulator;
  let s: EngineStack;
  let legacyId: string;

  const [install, config, program] = sectionBlocks("## Using the providers in your own program");
  const workload = () => emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 200 });
    useStackConfig(emulatorStackConfig(emu));
    legacyId = await EcsApi.forRegion(DEMO.region, "test").runInstance({
      imageId: DEMO.images.plain,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      keyPairName: DEMO.workload.keyPairName,
      clientToken: "consumer-legacy",
    });
  }, 60_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("the README's blocks are what this test runs: install, config, program", () => {
    expect([install.lang, config.lang, program.lang]).toEqual(["sh", "sh", "ts"]);
    expect(install.text).toMatch(/^npm ci && npm pack\b/m);
    expect(install.text).toMatch(/^npm install \S+\/pulumi-ecs-shared-images-0\.1\.0\.tgz\b/m);
    // Every key the program requires is set by the config block, and the credentials as secrets.
    const set = configLines(config.text);
    const required = [...program.text.matchAll(/config\.require\("(\w+)"\)/g)].map((m) => m[1]);
    expect(required.filter((key) => !set.some((c) => c.key === key))).toEqual([]);
    expect(set.filter((c) => c.key.startsWith("alicloud:") && c.key !== "alicloud:region")).toEqual([
      { key: "alicloud:accessKey", secret: true },
      { key: "alicloud:secretKey", secret: true },
    ]);
  });

  it("packs, installs and type-checks with the stock tsconfig (no skipLibCheck)", () => {
    fs.mkdirSync(projectDir, { recursive: true });
    // `npm pack` as the README says; its build already ran (npm test builds first), so scripts are skipped here.
    const { filename, tarball, files } = packLibrary(work.dir);
    expect(filename).toBe("pulumi-ecs-shared-images-0.1.0.tgz");
    // The library and its declarations, nothing of the tests, emulator, stacks or scripts.
    expect(files.map((f) => f.split("/").slice(0, 2).join("/")).filter((p) => p.includes("/"))).toEqual(
      expect.arrayContaining(["dist/providers"]),
    );
    expect(files.filter((f) => /^dist\/(test|emulator|stacks|scripts)\//.test(f))).toEqual([]);
    installTarball(projectDir, tarball);
    // Publishable, with one @pulumi/pulumi: the project's (a peer), and nothing it never loads.
    const installed = path.join(projectDir, "node_modules", "pulumi-ecs-shared-images");
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
    expect(manifest).toMatchObject({ license: "Apache-2.0", types: "dist/providers/index.d.ts" });
    expect(Object.keys(manifest.peerDependencies)).toEqual(["@pulumi/pulumi"]);
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith("@pulumi/"))).toEqual([]);
    // Source maps carry their sources (the .ts files are not shipped).
    const map = JSON.parse(fs.readFileSync(path.join(installed, "dist", "providers", "index.js.map"), "utf8"));
    expect(map.sourcesContent?.[0]).toContain("export {");
    writeTypeScriptProject(projectDir, PROJECT, program.text, { "pulumi-ecs-shared-images": `file:${filename}` });
    const tsc = path.join(projectRoot, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", projectDir, "--noEmit"], { cwd: projectDir, encoding: "utf8" });
  }, 120_000);

  it("goes up with the README's config, previews no change, and destroys leaving nothing behind", async () => {
    s = await createLocalStack(projectDir, backendDir, "dev", { ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms" });
    const values: Record<string, string> = {
      "alicloud:region": DEMO.region,
      "alicloud:accessKey": DEMO.workload.accessKeyId,
      "alicloud:secretKey": DEMO.workload.accessKeySecret,
      imageOwner: DEMO.owner.accountId,
      sharedImageId: DEMO.images.plain,
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupId: DEMO.workload.securityGroupId,
      keyPairName: DEMO.workload.keyPairName,
      legacyInstanceId: legacyId,
    };
    for (const { key, secret } of configLines(config.text)) {
      expect(values).toHaveProperty([key]);
      await s.stack.setConfig(key, { value: values[key], secret });
    }
    await s.stack.setConfig(ENDPOINT_CONFIG_KEY, { value: `http://${emu.endpoint}` });

    const up = await s.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const copyId = up.outputs.goldenImageId.value as string;
    expect(workload().images.find((i) => i.imageId === copyId)).toMatchObject({ status: "Available" });
    const legacy = () => workload().instances.find((i) => i.instanceId === legacyId);
    expect(legacy()).toMatchObject({ imageId: copyId, status: "Running" });
    expect(workload().instances.filter((i) => i.imageId === copyId)).toHaveLength(2);

    // Neither credential is in the state in plain text (both were set as secrets, as the README says).
    const state = fs.readFileSync(stateFile, "utf8");
    expect(state).not.toContain(DEMO.workload.accessKeyId);
    expect(state).not.toContain(DEMO.workload.accessKeySecret);

    const preview = await s.stack.preview();
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);

    await s.stack.destroy();
    expect(workload().images).toEqual([]);
    expect(workload().instances.map((i) => [i.instanceId, i.imageId, i.status])).toEqual([
      [legacyId, DEMO.images.plain, "Running"],
    ]);
  }, 300_000);
});
