// The real engine drives a dynamic provider packaged as our thin shim, end to end: the CLI v3.248.0, our language
// host running a local program, the provider process loading the shim from state, and the implementation resolved
// by package name from a consumer project's node_modules.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../scripts/engine";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";

const SECRET = "e2e-secret-key-value-7f3a9c";

/** A stand-in cloud: the provider keeps its "resources" in a JSON file, so the test can see and change them. */
const ECHO_PROVIDER = `
const fs = require("node:fs");
const store = () => process.env.ECHO_STORE;
const load = () => (fs.existsSync(store()) ? JSON.parse(fs.readFileSync(store(), "utf8")) : {});
const save = (db) => fs.writeFileSync(store(), JSON.stringify(db));
let configuredKeys = [];
exports.provider = {
  async configure(req) {
    // Proves configure() receives the decrypted stack config, without ever writing the value anywhere.
    configuredKeys = req.config.get("alicloud:secretKey") ? ["alicloud:secretKey"] : [];
  },
  async check(olds, news) { return { inputs: news, failures: [] }; },
  async diff(id, olds, news) {
    const changes = olds.message !== news.message;
    return { changes, replaces: [] };
  },
  async create(inputs) {
    const db = load();
    const id = "echo-" + Object.keys(db).length;
    db[id] = inputs.message;
    save(db);
    return { id, outs: { message: inputs.message, configuredKeys } };
  },
  async read(id, props) {
    const db = load();
    return id in db ? { id, props: { ...props, message: db[id] } } : { id: "", props: {} };
  },
  async update(id, olds, news) {
    const db = load();
    db[id] = news.message;
    save(db);
    return { outs: { message: news.message, configuredKeys } };
  },
  async delete(id) {
    const db = load();
    delete db[id];
    save(db);
  },
};
`;

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { thinProvider } = require("pulumi-ecs-shared-images/providers/shim");
class Echo extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(thinProvider("echo-provider"), name, { ...args, configuredKeys: undefined }, opts, "e2e", "Echo");
  }
}
const echo = new Echo("echo", { message: new pulumi.Config().require("message") });
exports.message = echo.message;
exports.configuredKeys = echo.configuredKeys;
`;

describe("the Pulumi engine with a thin-shim dynamic provider (local program)", () => {
  const work = tempDir("shim-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  const storeFile = path.join(work.dir, "cloud.json");
  let s: EngineStack;

  beforeAll(async () => {
    fs.mkdirSync(projectDir);
    writeConsumerProject(projectDir, "shim-e2e", PROGRAM, { "echo-provider": ECHO_PROVIDER });
    s = await createLocalStack(projectDir, backendDir, "e2e", { ECHO_STORE: storeFile });
    await s.stack.setConfig("message", { value: "hello" });
    await s.stack.setConfig("alicloud:secretKey", { value: SECRET, secret: true });
  }, 120_000);

  afterAll(() => work.cleanup());

  it("creates the resource on up, and configure() sees the decrypted stack config", async () => {
    const up = await s.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(up.outputs.message.value).toBe("hello");
    expect(up.outputs.configuredKeys.value).toEqual(["alicloud:secretKey"]);
    expect(Object.values(JSON.parse(fs.readFileSync(storeFile, "utf8")))).toEqual(["hello"]);
  });

  it("previews no changes right after up", async () => {
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 2 });
  });

  it("shows no diff after the implementation is upgraded, and runs the new code", async () => {
    // An upgrade replaces the package's files; the shim in state names the package, not its code.
    const impl = path.join(projectDir, "node_modules", "echo-provider", "index.js");
    fs.writeFileSync(
      impl,
      `${ECHO_PROVIDER}\nexports.provider.read = async (id, props) => ({ id, props: { ...props, upgraded: true } });\n`,
    );
    const preview = await s.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 2 });
    const refresh = await s.stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");
    const exported = await s.stack.exportStack();
    const echo = exported.deployment.resources.find((r: { type: string }) => r.type.endsWith("e2e:Echo"));
    expect(echo.outputs.upgraded).toBe(true);
    fs.writeFileSync(impl, ECHO_PROVIDER);
  });

  it("stores a __provider with no path and no credential in it", async () => {
    // exportStack() decrypts secrets for display; the file the backend writes is what must hold no credential.
    const exported = await s.stack.exportStack();
    const stateFile = path.join(backendDir, ".pulumi", "stacks", "shim-e2e", "e2e.json");
    const state = fs.readFileSync(stateFile, "utf8");
    const resource = exported.deployment.resources.find((r: { type: string }) => r.type.endsWith("e2e:Echo"));
    const text: string = resource.outputs.__provider;
    expect(text).toContain('"echo-provider"');
    for (const forbidden of [projectRoot, work.dir, os.homedir(), os.tmpdir(), SECRET]) {
      expect(text).not.toContain(forbidden);
    }
    expect(text.length).toBeLessThan(4096);
    expect(state).toContain("alicloud:secretKey");
    expect(state).not.toContain(SECRET);
  });

  it("updates in place when an input changes", async () => {
    await s.stack.setConfig("message", { value: "changed" });
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, same: 1 });
    expect(up.outputs.message.value).toBe("changed");
  });

  it("finds a resource deleted behind its back on refresh", async () => {
    fs.writeFileSync(storeFile, "{}");
    const refresh = await s.stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ delete: 1 });
    const up = await s.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 1 });
  });

  it("destroys everything", async () => {
    const destroy = await s.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(JSON.parse(fs.readFileSync(storeFile, "utf8"))).toEqual({});
    const state = await s.stack.exportStack();
    expect(state.deployment.resources ?? []).toEqual([]);
  });
});
