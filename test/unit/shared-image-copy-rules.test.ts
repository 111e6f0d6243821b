// SharedImageCopy's pure rules as tables: the input checks that need no ECS call, the diff (what replaces the copy,
// what changes in place, what is only stored) and the message for a copy DeleteImage refused.
import { DEMO } from "../../emulator/demo-credentials";
import type { SharedImageCopyInputs, SharedImageCopyOutputs } from "../../providers/copy/args";
import { inUseMessage } from "../../providers/copy/delete";
import { diffSharedImageCopy } from "../../providers/copy/diff";
import { validateSharedImageCopyInputs } from "../../providers/copy/validate";
import { provider } from "../../providers/shared-image-copy";
import { PROVENANCE_TAGS } from "../../providers/tags";
import { UNKNOWN } from "../../providers/wire-values";
import { inputs, outputs } from "../support/shared-image-copy";

describe("diffSharedImageCopy", () => {
  const cases: [string, Partial<SharedImageCopyOutputs>, Partial<SharedImageCopyInputs>, string[], string[]][] = [
    ["nothing changed", {}, {}, [], []],
    ["another source image", {}, { sourceImageId: DEMO.images.encrypted }, ["sourceImageId"], []],
    ["another region", {}, { region: DEMO.otherRegion }, ["region"], []],
    ["encryption turned on", {}, { encrypted: true }, ["encrypted"], []],
    ["encryption read back off while the inputs want it", { encrypted: false }, { encrypted: true }, ["encrypted"], []],
    ["a KMS key set", {}, { encrypted: true, kmsKeyId: "key-1" }, ["encrypted", "kmsKeyId"], []],
    [
      "a KMS key changed",
      { encrypted: true, kmsKeyId: "key-1" },
      { encrypted: true, kmsKeyId: "key-2" },
      ["kmsKeyId"],
      [],
    ],
    ["a resource group set", {}, { resourceGroupId: "rg-abc" }, ["resourceGroupId"], []],
    ["a copy that failed", { status: "CreateFailed" }, {}, ["status"], []],
    ["a new name", {}, { name: "renamed" }, [], ["name"]],
    ["a new description", {}, { description: "new" }, [], ["description"]],
    ["an unset description (ECS keeps the source's)", { description: "from source" }, {}, [], []],
    ["a tag added", {}, { tags: { team: "a" } }, [], ["tags"]],
    ["a tag removed", { tags: { team: "a" } }, {}, [], ["tags"]],
    ["tags in another order", { tags: { a: "1", b: "2" } }, { tags: { b: "2", a: "1" } }, [], []],
    ["the approval policy", {}, { approval: { approvedOwners: [DEMO.thirdParty.accountId] } }, [], ["approval"]],
    ["the timeouts", {}, { timeouts: { create: "12h" } }, [], ["timeouts"]],
    ["the timeouts removed", { timeouts: { create: "12h" } }, {}, [], ["timeouts"]],
    // State drops undefined members and the engine may send null: absent and undefined are alike everywhere, null is
    // a value inside an object, and at the top level null and absent are alike (providers/common/equality.ts).
    [
      "a timeout left undefined (absent)",
      { timeouts: { create: "12h" } },
      { timeouts: { create: "12h", delete: undefined } },
      [],
      [],
    ],
    [
      "a timeout set to null (not absent)",
      { timeouts: { create: "12h" } },
      { timeouts: { create: "12h", delete: null } } as unknown as Partial<SharedImageCopyInputs>,
      [],
      ["timeouts"],
    ],
    [
      "timeouts null in state, absent in the inputs (null and absent alike)",
      { timeouts: null } as unknown as Partial<SharedImageCopyOutputs>,
      {},
      [],
      [],
    ],
    ["the delete options", {}, { deleteOptions: { force: true } }, [], ["deleteOptions"]],
    ["a still running copy with the same inputs", { status: "Creating", progress: 40 }, {}, [], []],
  ];
  it.each(cases)("%s", (_what, old, next, replaces, updates) => {
    const diff = diffSharedImageCopy(outputs(old), inputs(next));
    expect(diff).toEqual(expect.objectContaining({ replaces, updates, changes: replaces.length + updates.length > 0 }));
    expect(typeof diff.changes).toBe("boolean");
  });

  it("deletes before replacing when the name and region stay (image names are unique per account and region)", () => {
    expect(diffSharedImageCopy(outputs(), inputs({ sourceImageId: "m-other" })).deleteBeforeReplace).toBe(true);
    expect(diffSharedImageCopy(outputs(), inputs({ sourceImageId: "m-other", name: "new" })).deleteBeforeReplace).toBe(
      false,
    );
  });

  it("answers the engine with a definite changes flag and no updates list", async () => {
    expect(await provider.diff("m-copy1", outputs(), inputs())).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });
});

