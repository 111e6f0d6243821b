// A small model of how the Pulumi engine drives dynamic providers, for tests that walk many change paths quickly:
// check -> diff -> create / update / replace / delete, partial state (init errors) on failure, "same" steps that
// still record the checked inputs, resources with init errors updated even without a diff, refresh through read,
// and the unknown placeholder for outputs of resources that preview would create or replace. It follows what
// pkg/resource/deploy/step_generator.go and the Node.js dynamic provider host do; the engine e2e tests check the real
// thing. In particular: a replacement is checked again without old inputs before its create, and a targeted
// replacement (`--replace`) is checked only without old inputs and never diffed; the host adds the serialized
// provider (`__provider`) to checked inputs and to the outputs of a create, update or read, but not to partial
// state, and a read, update or delete whose state lacks it fails. Provider calls go through an `Invoker`, so a test
// can run them in this process or in one it kills.
import { UNKNOWN } from "../../providers/wire-values";

export type ProviderMethod = "check" | "diff" | "create" | "update" | "read" | "delete";

/** Calls one provider method of the resource type `type`, as the dynamic provider host would. */
export type Invoker = (type: string, method: ProviderMethod, args: unknown[]) => Promise<unknown>;

export interface ResourceState {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
  /** The last create or update failed after the resource existed (ErrorResourceInitFailed). */
  readonly initErrors: boolean;
}

/** A resource the program declares; `inputs` may read other resources' outputs (UNKNOWN while not known). */
export interface Declared {
  readonly type: string;
  readonly name: string;
  readonly inputs: (outputsOf: (name: string) => Record<string, unknown>) => Record<string, unknown>;
  /** The resource option, which overrides what the provider's diff asks for (and applies to `--replace` too). */
  readonly deleteBeforeReplace?: boolean;
}

export interface PlannedStep {
  readonly name: string;
  readonly op: "create" | "update" | "replace" | "same" | "delete";
  readonly replaces: readonly string[];
}

/** What happened to one resource in an up, in order. */
export interface AppliedStep extends PlannedStep {
  readonly ok: boolean;
  readonly error?: string;
}

interface DiffResult {
  changes?: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

interface Rejection {
  message?: string;
  id?: string;
  properties?: Record<string, unknown>;
}

/** A failed deployment: the engine stops and reports the first error; what it did before stays done. */
export class DeploymentFailed extends Error {
  constructor(
    message: string,
    readonly steps: readonly AppliedStep[],
  ) {
    super(message);
    this.name = "DeploymentFailed";
  }
}

const isRejection = (err: unknown): err is Rejection => typeof err === "object" && err !== null;

/** One stack's state and the operations the CLI offers on it. */
export class EngineModel {
  /** `state` may be shared by models with different invokers: one stack seen by successive provider processes. */
  constructor(
    private readonly invoke: Invoker,
    readonly state = new Map<string, ResourceState>(),
  ) {}

  /** What a preview shows: check and diff of every declared resource, deletes of the rest. Mutates nothing. */
  async preview(program: readonly Declared[], options: { replace?: readonly string[] } = {}): Promise<PlannedStep[]> {
    const planned: PlannedStep[] = [];
    const changing = new Set<string>();
    const outputsOf = (name: string) => {
      if (changing.has(name)) return unknownOutputs();
      return (this.state.get(name)?.outputs ?? unknownOutputs()) as Record<string, unknown>;
    };
    for (const resource of program) {
      const old = this.state.get(resource.name);
      const news = resource.inputs(outputsOf);
      if (old !== undefined && options.replace?.includes(resource.name)) {
        await this.check(resource, undefined, news);
        planned.push({ name: resource.name, op: "replace", replaces: ["id"] });
        changing.add(resource.name);
        continue;
      }
      const checked = await this.check(resource, old, news);
      if (old === undefined) {
        planned.push({ name: resource.name, op: "create", replaces: [] });
        changing.add(resource.name);
        continue;
      }
      const diff = await this.diff(resource, old, checked);
      if ((diff.replaces ?? []).length > 0) {
        await this.check(resource, undefined, news);
        planned.push({ name: resource.name, op: "replace", replaces: diff.replaces ?? [] });
        changing.add(resource.name);
      } else {
        planned.push({ name: resource.name, op: diff.changes || old.initErrors ? "update" : "same", replaces: [] });
      }
    }
    for (const name of this.orphans(program)) planned.push({ name, op: "delete", replaces: [] });
    return planned;
  }

