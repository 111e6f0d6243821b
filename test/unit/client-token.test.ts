// Deterministic ClientTokens: the same resource and inputs give the same token, a new run a new one.
import {
  canonicalJson,
  clientToken,
  nextClientToken,
  type ResourceIdentity,
  runToken,
} from "../../providers/ecs/client-token";

const identity: ResourceIdentity = {
  project: "fleet",
  stack: "prod",
  type: "ecs-shared-images:index:InstanceFromSharedImage",
  name: "web-1",
};
const inputs = { imageId: "m-1", instanceType: "ecs.g7.large", tags: { team: "a", env: "prod" } };
const token = clientToken(identity, "RunInstances", inputs);

describe("clientToken", () => {
  it("is at most 64 ASCII characters", () => {
    expect(token).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it("is the same on every call with the same identity, operation and inputs", () => {
    expect(clientToken({ ...identity }, "RunInstances", structuredClone(inputs))).toBe(token);
  });

  it("does not depend on the key order of inputs or identity", () => {
    const reordered = { tags: { env: "prod", team: "a" }, instanceType: "ecs.g7.large", imageId: "m-1" };
    const { name, type, stack, project } = identity;
    expect(clientToken({ name, type, stack, project }, "RunInstances", reordered)).toBe(token);
  });

  it("treats an undefined input like an omitted one", () => {
    expect(clientToken(identity, "RunInstances", { ...inputs, keyPairName: undefined })).toBe(token);
  });

  it.each([
    ["project", { ...identity, project: "other" }, "RunInstances", inputs],
    ["stack", { ...identity, stack: "dev" }, "RunInstances", inputs],
    ["type", { ...identity, type: "x:y:Z" }, "RunInstances", inputs],
    ["name", { ...identity, name: "web-2" }, "RunInstances", inputs],
    ["operation", identity, "CopyImage", inputs],
    ["an input", identity, "RunInstances", { ...inputs, imageId: "m-2" }],
    ["array order", identity, "RunInstances", { ...inputs, securityGroupIds: ["sg-2", "sg-1"] }],
  ])("changes when the %s changes", (_label, id, operation, ins) => {
    expect(clientToken(id, operation, ins)).not.toBe(token);
  });

  it("refuses an incomplete identity, naming the field", () => {
    expect(() => clientToken({ ...identity, stack: "" }, "RunInstances", inputs)).toThrow(
      'clientToken: stack must be a non-empty string, got ""',
    );
  });
});

describe("nextClientToken", () => {
  it("derives a different token of the same form from the resource that must not be reused", () => {
    const next = nextClientToken(token, "i-old");
    expect(next).not.toBe(token);
    expect(next).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it("derives the same token again on the next run, so an interrupted replacement resumes", () => {
    expect(nextClientToken(token, "i-old")).toBe(nextClientToken(token, "i-old"));
  });

  it("derives different tokens for different previous resources", () => {
    expect(nextClientToken(token, "i-a")).not.toBe(nextClientToken(token, "i-b"));
  });
});

describe("runToken", () => {
  it("is a token of the same form as the fingerprint", () => {
    expect(runToken(token)).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it("is new on every run of the same create, so ECS never answers it with a resource made before", () => {
    const tokens = new Set(Array.from({ length: 50 }, () => runToken(token)));
    expect(tokens.size).toBe(50);
    expect(tokens.has(token)).toBe(false);
  });

  it("is the same for the same fingerprint and nonce", () => {
    expect(runToken(token, "n1")).toBe(runToken(token, "n1"));
    expect(runToken(token, "n1")).not.toBe(runToken(nextClientToken(token, "x"), "n1"));
  });
});

describe("canonicalJson", () => {
  it.each([
    [{ b: 1, a: [true, null, "x"] }, '{"a":[true,null,"x"],"b":1}'],
    [{ z: { y: 1, x: 2 } }, '{"z":{"x":2,"y":1}}'],
    [[undefined], "[null]"],
    [{ a: undefined }, "{}"],
  ])("writes %j as %s", (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it.each([
    [{ size: Number.NaN }, "canonicalJson: inputs.size is NaN, which JSON cannot represent"],
    [{ when: new Date(0) }, "canonicalJson: inputs.when is a Date, which has no canonical JSON form"],
    [{ list: [() => 1] }, "canonicalJson: inputs.list[0] is a function, which has no canonical JSON form"],
  ])("refuses %p, naming the path", (value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });
});
