import * as fs from "node:fs";
import * as path from "node:path";
import { resolveSettings, type StackConfig } from "../../providers/ecs/client";
import { InvalidInputError, MissingCredentialsError } from "../../providers/ecs/errors";
import { tempDir } from "../support/engine";

const config = (values: Record<string, string>): StackConfig => ({ get: (key) => values[key] });
const home = tempDir("client-home");
afterAll(() => home.cleanup());
/** An environment with no credential sources at all: an empty HOME, metadata off. */
const bare = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  HOME: home.dir,
  ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
  ...extra,
});
const keys = { "alicloud:accessKey": "AK-config", "alicloud:secretKey": "SK-config" };

describe("resolveSettings", () => {
  it.each([
    ["the resource's region first", "cn-shanghai", { "alicloud:region": "cn-hangzhou" }, {}, "cn-shanghai"],
    [
      "then alicloud:region",
      undefined,
      { "alicloud:region": "cn-hangzhou" },
      { ALICLOUD_REGION: "cn-beijing" },
      "cn-hangzhou",
    ],
    ["then ALICLOUD_REGION", undefined, {}, { ALICLOUD_REGION: "cn-beijing", ALIBABA_CLOUD_REGION: "x" }, "cn-beijing"],
    ["then ALIBABA_CLOUD_REGION", undefined, {}, { ALIBABA_CLOUD_REGION: "cn-qingdao" }, "cn-qingdao"],
  ])("takes %s", (_name, region, values, env, expected) => {
    expect(resolveSettings(region, "test", config({ ...keys, ...values }), bare(env)).regionId).toBe(expected);
  });

  it("names the region property and every place it can come from when none is set", () => {
    expect(() => resolveSettings(undefined, "test", config(keys), bare())).toThrow(InvalidInputError);
    expect(() => resolveSettings(undefined, "test", config(keys), bare())).toThrow(/alicloud:region.*ALICLOUD_REGION/);
  });

  it.each([
    ["stack config", keys, {}, "AK-config"],
    ["ALICLOUD_* when the config has none", {}, { ALICLOUD_ACCESS_KEY: "AK-tf", ALICLOUD_SECRET_KEY: "s" }, "AK-tf"],
    [
      "ALIBABA_CLOUD_* last",
      {},
      { ALIBABA_CLOUD_ACCESS_KEY_ID: "AK-sdk", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "s" },
      "AK-sdk",
    ],
  ])("reads static keys from %s", (_name, values, env, expected) => {
    const settings = resolveSettings("cn-hangzhou", "test", config(values), bare(env));
    expect(settings.credential).toMatchObject({ kind: "static", accessKeyId: expected });
  });

  it("carries the STS token with the keys", () => {
    const settings = resolveSettings(
      "cn-hangzhou",
      "test",
      config({ ...keys, "alicloud:securityToken": "token" }),
      bare(),
    );
    expect(settings.credential).toMatchObject({ kind: "static", securityToken: "token" });
  });

  it("refuses half a key pair, naming the missing half", () => {
    expect(() => resolveSettings("cn-hangzhou", "test", config({ "alicloud:accessKey": "AK" }), bare())).toThrow(
      /alicloud:secretKey/,
    );
  });

  it("fails with one sentence and no network call when there is no credential anywhere", () => {
    expect(() => resolveSettings("cn-hangzhou", "CopyImage", config({}), bare())).toThrow(MissingCredentialsError);
    expect(() => resolveSettings("cn-hangzhou", "CopyImage", config({}), bare())).toThrow(
      /^No Alibaba Cloud credentials were found for CopyImage: set them in the stack config/,
    );
  });

  it("uses the credentials chain when one of its local sources exists (a CLI profile file)", () => {
    fs.mkdirSync(path.join(home.dir, ".aliyun"), { recursive: true });
    fs.writeFileSync(path.join(home.dir, ".aliyun", "config.json"), "{}");
    try {
      expect(resolveSettings("cn-hangzhou", "test", config({}), bare()).credential).toEqual({ kind: "chain" });
      const named = resolveSettings("cn-hangzhou", "test", config({ "alicloud:profile": "ops" }), bare());
      expect(named.credential).toEqual({ kind: "chain", profile: "ops" });
    } finally {
      fs.rmSync(path.join(home.dir, ".aliyun"), { recursive: true });
    }
  });

  it.each([
    ["http://127.0.0.1:8080", "127.0.0.1:8080", "HTTP"],
    ["https://ecs-vpc.cn-hangzhou.aliyuncs.com/", "ecs-vpc.cn-hangzhou.aliyuncs.com", "HTTPS"],
    ["127.0.0.1:9000", "127.0.0.1:9000", "HTTPS"],
  ])("parses the endpoint override %s", (endpoint, host, protocol) => {
    const settings = resolveSettings(
      "cn-hangzhou",
      "test",
      config({ ...keys, "ecsSharedImages:endpoint": endpoint }),
      bare(),
    );
    expect(settings).toMatchObject({ endpoint: host, protocol });
  });

  it("refuses an endpoint that is not host[:port] with an optional scheme", () => {
    expect(() =>
      resolveSettings("cn-hangzhou", "test", config({ ...keys, "ecsSharedImages:endpoint": "ftp://x y" }), bare()),
    ).toThrow(/ecsSharedImages:endpoint/);
  });

  it("sets both SDK timeouts", () => {
    const settings = resolveSettings("cn-hangzhou", "test", config(keys), bare());
    expect(settings.readTimeoutMs).toBeGreaterThan(0);
    expect(settings.connectTimeoutMs).toBeGreaterThan(0);
  });
});