  /**
   * `pulumi up`: resources in program order, then deletes of resources no longer declared (reverse order). Throws
   * DeploymentFailed at the first failing step, after recording what the engine records (partial state).
   */
  async up(program: readonly Declared[], options: { replace?: readonly string[] } = {}): Promise<AppliedStep[]> {
    const steps: AppliedStep[] = [];
    const fail = (step: PlannedStep, error: unknown): never => {
      const message = error instanceof Error ? error.message : String((error as Rejection)?.message ?? error);
      steps.push({ ...step, ok: false, error: message });
      throw new DeploymentFailed(`${step.op} of ${step.name} failed: ${message}`, steps);
    };
    const outputsOf = (name: string) => (this.state.get(name)?.outputs ?? {}) as Record<string, unknown>;
    for (const resource of program) {
      const old = this.state.get(resource.name);
      const news = resource.inputs(outputsOf);
      const forced = old !== undefined && options.replace?.includes(resource.name) === true;
      let checked: Record<string, unknown>;
      try {
        checked = await this.check(resource, forced ? undefined : old, news);
      } catch (err) {
        fail({ name: resource.name, op: old ? "update" : "create", replaces: [] }, err);
        return steps;
      }
      if (old === undefined) {
        const step: PlannedStep = { name: resource.name, op: "create", replaces: [] };
        await this.create(resource, checked).catch((err) => fail(step, err));
        steps.push({ ...step, ok: true });
        continue;
      }
      const diff: DiffResult = forced ? { replaces: ["id"] } : await this.diff(resource, old, checked);
      const replaces = diff.replaces ?? [];
      if (replaces.length > 0) {
        const step: PlannedStep = { name: resource.name, op: "replace", replaces };
        if (!forced) {
          // The defaults of a replacement are computed afresh: a second check, without old inputs.
          try {
            checked = await this.check(resource, undefined, news);
          } catch (err) {
            fail(step, err);
            return steps;
          }
        }
        if (resource.deleteBeforeReplace ?? diff.deleteBeforeReplace) {
          await this.delete(old).catch((err) => fail(step, err));
          this.state.delete(resource.name);
          await this.create(resource, checked).catch((err) => fail(step, err));
        } else {
          // Create before delete: the old resource stays in state, pending deletion, and is deleted at the end of
          // the deployment, after everything that may still use it was updated.
          // Keyed by id: a resource can have several (a replacement whose delete failed, then another one).
          const key = `${resource.name}#old-${old.id}`;
          // In the snapshot the old resource keeps its place, before what depends on it, so a destroy deletes those
          // first (a SystemDiskReplacement reverts its instance before the copy it ran goes).
          const pendingDelete = () => this.placeBefore(resource.name, key, { ...old, name: key });
          await this.create(resource, checked).catch((err) => {
            if (this.state.get(resource.name)?.id !== old.id) pendingDelete();
            fail(step, err);
          });
          pendingDelete();
        }
        steps.push({ ...step, ok: true });
        continue;
      }
      if (diff.changes || old.initErrors) {
        const step: PlannedStep = { name: resource.name, op: "update", replaces: [] };
        try {
          const result = (await this.invoke(resource.type, "update", [old.id, old.outputs, checked])) as {
            outs: Record<string, unknown>;
          };
          const outputs = { ...result.outs, [PROVIDER_KEY]: checked[PROVIDER_KEY] };
          this.state.set(resource.name, { ...old, inputs: checked, outputs, initErrors: false });
        } catch (err) {
          if (isRejection(err) && err.id !== undefined) {
            this.state.set(resource.name, {
              ...old,
              inputs: checked,
              outputs: err.properties ?? {},
              initErrors: true,
            });
          }
          fail(step, err);
        }
        steps.push({ ...step, ok: true });
        continue;
      }
      // A "same" step still records the checked inputs.
      this.state.set(resource.name, { ...old, inputs: checked });
      steps.push({ name: resource.name, op: "same", replaces: [], ok: true });
    }
    // Replaced resources first (newest last in state, so reverse), then those no longer declared.
    for (const name of this.orphans(program).reverse()) {
      const old = this.state.get(name) as ResourceState;
      const step: PlannedStep = { name, op: "delete", replaces: [] };
      await this.delete(old).catch((err) => fail(step, err));
      this.state.delete(name);
      steps.push({ ...step, ok: true });
    }
    return steps;
  }

