// The rules of the policy pack (policy/rules.ts), as tables: which properties of which resource type each rule
// reads, what it reports (property and reason, naming what is allowed) and what it leaves alone.
import {
  describe as describeFindings,
  encryptionFindings,
  type Finding,
  instanceTypeFindings,
  ownerFindings,
  type Props,
  paidImageFindings,
  TYPES,
  tagFindings,
} from "../../policy/rules";

const OWNER = "1111111111111111";
const STRANGER = "2222222222222222";
const STACK = "pulumi:pulumi:Stack";

describe("approved image owners", () => {
  const cases: [string, string, Props, Finding[]][] = [
    ["an instance whose approval is within the list", TYPES.instance, { approval: { approvedOwners: [OWNER] } }, []],
    [
      "an instance whose approval names another account",
      TYPES.instance,
      { approval: { approvedOwners: [OWNER, STRANGER] } },
      [
        {
          property: "approval.approvedOwners[1]",
          reason: `account "${STRANGER}" is not an approved image owner (allowed: ${OWNER})`,
        },
      ],
    ],
    [
      "a system disk replacement whose approval names another account",
      TYPES.replacement,
      { approval: { approvedOwners: [STRANGER] } },
      [
        {
          property: "approval.approvedOwners[0]",
          reason: `account "${STRANGER}" is not an approved image owner (allowed: ${OWNER})`,
        },
      ],
    ],
    [
      "a copy whose approval names another account",
      TYPES.copy,
      { approval: { approvedOwners: [STRANGER] } },
      [
        {
          property: "approval.approvedOwners[0]",
          reason: `account "${STRANGER}" is not an approved image owner (allowed: ${OWNER})`,
        },
      ],
    ],
    ["a resource of another package", STACK, { approval: { approvedOwners: [STRANGER] } }, []],
  ];
  it.each(cases)("%s", (_, type, props, expected) => {
    expect(ownerFindings(type, props, [OWNER])).toEqual(expected);
  });

  it("says so when the organisation approves no owner at all", () => {
    expect(ownerFindings(TYPES.instance, { approval: { approvedOwners: [OWNER] } }, [])).toEqual([
      {
        property: "approval.approvedOwners[0]",
        reason: `account "${OWNER}" is not an approved image owner (allowed: none)`,
      },
    ]);
  });
});

describe("encryption kept", () => {
  const reason = "must not be false: the image is encrypted, so everything made from it stays encrypted";
  const cases: [string, string, Props, string[]][] = [
    ["an instance of an encrypted image with default disks", TYPES.instance, { imageEncrypted: true }, []],
    [
      "an instance of an encrypted image with unencrypted disks",
      TYPES.instance,
      {
        imageEncrypted: true,
        systemDisk: { encrypted: false },
        dataDisks: [
          { size: 40, encrypted: true },
          { size: 40, encrypted: false },
        ],
      },
      ["systemDisk.encrypted", "dataDisks[1].encrypted"],
    ],
    [
      "an instance of a plain image with unencrypted disks",
      TYPES.instance,
      { imageEncrypted: false, systemDisk: { encrypted: false } },
      [],
    ],
    ["an instance whose image is not known yet (preview)", TYPES.instance, { systemDisk: { encrypted: false } }, []],
    [
      "a replacement with an encrypted image, encryption off",
      TYPES.replacement,
      { imageEncrypted: true, encrypted: false },
      ["encrypted"],
    ],
    ["a replacement with an encrypted image, encryption unset", TYPES.replacement, { imageEncrypted: true }, []],
    ["a resource of another package", STACK, { imageEncrypted: true, encrypted: false }, []],
  ];
  it.each(cases)("%s", (_, type, props, properties) => {
    expect(encryptionFindings(type, props)).toEqual(properties.map((property) => ({ property, reason })));
  });
});

describe("paid images only when accepted", () => {
  const finding: Finding = {
    property: "approval.acceptPaidImages",
    reason: "must not be true: paid images (billed to whoever runs them) are not accepted by this policy pack",
  };
  const cases: [string, string, Props, boolean, Finding[]][] = [
    [
      "a copy accepting paid images, the organisation not",
      TYPES.copy,
      { approval: { acceptPaidImages: true } },
      false,
      [finding],
    ],
    [
      "an instance accepting paid images, the organisation too",
      TYPES.instance,
      { approval: { acceptPaidImages: true } },
      true,
      [],
    ],
    ["an instance not accepting paid images", TYPES.instance, { approval: { acceptPaidImages: false } }, false, []],
    ["an instance leaving it unset", TYPES.instance, { approval: { approvedOwners: [OWNER] } }, false, []],
    ["a resource of another package", STACK, { approval: { acceptPaidImages: true } }, false, []],
  ];
  it.each(cases)("%s", (_, type, props, accepted, expected) => {
    expect(paidImageFindings(type, props, accepted)).toEqual(expected);
  });
});

describe("allowed instance types", () => {
  const cases: [string, string, Props, Finding[]][] = [
    ["an allowed type", TYPES.instance, { instanceType: "ecs.g7.large" }, []],
    [
      "another type",
      TYPES.instance,
      { instanceType: "ecs.g7.8xlarge" },
      [
        {
          property: "instanceType",
          reason: '"ecs.g7.8xlarge" is not an allowed instance type (allowed: ecs.g7.large, ecs.c7.large)',
        },
      ],
    ],
    ["a replacement (no instance type of its own)", TYPES.replacement, { instanceType: "ecs.g7.8xlarge" }, []],
  ];
  it.each(cases)("%s", (_, type, props, expected) => {
    expect(instanceTypeFindings(type, props, ["ecs.g7.large", "ecs.c7.large"])).toEqual(expected);
  });
});

describe("required tags", () => {
  const keys = { instanceTags: ["app", "team"], imageCopyTags: ["purpose"] };
  const cases: [string, string, Props, Finding[]][] = [
    ["an instance with every key", TYPES.instance, { tags: { app: "web", team: "ops", extra: "x" } }, []],
    [
      "an instance missing one key and leaving another empty",
      TYPES.instance,
      { tags: { team: "" } },
      [
        { property: "tags.app", reason: "is missing (required tag keys: app, team)" },
        { property: "tags.team", reason: "must not be empty (required tag keys: app, team)" },
      ],
    ],
    [
      "an instance without tags",
      TYPES.instance,
      {},
      [
        { property: "tags.app", reason: "is missing (required tag keys: app, team)" },
        { property: "tags.team", reason: "is missing (required tag keys: app, team)" },
      ],
    ],
    ["a copy with its key", TYPES.copy, { tags: { purpose: "golden" } }, []],
    [
      "a regional copy without it",
      TYPES.regionalCopy,
      {},
      [{ property: "tags.purpose", reason: "is missing (required tag keys: purpose)" }],
    ],
    [
      "a copy without it",
      TYPES.copy,
      { tags: { app: "web" } },
      [{ property: "tags.purpose", reason: "is missing (required tag keys: purpose)" }],
    ],
    ["a replacement (no tags of its own)", TYPES.replacement, {}, []],
  ];
  it.each(cases)("%s", (_, type, props, expected) => {
    expect(tagFindings(type, props, keys)).toEqual(expected);
  });
});

it("describes findings one per line, property first", () => {
  expect(
    describeFindings([
      { property: "tags.app", reason: "is missing" },
      { property: "instanceType", reason: "is not allowed" },
    ]),
  ).toBe("tags.app: is missing\ninstanceType: is not allowed");
});
