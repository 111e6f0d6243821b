// The system disk sequence's former path, kept while providers/instance-from-shared-image.ts imports from it; the
// sequence now lives in ./system-disk/sequence.ts (the runner) and ./system-disk/sequence-steps.ts (its pure steps).
export {
  type DiskCredentials,
  InstanceNotReplaceableError,
  observeInstance,
  replaceSystemDisk,
  type SystemDiskReplacementPlan,
  type SystemDiskReplacementResult,
  SystemDiskSequenceError,
} from "./system-disk/sequence";
export {
  credentialParams,
  diskToReplace,
  type Goal,
  MARKER_TAGS,
  type Marker,
  madeByInterruptedRun,
  markerTags,
  nextStep,
  type Observation,
  readMarker,
  replaceToken,
  type Step,
} from "./system-disk/sequence-steps";
