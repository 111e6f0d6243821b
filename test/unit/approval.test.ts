// The approval policy: validation, name globs, and the verdict on an image.
import type { ImageView } from "../../providers/ecs/types";
import {
  type ApprovalPolicy,
  evaluateImage,
  matchesGlob,
  provenanceTags,
  validateApprovalPolicy,
} from "../../providers/policy/approval";
import { PROVENANCE_TAGS } from "../../providers/tags";

const OWNER = "1234567890123456";
const OTHER = "6543210987654321";
const SELF = "1111222233334444";

const shared = (over: Partial<ImageView> = {}): ImageView => ({
  id: "m-golden1",
  name: "golden-ubuntu-2404",
  description: "",
  ownerId: OWNER,
  ownerAlias: "others",
  status: "Available",
  isCopied: false,
  size: 40,
  tags: {},
  encrypted: false,
  ...over,
});

const policy: ApprovalPolicy = { approvedOwners: [OWNER] };
const SUBJECT = `image m-golden1 ("golden-ubuntu-2404") of owner ${OWNER}`;

/** An image of this account; `source` makes it a copy SharedImageCopy made of that image (tagged with it). */
const own = (over: Partial<ImageView> = {}): ImageView =>
  shared({ id: "m-mycopy", name: "my-copy", ownerId: SELF, ownerAlias: "self", isCopied: false, ...over });
const copyOf = (source: { ownerId: string; imageId: string; name: string }, over: Partial<ImageView> = {}) =>
  own({ isCopied: true, tags: provenanceTags(source), ...over });
const GOLDEN = { ownerId: OWNER, imageId: "m-golden1", name: "golden-ubuntu-2404" };
const OWN_SUBJECT = `image m-mycopy ("my-copy") of owner ${SELF}`;
const SOURCE = `image m-golden1 ("golden-ubuntu-2404") of owner ${OWNER}`;

describe("validateApprovalPolicy", () => {
  it("accepts a complete policy", () => {
    expect(
      validateApprovalPolicy({
        approvedOwners: [OWNER, OTHER],
        allowedImageIds: ["m-bp1abc"],
        allowedImageNamePatterns: ["golden-*"],
        acceptPaidImages: false,
      }),
    ).toEqual([]);
  });

  it.each([
    [
      undefined,
      "approval",
      "must be an object with approvedOwners, allowedImageIds, allowedImageNamePatterns, acceptPaidImages",
    ],
    [{}, "approval.approvedOwners", "must be a non-empty list, got undefined"],
    [{ approvedOwners: [] }, "approval.approvedOwners", "must be a non-empty list, got []"],
    [
      { approvedOwners: ["123"] },
      "approval.approvedOwners[0]",
      'must be a 16-digit Alibaba Cloud account id, got "123"',
    ],
    [
      { approvedOwners: [OWNER, 1234567890123456] },
      "approval.approvedOwners[1]",
      "must be a string of 16 digits: quote it, numbers this large lose digits",
    ],
    [{ approvedOwners: [OWNER], allowedImageIds: "m-1" }, "approval.allowedImageIds", 'must be a list, got "m-1"'],
    [
      { approvedOwners: [OWNER], allowedImageIds: ["ubuntu"] },
      "approval.allowedImageIds[0]",
      'must be an image id like "m-bp1abc...", got "ubuntu"',
    ],
    [
      { approvedOwners: [OWNER], allowedImageNamePatterns: [""] },
      "approval.allowedImageNamePatterns[0]",
      'must be a name pattern of 1-128 characters (* is the only wildcard), got ""',
    ],
    [
      { approvedOwners: [OWNER], acceptPaidImages: "yes" },
      "approval.acceptPaidImages",
      'must be true or false, got "yes"',
    ],
    [
      { approvedOwners: [OWNER], approvedOwner: [OWNER] },
      "approval.approvedOwner",
      "is not a policy setting; use approvedOwners, allowedImageIds, allowedImageNamePatterns, acceptPaidImages",
    ],
  ])("refuses %j at %s", (input, property, reason) => {
    expect(validateApprovalPolicy(input)).toEqual([{ property, reason }]);
  });

  it("names properties under the given path", () => {
    expect(validateApprovalPolicy({ approvedOwners: ["x"] }, "fleet.approval")[0].property).toBe(
      "fleet.approval.approvedOwners[0]",
    );
  });
});

