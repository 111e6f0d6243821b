// The program side of the generated change-path tests: the world, what a generated program declares (and the
// resources that makes), and the steps a sequence is drawn from. test/generated/harness.ts runs them.
import * as fc from "fast-check";
import type { WorldSpec } from "../../emulator";
import { DEMO, demoWorld } from "../support/emulator";
import type { Declared } from "../support/engine-model";
import { resourceIdentity } from "../support/identity";

// ---- the world ----

export const IMAGES = {
  A: DEMO.images.plain,
  B: "m-fuzzother01",
  P: "m-fuzzpreset01",
  E: DEMO.images.encrypted,
  U: DEMO.images.unapproved,
  D: "m-demogoldenold01",
} as const;
export type ImageKey = keyof typeof IMAGES;
export const OWNER = DEMO.owner.accountId;
export const THIRD_PARTY = DEMO.thirdParty.accountId;
export const WORKLOAD = DEMO.workload.accountId;
export const PASSWORDS = {
  password1: "Fuzz-Pass-One-1",
  password2: "Fuzz-Pass-Two-2",
  initial: "Fuzz-Initial-3x",
} as const;

export function fuzzWorld(): WorldSpec {
  const w = demoWorld({ copyGiBPerMinute: 400 });
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  if (!owner) throw new Error("demo world changed: owner account missing");
  const shared = { regionId: DEMO.region, sizeGiB: 40, sharedWith: [WORKLOAD] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.B, name: "golden-fuzz-other" },
    { ...shared, imageId: IMAGES.P, name: "golden-fuzz-preset", passwordPreset: true },
  );
  return w;
}

// ---- what the program declares ----

export type Approval = "owner" | "both" | "thirdParty";
export interface CopyDecl {
  readonly source: "A" | "E" | "U" | "D";
  readonly name: "copy-a" | "copy-b";
  readonly team?: "a" | "b";
  readonly description?: "first" | "second";
  readonly encrypted: boolean;
  readonly ownKey: boolean;
}
export interface InstanceDecl {
  readonly image: "A" | "B" | "E" | "U" | "D" | "copy";
  readonly onImageChange: "replace" | "replaceSystemDisk";
  readonly dataDisk: boolean;
  readonly team?: "a" | "b";
  readonly name?: "vm-a" | "vm-b";
  readonly credential: "password1" | "password2" | "keyPair" | "none";
  readonly type: "ecs.g7.large" | "ecs.g7.xlarge";
}
export interface SystemDiskDecl {
  readonly image: "A" | "B" | "P" | "E" | "U" | "copy";
  readonly credential: "keep" | "password1" | "password2" | "keyPair" | "imagePreset";
  readonly size?: 60 | 80;
  readonly revertOnDelete: boolean;
}
export interface Program {
  readonly approval: Approval;
  readonly copy?: CopyDecl;
  readonly instance?: InstanceDecl;
  readonly systemDisk?: SystemDiskDecl;
}

/** A program that declares nothing (what a destroy leaves declared). */
export const NOTHING: Program = { approval: "owner" };

export const APPROVALS: Record<Approval, string[]> = {
  owner: [OWNER],
  both: [OWNER, THIRD_PARTY],
  thirdParty: [THIRD_PARTY],
};

const copyDecl: fc.Arbitrary<CopyDecl> = fc.record(
  {
    source: fc.constantFrom("A", "A", "E", "U", "D"),
    name: fc.constantFrom("copy-a", "copy-b"),
    team: fc.constantFrom("a", "b"),
    description: fc.constantFrom("first", "second"),
    encrypted: fc.boolean(),
    ownKey: fc.boolean(),
  },
  { requiredKeys: ["source", "name", "encrypted", "ownKey"] },
);
const instanceDecl = (withCopy: boolean): fc.Arbitrary<InstanceDecl> =>
  fc.record(
    {
      image: withCopy ? fc.constantFrom("copy", "copy", "A", "B") : fc.constantFrom("A", "A", "B", "E", "U", "D"),
      onImageChange: fc.constantFrom("replace", "replaceSystemDisk", "replaceSystemDisk"),
      dataDisk: fc.boolean(),
      team: fc.constantFrom("a", "b"),
      name: fc.constantFrom("vm-a", "vm-b"),
      credential: fc.constantFrom("password1", "password2", "keyPair", "none"),
      type: fc.constantFrom("ecs.g7.large", "ecs.g7.large", "ecs.g7.xlarge"),
    },
    { requiredKeys: ["image", "onImageChange", "dataDisk", "credential", "type"] },
  );
