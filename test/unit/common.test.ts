// Table tests of the rules every resource shares (providers/common/): ids, regions, login credentials, KMS keys,
// quoting, the missing-image wording, and check()'s region resolution.
import { checkedRegion } from "../../providers/common/lifecycle";
import {
  CUSTOM_IMAGE_ID,
  IMAGE_ID,
  imageNotVisible,
  kmsKeyIdFailure,
  kmsKeyWithoutEncryption,
  loginFailures,
  matches,
  quote,
  REGION_ID,
} from "../../providers/common/rules";
import { useStackConfig } from "../../providers/ecs/client";

describe("shared id rules", () => {
  it.each([
    ["REGION_ID", REGION_ID, "cn-hangzhou", true],
    ["REGION_ID", REGION_ID, "cn-hangzhou-h", true],
    ["REGION_ID", REGION_ID, "ap-southeast-1", true],
    ["REGION_ID", REGION_ID, "CN-hangzhou", false],
    ["REGION_ID", REGION_ID, "hangzhou", false],
    ["REGION_ID", REGION_ID, "", false],
    ["IMAGE_ID", IMAGE_ID, "m-bp1abc", true],
    ["IMAGE_ID", IMAGE_ID, "ubuntu_22_04_x64_20G_alibase_20240101.vhd", true],
    ["IMAGE_ID", IMAGE_ID, "m bp1", false],
    ["IMAGE_ID", IMAGE_ID, "x".repeat(129), false],
    ["CUSTOM_IMAGE_ID", CUSTOM_IMAGE_ID, "m-bp1abc", true],
    ["CUSTOM_IMAGE_ID", CUSTOM_IMAGE_ID, "m-BP1abc", true],
    ["CUSTOM_IMAGE_ID", CUSTOM_IMAGE_ID, "ubuntu_22_04_x64_20G_alibase_20240101.vhd", false],
    ["CUSTOM_IMAGE_ID", CUSTOM_IMAGE_ID, "m-", false],
    ["CUSTOM_IMAGE_ID", CUSTOM_IMAGE_ID, `m-${"a".repeat(61)}`, false],
  ])("%s %p matches %p: %p", (_name, pattern, value, expected) => {
    expect(matches(pattern)(value)).toBe(expected);
  });

  it.each([[42], [null], [undefined], [["cn-hangzhou"]]])("matches refuses the non-string %p", (value) => {
    expect(matches(REGION_ID)(value)).toBe(false);
  });
});

describe("login credentials and KMS keys", () => {
  const SECRET = "Zq9-very-Secret-Pw";
  it.each<[string, { password?: unknown; keyPairName?: unknown }, { property: string; reason: RegExp }[]]>([
    ["a good password", { password: SECRET }, []],
    ["a short password", { password: "Ab1-x" }, [{ property: "password", reason: /^must be 8-30 printable/ }]],
    ["a password of two classes", { password: "abcdefgh12" }, [{ property: "password", reason: /three of/ }]],
    [
      "a password that is not a string",
      { password: 12345678 },
      [{ property: "password", reason: /^must be a string \(the value is not shown\)$/ }],
    ],
    ["a key pair name", { keyPairName: "deploy-key" }, []],
    [
      "a one-character key pair name",
      { keyPairName: "k" },
      [{ property: "keyPairName", reason: /^must be a key pair name of 2-128 characters, got "k"$/ }],
    ],
    [
      "a key pair name of 129 characters",
      { keyPairName: "k".repeat(129) },
      [{ property: "keyPairName", reason: /2-128/ }],
    ],
    ["a key pair name that is not a string", { keyPairName: 7 }, [{ property: "keyPairName", reason: /got 7$/ }]],
    [
      "both wrong, password first",
      { password: "x", keyPairName: "" },
      [
        { property: "password", reason: /8-30/ },
        { property: "keyPairName", reason: /got ""$/ },
      ],
    ],
  ])("loginFailures: %s", (_what, news, expected) => {
    const failures = loginFailures(news, (key) => news[key] !== undefined);
    expect(failures).toEqual(expected.map((e) => ({ property: e.property, reason: expect.stringMatching(e.reason) })));
    for (const f of failures) expect(f.reason).not.toContain(SECRET);
  });

  it("loginFailures checks only what is known (given, not unknown in a preview)", () => {
    expect(loginFailures({ password: "x", keyPairName: "" }, (key) => key === "keyPairName")).toEqual([
      { property: "keyPairName", reason: 'must be a key pair name of 2-128 characters, got ""' },
    ]);
  });

  it.each([
    ["key-1", undefined],
    ["k".repeat(128), undefined],
    ["", 'must be a KMS key id of 1-128 characters, got ""'],
    ["k".repeat(129), `must be a KMS key id of 1-128 characters, got "${"k".repeat(129)}"`],
    [42, "must be a KMS key id of 1-128 characters, got 42"],
  ])("kmsKeyIdFailure(%p) is %p", (value, expected) => {
    expect(kmsKeyIdFailure(value)).toBe(expected);
  });

  it("names what a KMS key without encryption would have encrypted", () => {
    expect(kmsKeyWithoutEncryption("key-1", "the copy")).toBe(
      'is set ("key-1") but the copy is not encrypted; set encrypted: true',
    );
  });
});

describe("wording", () => {
  it.each([
    ["m-1", '"m-1"'],
    [3, "3"],
    [null, "null"],
    [{ a: 1 }, '{"a":1}'],
  ])("quote(%p) is %s", (value, expected) => {
    expect(quote(value)).toBe(expected);
  });

  it("says where an image is missing and the two reasons it can be", () => {
    expect(imageNotVisible("m-gone", "cn-shanghai")).toBe(
      "image m-gone is not visible to this account in cn-shanghai: it does not exist there, " +
        "or its owner has not shared it with this account (or revoked the share)",
    );
  });
});

describe("checkedRegion", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    useStackConfig({ get: () => undefined });
  });
  const withConfig = (values: Record<string, string>) => {
    // Only this config: no region, credential or credential file from the machine running the test.
    for (const key of Object.keys(process.env)) {
      if (key.startsWith("ALICLOUD_") || key.startsWith("ALIBABA_CLOUD_")) delete process.env[key];
    }
    process.env.HOME = "/nonexistent";
    useStackConfig({ get: (key) => values[key] });
  };

  it.each<[string, string | undefined, Record<string, string>, ReturnType<typeof checkedRegion>]>([
    ["keeps the resource's own region", "eu-central-1", {}, { region: "eu-central-1" }],
    [
      "takes the stack's default",
      undefined,
      { "alicloud:region": "cn-beijing", "alicloud:accessKey": "a", "alicloud:secretKey": "s" },
      { region: "cn-beijing" },
    ],
    [
      "reports a missing default on region",
      undefined,
      {},
      {
        failure: {
          property: "region",
          reason:
            "no region is set: give the resource a `region`, or set `alicloud:region` in the stack config, " +
            "or ALICLOUD_REGION / ALIBABA_CLOUD_REGION in the environment",
        },
      },
    ],
    ["leaves missing credentials to the ECS checks", undefined, { "alicloud:region": "cn-beijing" }, {}],
  ])("%s", (_case, region, config, expected) => {
    withConfig(config);
    expect(checkedRegion(region, "check")).toEqual(expected);
  });
});
