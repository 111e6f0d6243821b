// Our Node.js language host under the real CLI, on what upstream's host guarantees a program: a stack without any
// config still gets an (empty) config object, so `new pulumi.Config().get()` answers undefined instead of throwing.
import { createLocalStack, tempDir, writeConsumerProject } from "../support/engine";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config();
exports.region = config.get("region") ?? "no region configured";
exports.projectKeys = Object.keys(pulumi.runtime.allConfig()).length;
`;

describe("language host", () => {
  const work = tempDir("langhost-work");
  const backend = tempDir("langhost-state");

  afterAll(() => {
    work.cleanup();
    backend.cleanup();
  });

  it("runs a program of a stack that has no config at all", async () => {
    writeConsumerProject(work.dir, "configless", PROGRAM);
    const { stack } = await createLocalStack(work.dir, backend.dir, "bare");
    expect(await stack.getAllConfig()).toEqual({});
    const result = await stack.up();
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.region.value).toBe("no region configured");
    expect(result.outputs.projectKeys.value).toBe(0);
  }, 120_000);
});
