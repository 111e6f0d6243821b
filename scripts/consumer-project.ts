// A new user's Pulumi TypeScript project, offline: the library packed with `npm pack` and installed from the tarball
// as `npm install <tarball>` would leave it, beside the stock tsconfig of `pulumi new typescript`. Used by the
// consumer e2e test and the engine benchmark.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./engine";

/** The stock tsconfig.json of `pulumi new typescript` (Pulumi's templates, TypeScript template). */
export const STOCK_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

export interface PackedLibrary {
  /** The tarball's file name, e.g. pulumi-ecs-shared-images-0.1.0.tgz. */
  readonly filename: string;
  /** Its full path in the destination directory. */
  readonly tarball: string;
  /** The paths npm put in it. */
  readonly files: readonly string[];
}

/** `npm pack` of this repository into `destDir`; the build must have run (its scripts are skipped). */
export function packLibrary(destDir: string): PackedLibrary {
  const packed = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destDir], {
    cwd: projectRoot,
    encoding: "utf8",
  });
  const [{ filename, files }] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  return { filename, tarball: path.join(destDir, filename), files: files.map((f) => f.path) };
}

/**
 * What `npm install <tarball>` leaves in a project, offline (nothing contacts a remote host): the tarball unpacked as
 * the package, and the packages it declares (dependencies and peer) plus the project's own (TypeScript and the Node
 * types, as `pulumi new typescript` adds them) linked from this repository's install, which pins the same versions.
 * Only declared packages are linked, so a missing declaration fails as it would for a user.
 */
export function installTarball(projectDir: string, tarball: string): void {
  const modules = path.join(projectDir, "node_modules");
  const own = path.join(modules, "pulumi-ecs-shared-images");
  fs.mkdirSync(own, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", own, "--strip-components=1"]);
  const manifest = JSON.parse(fs.readFileSync(path.join(own, "package.json"), "utf8"));
  linkPackages(projectDir, [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    "typescript",
    "@types/node",
  ]);
}

/** Links `names` into the project's node_modules from this repository's install (the same pinned versions). */
export function linkPackages(projectDir: string, names: readonly string[]): void {
  const modules = path.join(projectDir, "node_modules");
  for (const name of names) {
    const link = path.join(modules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(projectRoot, "node_modules", name), link);
  }
}

/** Writes Pulumi.yaml, package.json, the stock tsconfig and index.ts of a TypeScript project in `projectDir`. */
export function writeTypeScriptProject(
  projectDir: string,
  name: string,
  program: string,
  dependencies: Readonly<Record<string, string>> = {},
): void {
  fs.mkdirSync(projectDir, { recursive: true });
  fs.writeFileSync(path.join(projectDir, "tsconfig.json"), JSON.stringify(STOCK_TSCONFIG, null, 4));
  fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  fs.writeFileSync(path.join(projectDir, "package.json"), JSON.stringify({ name, main: "index.ts", dependencies }));
  fs.writeFileSync(path.join(projectDir, "index.ts"), program);
}