const systemDiskDecl = (withCopy: boolean): fc.Arbitrary<SystemDiskDecl> =>
  fc.record(
    {
      image: withCopy ? fc.constantFrom("copy", "copy", "A", "B") : fc.constantFrom("A", "B", "B", "P", "E", "U"),
      credential: fc.constantFrom("keep", "keep", "password1", "password2", "keyPair", "imagePreset"),
      size: fc.constantFrom(60, 80),
      revertOnDelete: fc.boolean(),
    },
    { requiredKeys: ["image", "credential", "revertOnDelete"] },
  );
export const approval: fc.Arbitrary<Approval> = fc.constantFrom("owner", "owner", "owner", "both", "thirdParty");

/** Which resources a generated program has. */
export type Subject = "copy" | "instance" | "systemDisk" | "fleet";

export function programArbitrary(subject: Subject): fc.Arbitrary<Program> {
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 5, nil: undefined });
  switch (subject) {
    case "copy":
      return fc.record({ approval, copy: maybe(copyDecl) });
    case "instance":
      return fc.record({ approval, instance: maybe(instanceDecl(false)) });
    case "systemDisk":
      return fc.record({ approval, systemDisk: maybe(systemDiskDecl(false)) });
    case "fleet":
      return fc.record({
        approval,
        copy: copyDecl,
        instance: maybe(instanceDecl(true)),
        systemDisk: maybe(systemDiskDecl(true)),
      });
  }
}

// ---- steps ----

const ACTIONS: Record<Subject, string[]> = {
  copy: ["CopyImage", "ModifyImageAttribute", "TagResources", "UntagResources", "DeleteImage", "DescribeImages"],
  instance: [
    "RunInstances",
    "TagResources",
    "UntagResources",
    "ModifyInstanceAttribute",
    "StopInstance",
    "ReplaceSystemDisk",
    "StartInstance",
    "DeleteInstance",
    "DeleteInstances",
    "DescribeInstances",
    "DescribeDisks",
  ],
  systemDisk: [
    "StopInstance",
    "ReplaceSystemDisk",
    "StartInstance",
    "TagResources",
    "UntagResources",
    "ModifyInstanceAttribute",
    "DescribeDisks",
  ],
  fleet: ["CopyImage", "RunInstances", "ReplaceSystemDisk", "StopInstance", "StartInstance", "UntagResources"],
};
const EVENTS = [
  "stopInstance",
  "stopUnmanaged",
  "deleteInstance",
  "revokeShare",
  "deprecate",
  "arrears",
  "disableOwnerKey",
  "failCopy",
] as const;
export type OutOfBand = (typeof EVENTS)[number];

export type Step =
  | { readonly kind: "declare"; readonly program: Program }
  | { readonly kind: "revert" }
  | { readonly kind: "up" }
  | { readonly kind: "upWithFault"; readonly action: string; readonly mode: "exhaust" | "once" | "commitThenDrop" }
  | { readonly kind: "upKilled"; readonly afterCalls: number }
  | { readonly kind: "upReplacing" }
  | { readonly kind: "event"; readonly event: OutOfBand }
  | { readonly kind: "refresh" }
  | { readonly kind: "destroy" };

export interface Sequence {
  readonly passwordInstance: boolean;
  readonly initial: Program;
  readonly steps: readonly Step[];
}

export function sequenceArbitrary(subject: Subject, maxSteps = 10): fc.Arbitrary<Sequence> {
  const program = programArbitrary(subject);
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: program.map((p): Step => ({ kind: "declare", program: p })) },
    { weight: 5, arbitrary: fc.constant<Step>({ kind: "up" }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("upWithFault" as const),
        action: fc.constantFrom(...ACTIONS[subject]),
        mode: fc.constantFrom("exhaust" as const, "exhaust" as const, "once" as const, "commitThenDrop" as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("upKilled" as const), afterCalls: fc.integer({ min: 1, max: 30 }) }),
    },
    { weight: 1, arbitrary: fc.constant<Step>({ kind: "upReplacing" }) },
    { weight: 2, arbitrary: fc.constantFrom(...EVENTS).map((event): Step => ({ kind: "event", event })) },
    { weight: 1, arbitrary: fc.constant<Step>({ kind: "refresh" }) },
    { weight: 1, arbitrary: fc.constant<Step>({ kind: "destroy" }) },
    { weight: 2, arbitrary: fc.constant<Step>({ kind: "revert" }) },
  );
  return fc.record({
    passwordInstance: fc.boolean(),
    initial: program,
    steps: fc.array(step, { minLength: 1, maxLength: maxSteps }),
  });
}