  /** Records `value` under `key` just before `name` in the state's order (at the end when `name` is absent). */
  private placeBefore(name: string, key: string, value: ResourceState): void {
    const entries = [...this.state].filter(([k]) => k !== key);
    const at = entries.findIndex(([k]) => k === name);
    entries.splice(at < 0 ? entries.length : at, 0, [key, value]);
    this.state.clear();
    for (const [k, v] of entries) this.state.set(k, v);
  }

  /** `pulumi refresh`: read every resource; one the provider reports gone leaves the state. */
  async refresh(): Promise<void> {
    for (const [name, res] of [...this.state]) {
      requireProvider(res);
      const result = (await this.invoke(res.type, "read", [res.id, res.outputs])) as {
        id: string;
        props: Record<string, unknown>;
        inputs?: Record<string, unknown>;
      };
      const provider = { [PROVIDER_KEY]: res.outputs[PROVIDER_KEY] };
      if (result.id === "") this.state.delete(name);
      else {
        const inputs = result.inputs ? { ...result.inputs, ...provider } : res.inputs;
        this.state.set(name, { ...res, outputs: { ...result.props, ...provider }, inputs });
      }
    }
  }

  /** `pulumi destroy`: every resource, in reverse order of creation. */
  async destroy(): Promise<void> {
    for (const [name, res] of [...this.state].reverse()) {
      await this.delete(res);
      this.state.delete(name);
    }
  }

  /** `pulumi refresh --clear-pending-creates` needs nothing here: a killed create leaves no state in this model. */
  private orphans(program: readonly Declared[]): string[] {
    const declared = new Set(program.map((r) => r.name));
    return [...this.state.keys()].filter((name) => !declared.has(name));
  }

  private async check(
    resource: Declared,
    old: ResourceState | undefined,
    declared: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const news = { ...declared, [PROVIDER_KEY]: providerOf(resource.type) };
    const result = (await this.invoke(resource.type, "check", [old?.inputs ?? {}, news])) as {
      inputs: Record<string, unknown>;
      failures: { property: string; reason: string }[];
    };
    if (result.failures.length > 0) {
      throw new Error(result.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
    }
    return { ...result.inputs, [PROVIDER_KEY]: news[PROVIDER_KEY] };
  }

  private async diff(resource: Declared, old: ResourceState, checked: Record<string, unknown>): Promise<DiffResult> {
    return (await this.invoke(resource.type, "diff", [old.id, old.outputs, checked])) as DiffResult;
  }

  private async delete(res: ResourceState): Promise<void> {
    requireProvider(res);
    await this.invoke(res.type, "delete", [res.id, res.outputs]);
  }

  private async create(resource: Declared, checked: Record<string, unknown>): Promise<void> {
    try {
      const result = (await this.invoke(resource.type, "create", [checked])) as {
        id: string;
        outs: Record<string, unknown>;
      };
      this.state.set(resource.name, {
        type: resource.type,
        name: resource.name,
        id: result.id,
        inputs: checked,
        outputs: { ...result.outs, [PROVIDER_KEY]: checked[PROVIDER_KEY] },
        initErrors: false,
      });
    } catch (err) {
      if (isRejection(err) && err.id !== undefined) {
        this.state.set(resource.name, {
          type: resource.type,
          name: resource.name,
          id: err.id,
          inputs: checked,
          outputs: err.properties ?? {},
          initErrors: true,
        });
      }
      throw err;
    }
  }
}

/** Where the host keeps the serialized provider, in inputs and outputs. */
const PROVIDER_KEY = "__provider";

/** Stands for the serialized provider of resources of `type`. */
function providerOf(type: string): string {
  return `serialized provider of ${type}`;
}

/** The host loads the provider from the state's outputs for a read or delete; without it, that fails as it does. */
function requireProvider(res: ResourceState): void {
  if (typeof res.outputs[PROVIDER_KEY] !== "string") {
    throw new Error(
      `${res.name}: the state of ${res.id} has no ${PROVIDER_KEY} (code must be a string, not undefined)`,
    );
  }
}

/** Outputs of a resource that preview would create or replace: every property reads as unknown. */
function unknownOutputs(): Record<string, unknown> {
  return new Proxy({}, { get: () => UNKNOWN });
}
