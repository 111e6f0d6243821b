// Sequences the generated tests found, shrunk, kept as named regressions (replayed through the same harness and
// invariants as test/generated/generated.test.ts).
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "2ms";
process.env.ECS_SHARED_IMAGES_RETRY_DELAY = "2ms";

import { Harness, type Sequence } from "./harness";

const cases: [string, Sequence][] = [
  [
    "an instance whose create was killed late (before the engine recorded it) is adopted or named, never duplicated",
    {
      passwordInstance: false,
      initial: { approval: "owner" },
      steps: [
        {
          kind: "declare",
          program: {
            approval: "owner",
            instance: {
              image: "A",
              onImageChange: "replace",
              dataDisk: false,
              credential: "password1",
              type: "ecs.g7.large",
            },
          },
        },
        { kind: "upKilled", afterCalls: 8 },
        { kind: "up" },
      ],
    },
  ],
  [
    "a replacement killed after its create finished: the next up adopts the new instance, not a third one",
    {
      passwordInstance: false,
      initial: {
        approval: "owner",
        instance: {
          image: "A",
          onImageChange: "replace",
          dataDisk: false,
          credential: "password1",
          type: "ecs.g7.large",
        },
      },
      steps: [
        { kind: "up" },
        {
          kind: "declare",
          program: {
            approval: "owner",
            instance: {
              image: "A",
              onImageChange: "replace",
              dataDisk: false,
              credential: "password1",
              type: "ecs.g7.xlarge",
            },
          },
        },
        { kind: "upKilled", afterCalls: 8 },
      ],
    },
  ],
  [
    "pulumi up --replace of a system disk replacement that reverts on delete leaves the instance on the declared image",
    {
      passwordInstance: false,
      initial: { approval: "owner", systemDisk: { image: "E", credential: "keep", revertOnDelete: true } },
      steps: [{ kind: "up" }, { kind: "upReplacing" }],
    },
  ],
  [
    "a killed create of a resource then removed from the program leaves only its pending leftover (documented)",
    {
      passwordInstance: false,
      initial: { approval: "owner" },
      steps: [
        {
          kind: "declare",
          program: {
            approval: "owner",
            instance: {
              image: "A",
              onImageChange: "replace",
              dataDisk: false,
              credential: "password1",
              type: "ecs.g7.large",
            },
          },
        },
        { kind: "upKilled", afterCalls: 5 },
        { kind: "declare", program: { approval: "owner" } },
        { kind: "up" },
      ],
    },
  ],
  [
    "revertOnDelete with the image's preset password is refused at preview, not failed at destroy",
    {
      passwordInstance: false,
      initial: { approval: "owner" },
      steps: [
        {
          kind: "declare",
          program: { approval: "owner", systemDisk: { image: "P", credential: "imagePreset", revertOnDelete: true } },
        },
        { kind: "up" },
      ],
    },
  ],
  [
    "a password given by an interrupted run, then set back to keep: the next up starts the instance, asking no credentials",
    {
      passwordInstance: false,
      initial: { approval: "owner" },
      steps: [
        {
          kind: "declare",
          program: { approval: "owner", systemDisk: { image: "A", credential: "keep", revertOnDelete: false } },
        },
        { kind: "upWithFault", action: "StopInstance", mode: "exhaust" },
        {
          kind: "declare",
          program: { approval: "owner", systemDisk: { image: "A", credential: "password2", revertOnDelete: false } },
        },
        { kind: "upWithFault", action: "StartInstance", mode: "exhaust" },
        { kind: "revert" },
      ],
    },
  ],
  [
    "a create that could not mark its instance, then --replace and a kill: the live instance is never adopted and deleted",
    {
      passwordInstance: false,
      initial: {
        approval: "owner",
        instance: {
          image: "A",
          onImageChange: "replace",
          dataDisk: false,
          credential: "password1",
          type: "ecs.g7.large",
        },
      },
      steps: [
        { kind: "upWithFault", action: "UntagResources", mode: "exhaust" },
        { kind: "upReplacing" },
        { kind: "upKilled", afterCalls: 1 },
      ],
    },
  ],
  [
    "a same-name copy replacement killed after its hand-over: the copy is named, and deleted by hand the next up converges",
    {
      passwordInstance: false,
      initial: { approval: "owner" },
      steps: [
        {
          kind: "declare",
          program: { approval: "owner", copy: { source: "A", name: "copy-a", encrypted: false, ownKey: false } },
        },
        { kind: "up" },
        {
          kind: "declare",
          program: { approval: "owner", copy: { source: "A", name: "copy-a", encrypted: true, ownKey: false } },
        },
        { kind: "upKilled", afterCalls: 11 },
      ],
    },
  ],
  [
    "an instance create killed after its hand-over, in a fleet: the instance is named, and deleted by hand the copy goes",
    {
      passwordInstance: false,
      initial: {
        approval: "owner",
        copy: { source: "A", name: "copy-a", encrypted: false, ownKey: false },
        instance: {
          image: "copy",
          onImageChange: "replace",
          dataDisk: false,
          credential: "password1",
          type: "ecs.g7.large",
        },
      },
      steps: [{ kind: "upKilled", afterCalls: 17 }],
    },
  ],
  [
    "a fleet copy replaced under a new name, the deployment stopped before its deletes, then reverted: the old name's copy is named and deleting it by hand converges",
    {
      passwordInstance: true,
      initial: { approval: "owner", copy: { source: "A", name: "copy-a", encrypted: false, ownKey: false } },
      steps: [
        { kind: "up" },
        {
          kind: "declare",
          program: {
            approval: "owner",
            copy: { source: "A", name: "copy-a", encrypted: true, ownKey: false },
            systemDisk: { image: "copy", credential: "keep", revertOnDelete: false },
          },
        },
      ],
    },
  ],
  [
    "a fleet copy switch killed mid-way, then destroy: the replacement reverts its instance before the old copy goes",
    {
      passwordInstance: false,
      initial: {
        approval: "owner",
        copy: { source: "A", name: "copy-a", encrypted: false, ownKey: false },
        systemDisk: { image: "copy", credential: "keep", revertOnDelete: false },
      },
      steps: [
        { kind: "up" },
        {
          kind: "declare",
          program: {
            approval: "owner",
            copy: { source: "A", name: "copy-a", encrypted: true, ownKey: false },
            instance: {
              image: "copy",
              onImageChange: "replace",
              dataDisk: false,
              credential: "password1",
              type: "ecs.g7.large",
            },
            systemDisk: { image: "copy", credential: "keep", revertOnDelete: false },
          },
        },
        { kind: "upKilled", afterCalls: 10 },
        { kind: "destroy" },
      ],
    },
  ],
  [
    "a system disk job that ran on an intermediate copy later reverts to the image of before it (fuzz fleet seed 913)",
    {
      passwordInstance: false,
      initial: { approval: "owner", copy: { source: "A", name: "copy-a", encrypted: false, ownKey: false } },
      steps: [
        {
          kind: "declare",
          program: {
            approval: "owner",
            copy: { source: "A", name: "copy-a", encrypted: false, ownKey: false },
            systemDisk: { image: "copy", credential: "keep", revertOnDelete: false },
          },
        },
        { kind: "upWithFault", action: "CopyImage", mode: "once" },
        {
          kind: "declare",
          program: {
            approval: "owner",
            copy: { source: "A", name: "copy-a", encrypted: true, ownKey: false },
            systemDisk: { image: "copy", credential: "keep", revertOnDelete: false },
          },
        },
      ],
    },
  ],
];

let harness: Harness;

beforeAll(async () => {
  harness = await Harness.start();
});

afterAll(async () => {
  await harness.close();
});

it.each(cases)(
  "%s",
  async (_name, sequence) => {
    await harness.run(sequence);
  },
  120_000,
);