const identity = (type: string, name: string) => resourceIdentity(type, name, "fuzz", "s");

const CREDENTIAL_INPUTS: Record<string, object> = {
  password1: { password: PASSWORDS.password1 },
  password2: { password: PASSWORDS.password2 },
  keyPair: { keyPairName: DEMO.workload.keyPairName },
  imagePreset: { passwordInherit: true },
  keep: {},
  none: {},
};

/**
 * The resources of `program`, in dependency order (copy, instance, system disk). When others use the copy, its name
 * follows what replaces it: a replacement then keeps the old copy until its users moved to the new one (image names
 * are unique, so a copy replaced under the same name is deleted first, which ECS refuses while instances use it). A
 * system disk replacement on the copy reverts on delete, or the copy could never be deleted.
 */
export function declared(program: Program, unmanagedId: string): Declared[] {
  const policy = { approvedOwners: APPROVALS[program.approval] };
  const resources: Declared[] = [];
  const copy = program.copy;
  const copyEncrypted = copy !== undefined && (copy.encrypted || copy.source === "E");
  const used = program.instance?.image === "copy" || program.systemDisk?.image === "copy";
  if (copy) {
    const name = used ? `${copy.name}-${copy.source}${copy.encrypted ? `-e${copy.ownKey ? "k" : ""}` : ""}` : copy.name;
    resources.push({
      type: "copy",
      name: "copy",
      inputs: () => ({
        identity: identity("SharedImageCopy", "copy"),
        sourceImageId: IMAGES[copy.source],
        name,
        approval: policy,
        ...(copy.team ? { tags: { team: copy.team } } : {}),
        ...(copy.description ? { description: copy.description } : {}),
        ...(copy.encrypted ? { encrypted: true } : {}),
        ...(copy.encrypted && copy.ownKey ? { kmsKeyId: DEMO.workload.kmsKeyId } : {}),
      }),
    });
  }
  const imageOf = (key: string, outputsOf: (name: string) => Record<string, unknown>) =>
    key === "copy" ? outputsOf("copy").imageId : IMAGES[key as ImageKey];
  const vm = program.instance;
  if (vm) {
    resources.push({
      type: "instance",
      name: "vm",
      inputs: (outputsOf) => ({
        identity: identity("InstanceFromSharedImage", "vm"),
        imageId: imageOf(vm.image, outputsOf),
        approval: policy,
        instanceType: vm.type,
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupIds: [DEMO.workload.securityGroupId],
        onImageChange: vm.onImageChange,
        ...(vm.dataDisk ? { dataDisks: [{ size: 40 }] } : {}),
        ...(vm.team ? { tags: { team: vm.team } } : {}),
        ...(vm.name ? { name: vm.name } : {}),
        ...CREDENTIAL_INPUTS[vm.credential],
      }),
    });
  }
  const sdr = program.systemDisk;
  if (sdr) {
    const encrypted = sdr.image === "E" || (sdr.image === "copy" && copyEncrypted);
    resources.push({
      type: "systemDisk",
      name: "sdr",
      deleteBeforeReplace: true, // what the SystemDiskReplacement class sets
      inputs: (outputsOf) => ({
        identity: identity("SystemDiskReplacement", "sdr"),
        instanceId: unmanagedId,
        imageId: imageOf(sdr.image, outputsOf),
        approval: policy,
        revertOnDelete: sdr.revertOnDelete || sdr.image === "copy",
        ...(sdr.size ? { systemDiskSize: sdr.size } : {}),
        ...(encrypted ? { encrypted: true } : {}),
        ...CREDENTIAL_INPUTS[sdr.credential],
      }),
    });
  }
  return resources;
}
