// InstanceFromSharedImage's pure rules as table tests, with no emulator: input validation, the disks an encrypted
// image forces, request and fingerprint building, and the diff. The ECS-backed behaviour is in
// test/providers/instance-from-shared-image.test.ts.
import { resourceKey } from "../../providers/ecs/client-token";
import type { InstanceFromSharedImageInputs, InstanceFromSharedImageOutputs } from "../../providers/instance/args";
import { diffInstance } from "../../providers/instance/diff";
import {
  createFingerprint,
  createRequest,
  effectiveDisks,
  runInstancesRequest,
} from "../../providers/instance/request";
import { encryptionFailures, validateInputs } from "../../providers/instance/validate";
import { passwordDigest } from "../../providers/password";
import { RESERVED_TAGS, readCreateTag } from "../../providers/tags";
import { dropUndefined } from "../../providers/wire-values";
import { DEMO } from "../support/emulator";
import { instanceFixtures } from "../support/instance";

const OWNER = DEMO.owner.accountId;
const ARREARS_OWNER = "4444444444444444";
const IMAGES = { plain: DEMO.images.plain, encrypted: DEMO.images.encrypted, other: "m-ifsiother01" };
const PASSWORD = "Ifsi-Test-Pass-7q";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const { identity, inputs } = instanceFixtures("vm");

type Outputs = InstanceFromSharedImageOutputs;

