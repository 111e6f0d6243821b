// The action table: which handler answers each ECS action, whether it mutates, and where RAM is evaluated.
import type { Handler } from "./handlers/context";
import * as describeInstances from "./handlers/describe-instances";
import * as images from "./handlers/images";
import * as instances from "./handlers/instances";
import * as resources from "./handlers/resources";

export interface Route {
  handler: Handler;
  /** Whether the action changes state (request log, persistence). */
  mutating: boolean;
  /** RAM is evaluated by the model, with request context (e.g. ecs:ImageOwnerId), instead of up front. */
  ramInModel?: boolean;
}

/** Action name -> handler. Unknown actions are InvalidAction.NotFound. */
const ROUTES: Readonly<Record<string, Route>> = {
  DescribeRegions: { handler: resources.DescribeRegions, mutating: false },
  DescribeZones: { handler: resources.DescribeZones, mutating: false },
  DescribeImages: { handler: images.DescribeImages, mutating: false },
  CopyImage: { handler: images.CopyImage, mutating: true },
  CancelCopyImage: { handler: images.CancelCopyImage, mutating: true },
  DeleteImage: { handler: images.DeleteImage, mutating: true },
  ModifyImageAttribute: { handler: images.ModifyImageAttribute, mutating: true },
  ModifyImageSharePermission: { handler: images.ModifyImageSharePermission, mutating: true },
  DescribeImageSharePermission: { handler: images.DescribeImageSharePermission, mutating: false },
  RunInstances: { handler: instances.RunInstances, mutating: true, ramInModel: true },
  CreateInstance: { handler: instances.CreateInstance, mutating: true, ramInModel: true },
  StartInstance: { handler: instances.StartInstance, mutating: true },
  StopInstance: { handler: instances.StopInstance, mutating: true },
  RebootInstance: { handler: instances.RebootInstance, mutating: true },
  DeleteInstance: { handler: instances.DeleteInstance, mutating: true },
  DeleteInstances: { handler: instances.DeleteInstances, mutating: true },
  DescribeInstances: { handler: describeInstances.DescribeInstances, mutating: false },
  DescribeInstanceStatus: { handler: describeInstances.DescribeInstanceStatus, mutating: false },
  ModifyInstanceAttribute: { handler: instances.ModifyInstanceAttribute, mutating: true },
  ReplaceSystemDisk: { handler: instances.ReplaceSystemDisk, mutating: true },
  DescribeDisks: { handler: resources.DescribeDisks, mutating: false },
  DescribeKeyPairs: { handler: resources.DescribeKeyPairs, mutating: false },
  AttachKeyPair: { handler: instances.AttachKeyPair, mutating: true },
  DetachKeyPair: { handler: instances.DetachKeyPair, mutating: true },
  TagResources: { handler: resources.TagResources, mutating: true },
  UntagResources: { handler: resources.UntagResources, mutating: true },
  ListTagResources: { handler: resources.ListTagResources, mutating: false },
  DescribeSecurityGroups: { handler: resources.DescribeSecurityGroups, mutating: false },
};

export function route(action: string): Route | undefined {
  return Object.hasOwn(ROUTES, action) ? ROUTES[action] : undefined;
}
