// The engine benchmark's process sampling (peak memory per role of the process tree, from /proc) and its command
// line, including what it masks (the runs themselves are `npm run bench`, never a test).
import { descendants, parseVmHwmKiB, roleOf } from "../../scripts/bench/rss";
import { masked } from "../../scripts/bench/runner";
import { parseArgs } from "../../scripts/bench-engine";

describe("process sampling", () => {
  it.each([
    ["node /p/node_modules/@pulumi/pulumi/cmd/run/index.js --monitor 127.0.0.1:1 /p", "program"],
    ["node /p/node_modules/@pulumi/pulumi/cmd/run", "program"],
    ["node /p/node_modules/@pulumi/pulumi/cmd/dynamic-provider 127.0.0.1:5", "provider"],
    ["node -e console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))", undefined],
    ["/bin/sh /bin/pulumi-resource-pulumi-nodejs 127.0.0.1:5", undefined],
    ["node /p/node_modules/@pulumi/pulumi/cmd/run-plugin x", undefined],
  ])("classifies %s as %s", (cmdline, role) => {
    expect(roleOf(cmdline)).toBe(role);
  });

  it("reads VmHWM in KiB", () => {
    expect(parseVmHwmKiB("Name:\tnode\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1 kB\n")).toBe(123456);
    expect(parseVmHwmKiB("Name:\tkthreadd\n")).toBeUndefined();
  });

  it("finds every descendant of the CLI, not its siblings", () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
    ]);
    expect(descendants(10, parents).sort()).toEqual([11, 12, 13]);
  });
});

describe("command line", () => {
  it("defaults to sizes 100 and 300, 3 repetitions, time scale 10 (1.5 s provisioning), docs/benchmarks.md", () => {
    expect(parseArgs([])).toEqual({
      sizes: [100, 300],
      reps: 3,
      timeScale: 10,
      out: "docs/benchmarks.md",
      keep: false,
    });
  });

  it("takes sizes, repetitions, time scale and the report's path", () => {
    expect(parseArgs(["--sizes", "20", "--keep", "--reps", "1", "--time-scale", "30", "--out", "/tmp/b.md"])).toEqual({
      sizes: [20],
      reps: 1,
      timeScale: 30,
      out: "/tmp/b.md",
      keep: true,
    });
  });

  it.each([
    [["--sizes", "100,,300"], /--sizes/],
    [["--sizes", "0"], /--sizes/],
    [["--reps", "0"], /--reps/],
    [["--time-scale", "-1"], /--time-scale/],
    [["--reps"], /--reps needs a value/],
    [["--size", "3"], /unknown argument "--size"/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it("masks the value of a secret config set in what it logs", () => {
    expect(masked(["config", "set", "--secret", "alicloud:secretKey", "s3cret"])).toEqual([
      "config",
      "set",
      "--secret",
      "alicloud:secretKey",
      "[secret]",
    ]);
    expect(masked(["up", "--yes"])).toEqual(["up", "--yes"]);
  });
});