describe("validateInputs (check without ECS)", () => {
  const cases: [string, Record<string, unknown>, { property: string; reason: RegExp }[]][] = [
    ["accepts minimal inputs", {}, []],
    [
      "accepts every optional input",
      {
        region: "cn-hangzhou",
        zoneId: "cn-hangzhou-h",
        name: "web-1",
        hostName: "web-1.internal",
        description: "front end",
        systemDisk: { category: "cloud_essd", size: 60, encrypted: true, kmsKeyId: "key-1" },
        dataDisks: [{ size: 100, category: "cloud_auto" }],
        password: PASSWORD,
        internetMaxBandwidthOut: 10,
        tags: { team: "web" },
        instanceChargeType: "PostPaid",
        onImageChange: "replaceSystemDisk",
        timeouts: { create: "30m" },
      },
      [],
    ],
    ["skips unknown (preview) values", { imageId: UNKNOWN, securityGroupIds: [UNKNOWN], password: UNKNOWN }, []],
    ["skips an approval holding an unknown owner", { approval: { approvedOwners: [UNKNOWN] } }, []],
    ["skips an unknown approval", { approval: UNKNOWN }, []],
    ["skips an identity holding an unknown", { identity: { ...identity(), urn: UNKNOWN } }, []],
    ["skips a timeout that is unknown", { timeouts: { create: UNKNOWN } }, []],
    ["skips a tag value that is unknown", { tags: { team: UNKNOWN } }, []],
    ["skips unknown disks", { systemDisk: UNKNOWN, dataDisks: UNKNOWN }, []],
    ["skips disk settings that are unknown", { systemDisk: { size: UNKNOWN }, dataDisks: [{ size: UNKNOWN }] }, []],
    [
      "still checks the known parts around an unknown",
      { tags: { [RESERVED_TAGS.create]: UNKNOWN }, securityGroupIds: [UNKNOWN, "default"] },
      [
        { property: "securityGroupIds[1]", reason: /"default"/ },
        { property: `tags.${RESERVED_TAGS.create}`, reason: /reserved/ },
      ],
    ],
    ["rejects a malformed image id", { imageId: "m bad" }, [{ property: "imageId", reason: /"m bad"/ }]],
    ["rejects a malformed region", { region: "Hangzhou" }, [{ property: "region", reason: /"Hangzhou"/ }]],
    ["rejects a missing approval", { approval: undefined }, [{ property: "approval", reason: /approvedOwners/ }]],
    ["rejects a malformed instance type", { instanceType: "g7" }, [{ property: "instanceType", reason: /"g7"/ }]],
    ["rejects a malformed vSwitch", { vSwitchId: "vpc-1" }, [{ property: "vSwitchId", reason: /"vpc-1"/ }]],
    ["rejects a malformed zone", { zoneId: "Zone H" }, [{ property: "zoneId", reason: /"Zone H"/ }]],
    ["rejects no security groups", { securityGroupIds: [] }, [{ property: "securityGroupIds", reason: /1 to 5/ }]],
    [
      "rejects more than five security groups",
      { securityGroupIds: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"] },
      [{ property: "securityGroupIds", reason: /1 to 5/ }],
    ],
    [
      "rejects a malformed security group",
      { securityGroupIds: ["sg-1", "default"] },
      [{ property: "securityGroupIds[1]", reason: /"default"/ }],
    ],
    [
      "rejects a duplicated security group",
      { securityGroupIds: ["sg-1", "sg-1"] },
      [{ property: "securityGroupIds[1]", reason: /twice/ }],
    ],
    [
      "rejects a name starting with a digit",
      { name: "1web" },
      [{ property: "name", reason: /starting with a letter/ }],
    ],
    ["rejects a host name with a double period", { hostName: "a..b" }, [{ property: "hostName", reason: /"a..b"/ }]],
    [
      "rejects a description that is a URL",
      { description: "https://example.com" },
      [{ property: "description", reason: /http/ }],
    ],
    [
      "rejects an unknown disk category",
      { systemDisk: { category: "ssd" } },
      [{ property: "systemDisk.category", reason: /cloud_essd.*"ssd"/ }],
    ],
    [
      "rejects a system disk below 20 GiB",
      { systemDisk: { size: 10 } },
      [{ property: "systemDisk.size", reason: /20 to 2048/ }],
    ],
    [
      "rejects an unknown disk setting",
      { systemDisk: { iops: 3 } },
      [{ property: "systemDisk.iops", reason: /not a disk setting/ }],
    ],
    ["rejects a data disk without size", { dataDisks: [{}] }, [{ property: "dataDisks[0].size", reason: /required/ }]],
    [
      "rejects more than 16 data disks",
      { dataDisks: Array.from({ length: 17 }, () => ({ size: 20 })) },
      [{ property: "dataDisks", reason: /at most 16/ }],
    ],
    [
      "rejects a non-boolean encrypted",
      { dataDisks: [{ size: 20, encrypted: "yes" }] },
      [{ property: "dataDisks[0].encrypted", reason: /"yes"/ }],
    ],
    [
      "rejects a weak password without quoting it",
      { password: "weakpass" },
      [{ property: "password", reason: /8-30/ }],
    ],
    [
      "rejects password together with keyPairName",
      { password: PASSWORD, keyPairName: "k1" },
      [{ property: "keyPairName", reason: /either password or keyPairName/ }],
    ],
    [
      "rejects bandwidth above 100",
      { internetMaxBandwidthOut: 200 },
      [{ property: "internetMaxBandwidthOut", reason: /0 to 100/ }],
    ],
    [
      "rejects more than 16 tags",
      { tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
      [{ property: "tags", reason: /at most 16/ }],
    ],
    [
      "rejects the package's reserved tag keys",
      { tags: { [RESERVED_TAGS.priorStatus]: "x" } },
      [{ property: `tags.${RESERVED_TAGS.priorStatus}`, reason: /reserved/ }],
    ],
    ["rejects aliyun tag keys", { tags: { aliyunX: "1" } }, [{ property: "tags.aliyunX", reason: /aliyun/ }]],
    [
      "rejects subscription instances",
      { instanceChargeType: "PrePaid" },
      [{ property: "instanceChargeType", reason: /"PostPaid".*"PrePaid"/ }],
    ],
    [
      "rejects an unknown onImageChange",
      { onImageChange: "rebuild" },
      [{ property: "onImageChange", reason: /"replace" or "replaceSystemDisk".*"rebuild"/ }],
    ],
    ["rejects a malformed timeout", { timeouts: { create: "soon" } }, [{ property: "timeouts.create", reason: /45m/ }]],
    [
      "rejects an unknown timeout",
      { timeouts: { read: "1m" } },
      [{ property: "timeouts.read", reason: /create, update or delete/ }],
    ],
    ["rejects a missing identity", { identity: undefined }, [{ property: "identity", reason: /resource class/ }]],
  ];
  it.each(cases)("%s", (_name, patch, expected) => {
    const failures = validateInputs({ ...inputs(), ...patch });
    expect(failures).toEqual(expected.map((e) => ({ property: e.property, reason: expect.stringMatching(e.reason) })));
  });

  it("never quotes the password in a failure", () => {
    const failures = validateInputs({ ...inputs(), password: "short-secret" });
    expect(JSON.stringify(failures)).not.toContain("short-secret");
  });
});

describe("encryption of disks from encrypted images", () => {
  const cases: [string, Partial<InstanceFromSharedImageInputs>, boolean, ReturnType<typeof effectiveDisks>][] = [
    ["leaves disks of a plain image alone", { dataDisks: [{ size: 50 }] }, false, { dataDisks: [{ size: 50 }] }],
    [
      "encrypts every disk with the service key when no key is given",
      { dataDisks: [{ size: 50 }] },
      true,
      { systemDisk: { encrypted: true }, dataDisks: [{ size: 50, encrypted: true }] },
    ],
    [
      "uses the system disk's key for data disks without their own",
      { systemDisk: { kmsKeyId: "key-a" }, dataDisks: [{ size: 50 }, { size: 60, kmsKeyId: "key-b" }] },
      true,
      {
        systemDisk: { kmsKeyId: "key-a", encrypted: true },
        dataDisks: [
          { size: 50, encrypted: true, kmsKeyId: "key-a" },
          { size: 60, encrypted: true, kmsKeyId: "key-b" },
        ],
      },
    ],
    [
      "never flips an explicit encrypted: false (check reports it)",
      { systemDisk: { encrypted: false } },
      true,
      { systemDisk: { encrypted: false } },
    ],
  ];
  it.each(cases)("%s", (_name, given, imageEncrypted, expected) => {
    expect(dropUndefined(effectiveDisks({ ...given, imageEncrypted }))).toEqual(expected);
  });

  it("reports encrypted: false on an encrypted image, and a key without encryption, naming the disk", () => {
    expect(
      encryptionFailures({ imageId: "m-x", systemDisk: { encrypted: false }, dataDisks: [{ size: 20 }] }, true),
    ).toEqual([{ property: "systemDisk.encrypted", reason: expect.stringMatching(/image m-x is encrypted/) }]);
    expect(encryptionFailures({ dataDisks: [{ size: 20, kmsKeyId: "key-1" }] }, false)).toEqual([
      { property: "dataDisks[0].kmsKeyId", reason: expect.stringMatching(/set encrypted: true/) },
    ]);
    expect(encryptionFailures({ dataDisks: [{ size: 20, kmsKeyId: "key-1" }] }, true)).toEqual([]);
  });

  it("builds RunInstances with Encrypted=true and the given key or the service key for an encrypted image", () => {
    const withKey = runInstancesRequest(
      inputs({ systemDisk: { kmsKeyId: "key-a" }, dataDisks: [{ size: 20 }], imageEncrypted: true }),
    );
    expect(withKey.systemDisk).toEqual({ encrypted: true, kmsKeyId: "key-a" });
    expect(withKey.dataDisks).toEqual([{ size: 20, encrypted: true, kmsKeyId: "key-a" }]);
    const serviceKey = runInstancesRequest(inputs({ dataDisks: [{ size: 20 }], imageEncrypted: true }));
    expect(serviceKey.systemDisk).toEqual({ encrypted: true });
    expect(serviceKey.dataDisks).toEqual([{ size: 20, encrypted: true }]);
    expect(serviceKey.instanceChargeType).toBe("PostPaid");
  });

  it("derives the create fingerprint from what would replace the instance, not from in-place settings", () => {
    const base = inputs({ region: DEMO.region, name: "a", tags: { team: "a" } });
    const fingerprint = createFingerprint(base);
    for (const inPlace of [
      { name: "b" },
      { hostName: "h-b" },
      { description: "d" },
      { tags: { team: "b" } },
      { password: PASSWORD },
    ]) {
      expect(createFingerprint({ ...base, ...inPlace })).toBe(fingerprint);
    }
    const replacing: Partial<InstanceFromSharedImageInputs>[] = [
      { instanceType: "ecs.g7.xlarge" },
      { region: "cn-shanghai" },
      { keyPairName: "k" },
      { systemDisk: { size: 80 } },
      { dataDisks: [{ size: 20 }] },
      { imageId: IMAGES.other },
      { identity: identity("another-name") },
    ];
    for (const patch of replacing) expect(createFingerprint({ ...base, ...patch })).not.toBe(fingerprint);
    expect(createFingerprint({ ...base, securityGroupIds: ["sg-2", "sg-1"] })).toBe(
      createFingerprint({ ...base, securityGroupIds: ["sg-1", "sg-2"] }),
    );
  });

  it("tags the instance RunInstances makes with the fingerprint and as launched, and gives every run a token of its own", () => {
    const i = inputs({ tags: { team: "a" } });
    const first = createRequest(i, "psi1-fingerprint", "run1.7");
    expect(first.tags).toEqual({
      team: "a",
      [RESERVED_TAGS.create]: `done:${resourceKey(i.identity)}.psi1-fingerprint`,
      [RESERVED_TAGS.launch]: "run1.7",
    });
    // Launched is unfinished until the create hands it over, whatever the create tag's value says.
    expect(readCreateTag(first.tags ?? {})?.state).toBe("pending");
    expect(first.clientToken).not.toBe(createRequest(i, "psi1-fingerprint", "run1.7").clientToken);
  });

  it("keeps the password out of the request and the fingerprint", () => {
    const a = inputs({ password: PASSWORD });
    expect(JSON.stringify(createRequest(a, createFingerprint(a), "run1.7"))).not.toContain(PASSWORD);
    expect(createFingerprint(a)).not.toContain(PASSWORD);
  });
});

describe("diffInstance", () => {
  const id = identity("diffed");
  const olds: Outputs = {
    ...inputs({ identity: id, tags: { team: "a" }, region: DEMO.region, dataDisks: [{ size: 50 }] }),
    instanceId: "i-1",
    status: "Running",
    zoneId: "cn-hangzhou-h",
    name: "i-1",
    hostName: "iZ1Z",
    description: "",
    tags: { team: "a" },
    systemDiskId: "d-1",
    systemDisk: { size: 40 },
    imageEncrypted: false,
    passwordDigest: passwordDigest(id.urn, PASSWORD),
    interrupted: false,
  };
  const news = (patch: Partial<InstanceFromSharedImageInputs>): InstanceFromSharedImageInputs => ({
    ...inputs({ identity: id, tags: { team: "a" }, systemDisk: { size: 40 }, imageEncrypted: false }),
    dataDisks: [{ size: 50 }],
    region: DEMO.region,
    password: PASSWORD,
    ...patch,
  });
  const cases: [string, Partial<InstanceFromSharedImageInputs>, string[], boolean][] = [
    ["no change", {}, [], false],
    ["unset optional inputs (ECS's defaults) are not drift", { name: undefined, zoneId: undefined }, [], false],
    ["name updates in place", { name: "web" }, [], true],
    ["description updates in place", { description: "d" }, [], true],
    ["host name updates in place", { hostName: "web-1" }, [], true],
    ["tags update in place", { tags: { team: "b" } }, [], true],
    ["password updates in place", { password: "Another-Pass-42" }, [], true],
    ["an unknown password is a change", { password: UNKNOWN }, [], true],
    ["approval and timeouts are stored only", { approval: { approvedOwners: [OWNER, ARREARS_OWNER] } }, [], true],
    ["onImageChange is stored only", { onImageChange: "replaceSystemDisk" }, [], true],
    ["instance type replaces", { instanceType: "ecs.g7.xlarge" }, ["instanceType"], true],
    ["region replaces", { region: "cn-shanghai" }, ["region"], true],
    ["vSwitch replaces", { vSwitchId: "vsw-other" }, ["vSwitchId"], true],
    ["a set zone that differs replaces", { zoneId: "cn-hangzhou-i" }, ["zoneId"], true],
    ["a key pair replaces", { password: undefined, keyPairName: "k" }, ["keyPairName"], true],
    ["bandwidth replaces", { internetMaxBandwidthOut: 5 }, ["internetMaxBandwidthOut"], true],
    ["data disks replace", { dataDisks: [{ size: 20 }] }, ["dataDisks"], true],
    [
      "an in-place switch to an encrypted image keeps the instance and its data disks",
      { imageId: IMAGES.encrypted, onImageChange: "replaceSystemDisk", imageEncrypted: true },
      [],
      true,
    ],
    ["security group order does not matter", { securityGroupIds: [DEMO.workload.securityGroupId] }, [], false],
    ["security groups replace", { securityGroupIds: ["sg-other"] }, ["securityGroupIds"], true],
    ["the image replaces by default", { imageId: IMAGES.other }, ["imageId"], true],
    [
      "the image replaces the system disk in place with onImageChange replaceSystemDisk",
      { imageId: IMAGES.other, onImageChange: "replaceSystemDisk" },
      [],
      true,
    ],
    [
      "a growing system disk rides along with an in-place image change",
      { imageId: IMAGES.other, onImageChange: "replaceSystemDisk", systemDisk: { size: 80, encrypted: true } },
      [],
      true,
    ],
    [
      "a shrinking system disk replaces even with replaceSystemDisk",
      { imageId: IMAGES.other, onImageChange: "replaceSystemDisk", systemDisk: { size: 30 } },
      ["systemDisk"],
      true,
    ],
    ["a system disk change alone replaces", { systemDisk: { size: 80 } }, ["systemDisk"], true],
  ];
  it.each(cases)("%s", (_name, patch, replaces, changes) => {
    const diff = diffInstance(olds, news(patch));
    expect(diff.replaces).toEqual(replaces);
    expect(diff.changes).toBe(changes);
  });

  it("records the region of state written before regions were recorded without replacing", () => {
    const { region: _region, ...unrecorded } = olds;
    expect(diffInstance(unrecorded, news({}))).toMatchObject({ changes: true, replaces: [] });
  });

  it("tells update what to do in place", () => {
    expect(diffInstance(olds, news({ name: "web", password: "Another-Pass-42" })).attributes).toEqual([
      "name",
      "password",
    ]);
    expect(diffInstance(olds, news({ tags: {} })).tags).toBe(true);
    expect(diffInstance(olds, news({ imageId: IMAGES.other, onImageChange: "replaceSystemDisk" }))).toMatchObject({
      reimage: true,
      resume: false,
    });
  });

  it("asks update to finish or wind back an interrupted in-place image change, with nothing else changed", () => {
    expect(diffInstance({ ...olds, interrupted: true }, news({}))).toMatchObject({
      changes: true,
      replaces: [],
      reimage: false,
      resume: true,
    });
  });
});
