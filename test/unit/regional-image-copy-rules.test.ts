// RegionalImageCopy's pure rules as tables: the input checks, the rules on the source and the destination, the
// provenance a copy carries, the diff, and the provider's queue of copies per destination region (and its deadlines).
import { DEMO } from "../../emulator/demo-credentials";
import { CopySlots, inCopyQueue } from "../../providers/copy/queue";
import type { EcsApi } from "../../providers/ecs/api";
import type { ImageView } from "../../providers/ecs/types";
import { asOperations, currentOperation } from "../../providers/operation";
import { setProgressSink } from "../../providers/progress";
import { diffRegionalImageCopy, makesNewRegionalCopy } from "../../providers/regional-copy/diff";
import {
  carriedProvenance,
  noProvenanceWarning,
  regionalSourceFailures,
  regionFailures,
  validateRegionalImageCopyInputs,
} from "../../providers/regional-copy/validate";
import type { RegionalImageCopyInputs, RegionalImageCopyOutputs } from "../../providers/regional-image-copy";
import { RESERVED_TAGS } from "../../providers/tags";
import { UNKNOWN } from "../../providers/wire-values";
import { regionalInputs, regionalOutputs } from "../support/regional-image-copy";
import { PLAIN_PROVENANCE } from "../support/shared-image-copy-emulator";

