// Connection settings: region, credentials and endpoint resolution from stack config and environment.
import * as fs from "node:fs";
import * as path from "node:path";
import { EcsApi } from "../../providers/ecs/api";
import {
  ecsClient,
  isLoopbackHost,
  parseEndpoint,
  resolveSettings,
  type StackConfig,
} from "../../providers/ecs/client";
import { EndpointConnectionError, InvalidInputError, MissingCredentialsError } from "../../providers/ecs/errors";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { tempDir } from "../support/engine";
import { freePort } from "../support/ports";

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
    ["127.0.0.1:9000", "127.0.0.1:9000", "HTTP"],
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

describe("parseEndpoint", () => {
  it.each([
    ["127.0.0.1:18410", "127.0.0.1:18410", "HTTP"],
    ["127.1.2.3:80", "127.1.2.3:80", "HTTP"],
    ["localhost:8080", "localhost:8080", "HTTP"],
    ["LocalHost:8080/", "LocalHost:8080", "HTTP"],
    ["[::1]:8080", "[::1]:8080", "HTTP"],
    ["http://127.0.0.1:18410", "127.0.0.1:18410", "HTTP"],
    ["HTTP://10.0.0.5:8080", "10.0.0.5:8080", "HTTP"],
    ["https://127.0.0.1:8443", "127.0.0.1:8443", "HTTPS"],
    ["ecs-vpc.cn-hangzhou.aliyuncs.com", "ecs-vpc.cn-hangzhou.aliyuncs.com", "HTTPS"],
    ["10.0.0.5:8080", "10.0.0.5:8080", "HTTPS"],
    ["128.0.0.1:8080", "128.0.0.1:8080", "HTTPS"],
    ["  https://ecs.cn-hangzhou.aliyuncs.com/  ", "ecs.cn-hangzhou.aliyuncs.com", "HTTPS"],
  ])("reads %j as host %s over %s", (text, host, protocol) => {
    expect(parseEndpoint(text)).toEqual({ host, protocol });
  });

  it.each([
    ["ftp://127.0.0.1:21", /has the scheme "ftp"/],
    ["tcp://127.0.0.1:8080", /has the scheme "tcp"/],
    ["://127.0.0.1:8080", /has the scheme ""/],
    ["http://127.0.0.1:8080/ecs", /has a path, query or fragment/],
    ["127.0.0.1:8080/v1/", /has a path, query or fragment/],
    ["https://ecs.example.com/?a=b", /has a path, query or fragment/],
    ["http://127.0.0.1:0", /has the port 0/],
    ["127.0.0.1:70000", /has the port 70000/],
    ["http://", /is not a host name or IP address/],
    ["127.0.0.1:port", /is not a host name or IP address/],
    ["http://user:pw@127.0.0.1:8080", /is not a host name or IP address/],
    ["127.0.0.1 8080", /is not a host name or IP address/],
  ])("refuses %j, naming the key and the accepted forms (%s)", (text, why) => {
    let thrown: unknown;
    try {
      parseEndpoint(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    const message = (thrown as Error).message;
    expect(message).toMatch(why);
    expect(message).toMatch(/^ecsSharedImages:endpoint: /);
    expect(message).toContain("use http://HOST[:PORT], https://HOST[:PORT], or HOST:PORT");
    expect(message.split(". ")).toHaveLength(1);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.255.255.254", true],
    ["localhost", true],
    ["LOCALHOST", true],
    ["[::1]", true],
    ["127.0.0.256", false],
    ["127.0.0.1.example.com", false],
    ["localhost.example.com", false],
    ["10.0.0.1", false],
    ["[::2]", false],
  ])("%s -> %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe("the SDK client against the emulator (real @alicloud/ecs20140526, loopback only)", () => {
  const settingsFor = (endpoint: string) =>
    resolveSettings(
      DEMO.region,
      "test",
      config({
        "alicloud:accessKey": DEMO.workload.accessKeyId,
        "alicloud:secretKey": DEMO.workload.accessKeySecret,
        "ecsSharedImages:endpoint": endpoint,
      }),
      bare(),
    );
  /** Calls DescribeImages through EcsApi (so through withRetry), counting the retries. */
  async function describeImages(endpoint: string, retryDelayMs?: number) {
    const settings = settingsFor(endpoint);
    let retries = 0;
    const retry = {
      onRetry: () => retries++,
      ...(retryDelayMs === undefined ? {} : { baseDelayMs: retryDelayMs, maxDelayMs: retryDelayMs }),
    };
    const api = new EcsApi(ecsClient(settings), settings.regionId, retry, 0);
    const started = Date.now();
    const outcome = await api.describeImages({ imageIds: [DEMO.images.plain] }).then(
      (images) => ({ images, error: undefined }),
      (error: unknown) => ({ images: undefined, error }),
    );
    return { ...outcome, retries, ms: Date.now() - started };
  }

  it("works with the emulator's host:port, no scheme (plain http for a loopback host)", async () => {
    const emu = await startDemoEmulator();
    try {
      const { images, error } = await describeImages(emu.endpoint);
      expect(error).toBeUndefined();
      expect(images?.map((i) => i.id)).toEqual([DEMO.images.plain]);
    } finally {
      await emu.close();
    }
  });

  it("fails fast, without retrying, naming the endpoint when an https endpoint points at the http emulator", async () => {
    const emu = await startDemoEmulator();
    try {
      // Default backoff: were this retried, six attempts would take seconds; it must fail on the first.
      const { error, retries, ms } = await describeImages(`https://${emu.endpoint}`);
      expect(error).toBeInstanceOf(EndpointConnectionError);
      expect(error).toMatchObject({ code: "TlsHandshakeFailed", endpoint: `https://${emu.endpoint}` });
      expect((error as Error).message).toContain(
        `DescribeImages failed: the TLS handshake with the ECS endpoint https://${emu.endpoint} failed (EPROTO)`,
      );
      expect((error as Error).message).toContain("write it as http://HOST:PORT in ecsSharedImages:endpoint");
      expect(retries).toBe(0);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await emu.close();
    }
  });

  it("reports a refused port as a connection failure naming the endpoint, after retrying it", async () => {
    const port = await freePort();
    const { error, retries } = await describeImages(`127.0.0.1:${port}`, 1);
    expect(error).toBeInstanceOf(EndpointConnectionError);
    expect(error).toMatchObject({ code: "NetworkError", endpoint: `http://127.0.0.1:${port}` });
    expect((error as Error).message).toContain(
      `DescribeImages failed: the connection to the ECS endpoint http://127.0.0.1:${port} failed before any answer (ECONNREFUSED)`,
    );
    expect((error as Error).message).toContain("check that ecsSharedImages:endpoint");
    expect(retries).toBe(5);
  });
});
