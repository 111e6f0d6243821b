// The arguments of `npm run fuzz`.
import { parseArgs } from "../../scripts/fuzz";

describe("npm run fuzz arguments", () => {
  it("defaults to 100 sequences of up to 10 steps for every subject, from a fresh seed", () => {
    expect(parseArgs([])).toEqual({ runs: 100, steps: 10, subjects: ["systemDisk", "instance", "copy", "fleet"] });
  });

  it("reads runs, seed, path, steps and one subject", () => {
    expect(
      parseArgs(["--runs", "2000", "--seed", "42", "--path", "3:1:0", "--steps", "12", "--subject", "copy"]),
    ).toEqual({ runs: 2000, seed: 42, path: "3:1:0", steps: 12, subjects: ["copy"] });
  });

  it.each([
    [["--runs", "many"], /--runs needs a whole number/],
    [["--subject", "vm"], /--subject must be one of systemDisk, instance, copy, fleet/],
    [["--path"], /--path needs the path fast-check printed/],
    [["--fast"], /unknown argument "--fast"/],
  ])("refuses %j with the usage", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
    expect(() => parseArgs(argv)).toThrow(/usage: npm run fuzz --/);
  });
});
