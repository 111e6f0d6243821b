// An instance's life: its status transitions in emulated time (start, stop, reboot), the operation locks that block
// them, and release (DeleteInstance, DeleteInstances, the deleteInstance back door).
import type { Cloud } from "../cloud";
import {
  DryRunOperation,
  IncorrectInstanceStatus,
  IncorrectInstanceStatusInitializing,
  InstanceExpiredOrInArrears,
  InstanceLockedForSecurity,
  InstanceNotReady,
  InvalidOperationDeletionProtection,
} from "../errors";
import type { InstanceRec, InstanceStatus, Principal } from "../types";
import { systemDisk } from "./disks";

/** The instance's OperationLocks: its own, plus "financial" while its account is in arrears. */
export function instanceLocks(cloud: Cloud, inst: InstanceRec): string[] {
  const locks = [...inst.locks];
  if (cloud.state.accounts[inst.ownerId]?.inArrears && !locks.includes("financial")) locks.push("financial");
  return locks;
}

export function assertNotLocked(cloud: Cloud, inst: InstanceRec): void {
  const locks = instanceLocks(cloud, inst);
  if (locks.includes("security"))
    throw new InstanceLockedForSecurity(`The instance "${inst.instanceId}" is locked for security reasons.`);
  if (locks.includes("financial")) {
    throw new InstanceExpiredOrInArrears(
      `The instance "${inst.instanceId}" is locked because its account has overdue payments.`,
    );
  }
}

function schedule(cloud: Cloud, inst: InstanceRec, steps: [InstanceStatus, number][]): void {
  let at = cloud.now();
  inst.transitions = steps.map(([status, ms]) => {
    at += ms;
    return { status, at };
  });
}

export function wrongStatus(inst: InstanceRec, action: string, expected: string): never {
  if (inst.status === "Pending") {
    throw new IncorrectInstanceStatusInitializing(`The instance "${inst.instanceId}" is still being created.`);
  }
  throw new IncorrectInstanceStatus(
    `The instance "${inst.instanceId}" is ${inst.status}; ${action} needs it to be ${expected}.`,
  );
}

export function startInstance(cloud: Cloud, caller: Principal, instanceId: string, dryRun: boolean): void {
  const inst = cloud.instance(caller, instanceId);
  assertNotLocked(cloud, inst);
  if (inst.status !== "Stopped") wrongStatus(inst, "StartInstance", "Stopped");
  if (systemDisk(cloud, inst)?.status === "Creating") {
    throw new InstanceNotReady(`The system disk of "${instanceId}" is still being created; try again later.`);
  }
  if (dryRun) throw new DryRunOperation();
  inst.status = "Starting";
  inst.stoppedMode = "";
  schedule(cloud, inst, [["Running", cloud.state.settings.startingMs]]);
}

export function stopInstance(
  cloud: Cloud,
  caller: Principal,
  instanceId: string,
  stoppedMode: "KeepCharging" | "StopCharging",
  dryRun: boolean,
): void {
  const inst = cloud.instance(caller, instanceId);
  if (inst.status !== "Running") wrongStatus(inst, "StopInstance", "Running");
  if (dryRun) throw new DryRunOperation();
  beginStop(cloud, inst, stoppedMode);
}

/** Running -> Stopping -> Stopped over the world's stopping time. */
export function beginStop(cloud: Cloud, inst: InstanceRec, stoppedMode: "KeepCharging" | "StopCharging"): void {
  inst.status = "Stopping";
  inst.stoppedMode = stoppedMode;
  schedule(cloud, inst, [["Stopped", cloud.state.settings.stoppingMs]]);
}

export function rebootInstance(cloud: Cloud, caller: Principal, instanceId: string, dryRun: boolean): void {
  const inst = cloud.instance(caller, instanceId);
  assertNotLocked(cloud, inst);
  if (inst.status !== "Running") wrongStatus(inst, "RebootInstance", "Running");
  if (dryRun) throw new DryRunOperation();
  inst.status = "Stopping";
  const st = cloud.state.settings;
  schedule(cloud, inst, [
    ["Starting", st.stoppingMs / 2],
    ["Running", st.startingMs / 2],
  ]);
}

function checkDeletable(
  cloud: Cloud,
  caller: Principal,
  instanceId: string,
  force: boolean,
  regionId?: string,
): InstanceRec {
  const inst = cloud.instance(caller, instanceId, regionId);
  if (inst.deletionProtection) {
    throw new InvalidOperationDeletionProtection(`The instance "${instanceId}" has deletion protection enabled.`);
  }
  if (inst.status === "Pending") wrongStatus(inst, "DeleteInstance", "Stopped");
  // Without Force only a Stopped instance can be released; Force releases it in any settled or transient state.
  if (!force && inst.status !== "Stopped") wrongStatus(inst, "DeleteInstance without Force", "Stopped");
  return inst;
}

export function releaseInstance(cloud: Cloud, inst: InstanceRec): void {
  for (const d of Object.values(cloud.state.disks)) {
    if (d.instanceId !== inst.instanceId) continue;
    if (d.deleteWithInstance) delete cloud.state.disks[d.diskId];
    else {
      d.instanceId = "";
      d.status = "Available";
    }
  }
  delete cloud.state.instances[inst.instanceId];
  cloud.passwordFingerprints.delete(inst.instanceId);
}

export function deleteInstance(
  cloud: Cloud,
  caller: Principal,
  instanceId: string,
  force: boolean,
  dryRun: boolean,
): void {
  const inst = checkDeletable(cloud, caller, instanceId, force);
  if (dryRun) throw new DryRunOperation();
  releaseInstance(cloud, inst);
}

export function deleteInstances(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  instanceIds: string[],
  force: boolean,
  dryRun: boolean,
): void {
  cloud.region(regionId);
  // All-or-nothing: every instance is checked before any is released.
  const insts = instanceIds.map((id) => checkDeletable(cloud, caller, id, force, regionId));
  if (dryRun) throw new DryRunOperation();
  for (const inst of insts) releaseInstance(cloud, inst);
}
