import { loopbackPort, stackFromArgs } from "../../scripts/main-job";

describe("stackFromArgs", () => {
  it.each([
    [[], {}, "local"],
    [[], { PULUMI_STACK: "prod" }, "prod"],
    [["--stack", "dev"], { PULUMI_STACK: "prod" }, "dev"],
    [["-s", "dev", "--diff"], {}, "dev"],
    [["--stack=qa"], {}, "qa"],
    [["--diff"], {}, "local"],
  ])("%j with %j -> %s", (args, env, expected) => {
    expect(stackFromArgs(args, env)).toBe(expected);
  });
});

describe("loopbackPort", () => {
  it.each([
    ["http://127.0.0.1:18410", 18410],
    ["127.0.0.1:8080", 8080],
    ["http://localhost:9000/", 9000],
    ["https://ecs.cn-hangzhou.aliyuncs.com", undefined],
    ["http://10.0.0.5:8080", undefined],
    [undefined, undefined],
  ])("%s -> %s", (endpoint, expected) => {
    expect(loopbackPort(endpoint)).toBe(expected);
  });
});