describe("matchesGlob", () => {
  it.each([
    ["golden-*", "golden-ubuntu", true],
    ["golden-*", "golden-", true],
    ["golden-*", "silver-ubuntu", false],
    ["*-2404", "golden-ubuntu-2404", true],
    ["golden.v1", "goldenXv1", false],
    ["a*b*c", "a-x-b-y-c", true],
    ["exact", "exact", true],
    ["exact", "exactly", false],
  ])("%s matches %s: %s", (pattern, name, expected) => {
    expect(matchesGlob(pattern, name)).toBe(expected);
  });
});

describe("evaluateImage", () => {
  it.each<[string, ImageView, ApprovalPolicy, string[]]>([
    ["approves an Available image of an approved owner", shared(), policy, []],
    [
      "refuses an owner not on the list",
      shared({ ownerId: OTHER }),
      policy,
      [
        `image m-golden1 ("golden-ubuntu-2404") of owner ${OTHER} is not approved: the owner is not in approvedOwners (${OWNER})`,
      ],
    ],
    [
      "refuses an image outside the id and name allow-lists",
      shared(),
      { ...policy, allowedImageIds: ["m-other"], allowedImageNamePatterns: ["silver-*"] },
      [`${SUBJECT} is not approved: it is not in allowedImageIds (m-other) or allowedImageNamePatterns (silver-*)`],
    ],
    ["approves an image whose id is listed", shared(), { ...policy, allowedImageIds: ["m-golden1"] }, []],
    ["approves an image whose name matches", shared(), { ...policy, allowedImageNamePatterns: ["golden-*"] }, []],
    [
      "refuses a paid image unless paid images are accepted",
      shared({ productCode: "cmjj0001" }),
      policy,
      [
        `${SUBJECT} is a paid image (product code cmjj0001), billed to whoever runs it; set acceptPaidImages to true to allow it`,
      ],
    ],
    [
      "approves a paid image when accepted",
      shared({ productCode: "cmjj0001" }),
      { ...policy, acceptPaidImages: true },
      [],
    ],
    ["refuses a deprecated image", shared({ status: "Deprecated" }), policy, [`${SUBJECT} is deprecated by its owner`]],
    [
      "refuses an unavailable image",
      shared({ status: "UnAvailable" }),
      policy,
      [`${SUBJECT} is UnAvailable, not Available`],
    ],
    [
      "refuses an image still copying",
      shared({ status: "Creating" }),
      policy,
      [`${SUBJECT} is Creating, not Available`],
    ],
    [
      "still refuses our own copy when it is not Available",
      copyOf(GOLDEN, { name: "", status: "CreateFailed" }),
      policy,
      [`image m-mycopy of owner ${SELF} is CreateFailed, not Available`],
    ],
    [
      "lists every reason at once",
      shared({ ownerId: OTHER, status: "Deprecated", productCode: "p1" }),
      policy,
      [
        `image m-golden1 ("golden-ubuntu-2404") of owner ${OTHER} is not approved: the owner is not in approvedOwners (${OWNER})`,
        `image m-golden1 ("golden-ubuntu-2404") of owner ${OTHER} is a paid image (product code p1), billed to whoever runs it; set acceptPaidImages to true to allow it`,
        `image m-golden1 ("golden-ubuntu-2404") of owner ${OTHER} is deprecated by its owner`,
      ],
    ],
  ])("%s", (_label, image, p, reasons) => {
    expect(evaluateImage(image, p)).toEqual({ approved: reasons.length === 0, reasons });
  });

  describe("an image of this account", () => {
    it.each<[string, ImageView, ApprovalPolicy, string[]]>([
      ["approves a copy of an approved owner's image, whatever its own id and name", copyOf(GOLDEN), policy, []],
      [
        "approves a copy whose source image id is on allowedImageIds",
        copyOf(GOLDEN),
        { ...policy, allowedImageIds: ["m-golden1"] },
        [],
      ],
      [
        "approves a copy whose source image name matches allowedImageNamePatterns",
        copyOf(GOLDEN),
        { ...policy, allowedImageNamePatterns: ["golden-*"] },
        [],
      ],
      [
        "refuses a copy whose source is on neither allow-list",
        copyOf(GOLDEN),
        { ...policy, allowedImageIds: ["m-other"], allowedImageNamePatterns: ["my-*"] },
        [
          `${OWN_SUBJECT} is not approved: it is a copy of ${SOURCE}, which is not in allowedImageIds (m-other) or allowedImageNamePatterns (my-*)`,
        ],
      ],
      [
        "refuses a copy of an owner that is not approved",
        copyOf({ ...GOLDEN, ownerId: OTHER }),
        policy,
        [
          `${OWN_SUBJECT} is not approved: it is a copy of image m-golden1 ("golden-ubuntu-2404") of owner ${OTHER}, whose owner is not in approvedOwners (${OWNER})`,
        ],
      ],
      [
        "refuses a copy without the provenance tags (made by hand, or of anything)",
        own({ isCopied: true }),
        policy,
        [
          `${OWN_SUBJECT} is not approved: it is a copy in this account without the ${PROVENANCE_TAGS.sourceOwner} tag SharedImageCopy puts on its copies, so its source is unknown, and this account is not in approvedOwners (${OWNER})`,
        ],
      ],
      [
        "refuses an image the account made itself (the bypass: ownerAlias self alone approved it)",
        own(),
        policy,
        [
          `${OWN_SUBJECT} is not approved: it is an image this account made itself, not a copy of an approved shared image, and this account is not in approvedOwners (${OWNER})`,
        ],
      ],
      [
        "refuses provenance tags on an image that is no copy",
        own({ tags: provenanceTags(GOLDEN) }),
        policy,
        [
          `${OWN_SUBJECT} is not approved: it is an image this account made itself, not a copy of an approved shared image, and this account is not in approvedOwners (${OWNER})`,
        ],
      ],
      [
        "approves the account's own image when the account is in approvedOwners",
        own(),
        { approvedOwners: [OWNER, SELF] },
        [],
      ],
      [
        "applies the allow-lists to the own image itself when the account is in approvedOwners",
        own(),
        { approvedOwners: [OWNER, SELF], allowedImageNamePatterns: ["golden-*"] },
        [`${OWN_SUBJECT} is not approved: it is not in allowedImageNamePatterns (golden-*)`],
      ],
      [
        "approves a copy by its source when the account is in approvedOwners but the copy's own name is not listed",
        copyOf(GOLDEN),
        { approvedOwners: [OWNER, SELF], allowedImageNamePatterns: ["golden-*"] },
        [],
      ],
      [
        "refuses a paid copy unless paid images are accepted",
        copyOf(GOLDEN, { productCode: "p1" }),
        policy,
        [
          `${OWN_SUBJECT} is a paid image (product code p1), billed to whoever runs it; set acceptPaidImages to true to allow it`,
        ],
      ],
    ])("%s", (_label, image, p, reasons) => {
      expect(evaluateImage(image, p)).toEqual({ approved: reasons.length === 0, reasons });
    });

    it("is recognised by the given account id even if listed under another alias", () => {
      const copy = copyOf(GOLDEN, { ownerAlias: "others" });
      expect(evaluateImage(copy, policy, SELF).approved).toBe(true);
      expect(evaluateImage(copy, policy).reasons).toEqual([
        `${OWN_SUBJECT} is not approved: the owner is not in approvedOwners (${OWNER})`,
      ]);
    });
  });

  it("writes provenance tags only for what is known", () => {
    expect(provenanceTags(GOLDEN)).toEqual({
      "ecs-shared-images:source-owner": OWNER,
      "ecs-shared-images:source-image": "m-golden1",
      "ecs-shared-images:source-image-name": "golden-ubuntu-2404",
    });
    expect(provenanceTags({ ownerId: OWNER, imageId: "m-golden1", name: "" })).toEqual({
      "ecs-shared-images:source-owner": OWNER,
      "ecs-shared-images:source-image": "m-golden1",
    });
  });
});