describe("validateRegionalImageCopyInputs", () => {
  const cases: [string, Record<string, unknown>, [string, string | RegExp][]][] = [
    ["valid inputs", {}, []],
    ["no sourceRegion yet (check() resolves it first)", { sourceRegion: undefined }, []],
    ["values unknown during preview", { sourceImageId: UNKNOWN, region: UNKNOWN, name: UNKNOWN }, []],
    [
      "no source",
      { sourceImageId: undefined },
      [["sourceImageId", /^is required: the id of an image of this account/]],
    ],
    [
      "a public image id",
      { sourceImageId: DEMO.images.publicLinux },
      [["sourceImageId", /^must be a custom image id/]],
    ],
    ["no destination", { region: undefined }, [["region", /^is required: the region to copy the image to/]]],
    [
      "a zone-less garbage region",
      { region: "Shanghai" },
      [["region", 'must be a region id like "cn-hangzhou", got "Shanghai"']],
    ],
    ["a bad source region", { sourceRegion: "hz" }, [["sourceRegion", /^must be a region id/]]],
    ["the source's own region", { region: DEMO.region }, [["region", /^is the source's region \("cn-hangzhou"\)/]]],
    [
      "an approval (SharedImageCopy's input)",
      { approval: {} },
      [["approval", /^is not an input of RegionalImageCopy/]],
    ],
    [
      "a KMS key without encryption",
      { kmsKeyId: "key-1" },
      [["kmsKeyId", /but the copy is not encrypted; set encrypted: true/]],
    ],
    ["a reserved tag key", { tags: { [RESERVED_TAGS.create]: "x" } }, [[`tags.${RESERVED_TAGS.create}`, /reserved/]]],
    ["a bad timeout", { timeouts: { create: "soon" } }, [["timeouts.create", /.+/]]],
    ["an unknown delete option", { deleteOptions: { keep: true } }, [["deleteOptions.keep", /is not a delete option/]]],
  ];
  it.each(cases)("%s", (_what, over, expected) => {
    const failures = validateRegionalImageCopyInputs({ ...regionalInputs(), ...over });
    expect(failures).toEqual(
      expected.map(([property, reason]) => ({
        property,
        reason: typeof reason === "string" ? reason : expect.stringMatching(reason),
      })),
    );
  });
});

describe("regionFailures", () => {
  const known = [DEMO.otherRegion, DEMO.region];
  const unknown = (property: string, region: string) => ({
    property,
    reason: `"${region}" is not a region ECS knows; use one of ${DEMO.region}, ${DEMO.otherRegion}`,
  });
  it.each<[string, Partial<RegionalImageCopyInputs>, object[]]>([
    ["regions ECS knows", {}, []],
    ["an unknown destination", { region: "cn-atlantis" }, [unknown("region", "cn-atlantis")]],
    ["an unknown source region", { sourceRegion: "cn-lemuria" }, [unknown("sourceRegion", "cn-lemuria")]],
  ])("%s", (_what, over, expected) => {
    expect(regionFailures(regionalInputs(over), known)).toEqual(expected);
  });
});

const firstHop: ImageView = {
  id: "m-firsthop1",
  name: "golden-copy",
  description: "",
  ownerId: DEMO.workload.accountId,
  ownerAlias: "self",
  status: "Available",
  isCopied: true,
  size: 40,
  tags: { ...PLAIN_PROVENANCE, [RESERVED_TAGS.create]: "done:ab.cd", team: "a" },
  encrypted: false,
};

describe("regionalSourceFailures", () => {
  const cases: [string, ImageView | undefined, Partial<RegionalImageCopyInputs>, [string, RegExp][]][] = [
    ["an Available own copy", firstHop, {}, []],
    [
      "not found",
      undefined,
      {},
      [["sourceImageId", /^image m-firsthop1 is not visible to this account in cn-hangzhou/]],
    ],
    [
      "another account's shared image",
      { ...firstHop, ownerAlias: "others", ownerId: DEMO.owner.accountId },
      {},
      [["sourceImageId", /is not an image of this account: .*copy it in cn-hangzhou with SharedImageCopy first/]],
    ],
    [
      "a copy still running",
      { ...firstHop, status: "Creating" },
      {},
      [["sourceImageId", /is Creating; only an Available image can be copied/]],
    ],
    [
      "an encrypted source copied plain",
      { ...firstHop, encrypted: true },
      {},
      [["encrypted", /must be encrypted too/]],
    ],
    ["an encrypted source copied encrypted", { ...firstHop, encrypted: true }, { encrypted: true }, []],
  ];
  it.each(cases)("%s", (_what, image, over, expected) => {
    const failures = regionalSourceFailures(image, regionalInputs({ sourceImageId: "m-firsthop1", ...over }));
    expect(failures).toEqual(
      expected.map(([property, reason]) => ({ property, reason: expect.stringMatching(reason) })),
    );
  });
});

describe("carriedProvenance and its preview warning", () => {
  it.each<[string, ImageView, Record<string, string>, boolean]>([
    ["a copy carries its provenance, nothing else", firstHop, PLAIN_PROVENANCE, false],
    ["an own image with the tags but no copy carries none", { ...firstHop, isCopied: false }, {}, true],
    ["a copy without provenance carries none", { ...firstHop, tags: {} }, {}, true],
  ])("%s", (_what, image, carried, warned) => {
    expect(carriedProvenance(image)).toEqual(carried);
    expect(noProvenanceWarning(image) !== undefined).toBe(warned);
  });
});

describe("diffRegionalImageCopy", () => {
  const cases: [string, Partial<RegionalImageCopyOutputs>, Partial<RegionalImageCopyInputs>, string[], string[]][] = [
    ["nothing changed", {}, {}, [], []],
    ["another source", {}, { sourceImageId: "m-other1" }, ["sourceImageId"], []],
    ["another source region", {}, { sourceRegion: "cn-beijing" }, ["sourceRegion"], []],
    ["another destination", {}, { region: "cn-beijing" }, ["region"], []],
    ["a KMS key set", {}, { encrypted: true, kmsKeyId: "key-sh" }, ["encrypted", "kmsKeyId"], []],
    ["a copy that failed", { status: "CreateFailed" }, {}, ["status"], []],
    ["a new name and tags", {}, { name: "renamed", tags: { a: "b" } }, [], ["name", "tags"]],
    ["timeouts", {}, { timeouts: { create: "1h" } }, [], ["timeouts"]],
  ];
  it.each(cases)("%s", (_what, olds, news, replaces, updates) => {
    const diff = diffRegionalImageCopy(regionalOutputs(olds), regionalInputs(news));
    expect(diff).toMatchObject({ changes: replaces.length + updates.length > 0, replaces, updates });
  });

  it.each<[string, Partial<RegionalImageCopyInputs>, boolean]>([
    ["same inputs", {}, false],
    ["a rename", { name: "renamed" }, false],
    ["another source region", { sourceRegion: "cn-beijing" }, true],
    ["another destination", { region: "cn-beijing" }, true],
  ])("makesNewRegionalCopy (check() looks again): %s", (_what, news, expected) => {
    expect(makesNewRegionalCopy(regionalInputs(), regionalInputs(news))).toBe(expected);
  });

  it("deletes first only when the replacement keeps name and destination", () => {
    expect(diffRegionalImageCopy(regionalOutputs(), regionalInputs({ sourceRegion: "cn-beijing" }))).toMatchObject({
      deleteBeforeReplace: true,
    });
    expect(diffRegionalImageCopy(regionalOutputs(), regionalInputs({ region: "cn-beijing" })).deleteBeforeReplace).toBe(
      false,
    );
  });
});

describe("CopySlots (the provider's queue per destination region)", () => {
  it("lets `limit` through, queues the rest first come first served, and says how many are ahead", async () => {
    const slots = new CopySlots(2);
    const told: string[] = [];
    const started: string[] = [];
    const take = (name: string) =>
      slots
        .take((ahead) => told.push(`${name}:${ahead}`))
        .then((release) => {
          started.push(name);
          return release;
        });
    const a = take("a");
    const b = take("b");
    const c = take("c");
    const d = take("d");
    await Promise.resolve();
    expect(started).toEqual(["a", "b"]);
    expect(told).toEqual(["c:0", "d:1"]);
    const releaseA = await a;
    releaseA();
    releaseA();
    await c;
    expect(started).toEqual(["a", "b", "c"]);
    expect(told).toEqual(["c:0", "d:1", "d:0"]);
    (await b)();
    (await d)();
    await take("e");
    expect(started).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("inCopyQueue", () => {
  it("runs a create once a slot is free, and the time it waited does not use up its deadline", async () => {
    // The queue is keyed by the destination's API object; this test's own key gives it a queue of its own.
    const destination = { regionId: "cn-test" } as unknown as EcsApi;
    const lines: string[] = [];
    setProgressSink((event) => lines.push(`${event.urn}: ${event.message}`));
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const timeouts = { create: 1_000, update: 1_000, delete: 1_000 };
    const run = asOperations(() => timeouts, {
      async create(inputs: { identity: { urn: string }; hold: boolean }) {
        return inCopyQueue(destination, inputs.identity.urn, async () => {
          if (inputs.hold) await gate;
          return (currentOperation()?.deadline ?? 0) - Date.now();
        });
      },
    });
    const first = Array.from({ length: 5 }, (_, i) => run.create({ identity: { urn: `urn:${i}` }, hold: true }));
    const sixth = run.create({ identity: { urn: "urn:5" }, hold: false });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lines).toEqual(["urn:5: queued (0 ahead): 5 copies to cn-test are running, ECS's limit per region"]);
    open();
    await Promise.all(first);
    // 400 ms in the queue, and still (about) its whole second left.
    expect(await sixth).toBeGreaterThan(900);
    setProgressSink(undefined);
  });
});
