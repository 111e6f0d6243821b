// The two consumer projects of the engine benchmark: "lib" (N InstanceFromSharedImage of the packed library) and
// "floor" (N no-op dynamic resources), each a stock Pulumi TypeScript project with its own file backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { installTarball, linkPackages, type PackedLibrary, writeTypeScriptProject } from "../consumer-project";

export type Variant = "lib" | "floor";

/** The library's program: `count` instances of the approved shared image, the rest from config. */
export const LIB_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { InstanceFromSharedImage } from "pulumi-ecs-shared-images";

const config = new pulumi.Config();
const approval = { approvedOwners: [config.require("imageOwner")] };

for (let i = 0; i < config.requireNumber("count"); i++) {
  new InstanceFromSharedImage(\`web-\${i}\`, {
    imageId: config.require("sharedImageId"),
    approval,
    instanceType: "ecs.g7.large",
    vSwitchId: config.require("vSwitchId"),
    securityGroupIds: [config.require("securityGroupId")],
    keyPairName: config.require("keyPairName"),
  });
}
`;

/** The engine floor: \`count\` dynamic resources with one input, all sharing one provider that does nothing. */
export const FLOOR_PROGRAM = `import * as pulumi from "@pulumi/pulumi";

const noop: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return { inputs: news };
  },
  async diff() {
    return { changes: false };
  },
  async create(inputs) {
    return { id: inputs.value, outs: inputs };
  },
  async read(id, props) {
    return { id, props };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete() {},
};

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, value: string) {
    super(noop, name, { value }, {});
  }
}

const config = new pulumi.Config();
for (let i = 0; i < config.requireNumber("count"); i++) {
  new Noop(\`noop-\${i}\`, \`noop-\${i}\`);
}
`;

export interface Project {
  readonly variant: Variant;
  readonly name: string;
  readonly dir: string;
  readonly backendDir: string;
  /** The stack's checkpoint on the file backend. */
  readonly stateFile: string;
  /** Every CLI command's output, appended. */
  readonly logFile: string;
}

export const STACK = "bench";

/** Writes one project under `root` (project, backend and log side by side). */
export function writeProject(root: string, variant: Variant, library: PackedLibrary): Project {
  const name = `bench-${variant}`;
  const dir = path.join(root, variant, "project");
  const backendDir = path.join(root, variant, "state");
  fs.mkdirSync(backendDir, { recursive: true });
  if (variant === "lib") {
    installTarball(dir, library.tarball);
    writeTypeScriptProject(dir, name, LIB_PROGRAM, { "pulumi-ecs-shared-images": `file:${library.filename}` });
  } else {
    // What `pulumi new typescript` installs: @pulumi/pulumi, TypeScript and the Node types.
    linkPackages(dir, ["@pulumi/pulumi", "typescript", "@types/node"]);
    writeTypeScriptProject(dir, name, FLOOR_PROGRAM, { "@pulumi/pulumi": "^3.248.0" });
  }
  return {
    variant,
    name,
    dir,
    backendDir,
    stateFile: path.join(backendDir, ".pulumi", "stacks", name, `${STACK}.json`),
    logFile: path.join(root, variant, "commands.log"),
  };
}