describe("validateSharedImageCopyInputs", () => {
  const valid = { ...inputs(), tags: { team: "platform" }, timeouts: { create: "2h" } } as Record<string, unknown>;
  const cases: [string, Record<string, unknown>, { property: string; reason: string | RegExp }[]][] = [
    ["valid inputs", {}, []],
    [
      "a name of one character",
      { name: "a" },
      [{ property: "name", reason: 'must be 2-128 characters long, got 1: "a"' }],
    ],
    [
      "a name of 129 characters",
      { name: `a${"b".repeat(128)}` },
      [{ property: "name", reason: /^must be 2-128 characters long, got 129/ }],
    ],
    ["a name of 128 characters", { name: `a${"b".repeat(127)}` }, []],
    [
      "a name starting with a digit",
      { name: "1copy" },
      [{ property: "name", reason: /^must start with a letter.*got "1copy"$/ }],
    ],
    [
      "a name with a space",
      { name: "my copy" },
      [{ property: "name", reason: /^must start with a letter.*got "my copy"$/ }],
    ],
    [
      "a name starting with http://",
      { name: "http://x" },
      [{ property: "name", reason: /must not start with http:\/\//s }],
    ],
    [
      "a name starting with aliyun",
      { name: "aliyun-copy" },
      [{ property: "name", reason: /must not start with .*aliyun/ }],
    ],
    ["a name with dots, colons and Chinese", { name: "golden:v1.2_副本-x" }, []],
    [
      "a KMS key without encryption",
      { kmsKeyId: "key-1" },
      [{ property: "kmsKeyId", reason: 'is set ("key-1") but the copy is not encrypted; set encrypted: true' }],
    ],
    [
      "a KMS key with encryption off",
      { kmsKeyId: "key-1", encrypted: false },
      [{ property: "kmsKeyId", reason: /but the copy is not encrypted; set encrypted: true/ }],
    ],
    ["a KMS key with encryption on", { kmsKeyId: "key-1", encrypted: true }, []],
    [
      "encrypted as a string",
      { encrypted: "yes" },
      [{ property: "encrypted", reason: 'must be true or false, got "yes"' }],
    ],
    [
      "17 tags (the package keeps up to 4 of ECS's 20)",
      { tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
      [
        {
          property: "tags",
          reason: "has 17 tags; at most 16 (ECS allows 20 per image, and this package keeps up to 4 of its own)",
        },
      ],
    ],
    ["16 tags", { tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"])) }, []],
    [
      "a tag key with the provider's reserved prefix",
      { tags: { [PROVENANCE_TAGS.sourceOwner]: DEMO.owner.accountId } },
      [
        {
          property: `tags.${PROVENANCE_TAGS.sourceOwner}`,
          reason:
            'keys starting with "ecs-shared-images:" are reserved for the tags this package keeps; use another key',
        },
      ],
    ],
    [
      "a reserved tag key",
      { tags: { "acs:owner": "x" } },
      [{ property: "tags.acs:owner", reason: /tag key must be 1-128 characters/ }],
    ],
    [
      "a tag value that is not a string",
      { tags: { n: 1 } },
      [{ property: "tags.n", reason: /tag value must be a string.*got 1$/ }],
    ],
    [
      "a description of 257 characters",
      { description: "d".repeat(257) },
      [{ property: "description", reason: /^must be at most 256 characters/ }],
    ],
    [
      "a description that is a URL",
      { description: "https://example.com" },
      [{ property: "description", reason: /not start with http/ }],
    ],
    ["no source image", { sourceImageId: undefined }, [{ property: "sourceImageId", reason: /^is required/ }]],
    [
      "a public image name as source",
      { sourceImageId: DEMO.images.publicLinux },
      [{ property: "sourceImageId", reason: /must be a custom image id like "m-bp1abc\.\.\."/ }],
    ],
    [
      "a malformed region",
      { region: "Hangzhou" },
      [{ property: "region", reason: 'must be a region id like "cn-hangzhou", got "Hangzhou"' }],
    ],
    [
      "a malformed resource group",
      { resourceGroupId: "default" },
      [{ property: "resourceGroupId", reason: /like "rg-acfm\.\.\."/ }],
    ],
    ["no approval policy", { approval: undefined }, [{ property: "approval", reason: /^is required/ }]],
    [
      "an owner id given as a number",
      { approval: { approvedOwners: [1111111111111111] } },
      [{ property: "approval.approvedOwners[0]", reason: /quote it/ }],
    ],
    [
      "an unparseable create timeout",
      { timeouts: { create: "soon" } },
      [{ property: "timeouts.create", reason: /^must be a duration like "45m"/ }],
    ],
    [
      "a zero delete timeout",
      { timeouts: { delete: 0 } },
      [{ property: "timeouts.delete", reason: /^must be more than 0/ }],
    ],
    [
      "an unknown timeout",
      { timeouts: { forever: "1h" } },
      [{ property: "timeouts.forever", reason: /is not a timeout/ }],
    ],
    [
      "a delete option of the wrong type",
      { deleteOptions: { force: "yes" } },
      [{ property: "deleteOptions.force", reason: 'must be true or false, got "yes"' }],
    ],
    [
      "an unknown delete option",
      { deleteOptions: { keepSnapshots: true } },
      [{ property: "deleteOptions.keepSnapshots", reason: /is not a delete option/ }],
    ],
    [
      "a misspelt input",
      { sourceImage: "m-x" },
      [{ property: "sourceImage", reason: /^is not an input of SharedImageCopy; use sourceImageId, region/ }],
    ],
    ["no identity", { identity: undefined }, [{ property: "identity", reason: /must be set by the resource class/ }]],
    [
      "values unknown during preview",
      { sourceImageId: UNKNOWN, name: UNKNOWN, tags: { a: UNKNOWN }, kmsKeyId: UNKNOWN },
      [],
    ],
  ];
  it.each(cases)("%s", (_what, over, expected) => {
    const failures = validateSharedImageCopyInputs({ ...valid, ...over });
    expect(failures).toEqual(
      expected.map((f) => ({
        property: f.property,
        reason: expect.stringMatching(typeof f.reason === "string" ? `^${escapeRegExp(f.reason)}$` : f.reason),
      })),
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("inUseMessage (why DeleteImage refused a copy, and the one fix)", () => {
  it.each<[string, string, { id: string; ours: boolean }[], RegExp, RegExp]>([
    [
      "only instances of a stack: delete or move them",
      "ImageUsingByInstance",
      [{ id: "i-1", ours: true }],
      /^the copy m-c is the image of i-1$/,
      /^those are InstanceFromSharedImage instances of a stack: delete them/,
    ],
    [
      "an instance outside any stack: revert it, or keep the copy",
      "ImageUsingByInstance",
      [
        { id: "i-1", ours: true },
        { id: "i-2", ours: false },
      ],
      /^the copy m-c is the image of i-1, i-2$/,
      /^i-2 is not an InstanceFromSharedImage .*keep the copy for it with the resource option retainOnDelete: true/,
    ],
    [
      "shared with other accounts: unshare, or force",
      "ImageUseShared",
      [],
      /^the copy m-c is shared with other accounts$/,
      /^unshare it first, or set deleteOptions\.force: true/,
    ],
  ])("%s", (_, code, users, sentence, hint) => {
    const message = inUseMessage("m-c", code, users);
    expect(message.sentence).toMatch(sentence);
    expect(message.hint).toMatch(hint);
  });
});
