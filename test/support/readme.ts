// The README's fenced code blocks, for the tests that run or check them (test/e2e/readme.test.ts lists which).
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../scripts/engine";

export interface ReadmeBlock {
  /** The heading of the innermost section holding the block, e.g. "## Quick start". */
  readonly section: string;
  readonly lang: string;
  readonly text: string;
}

export function readmeBlocks(): ReadmeBlock[] {
  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
  const blocks: ReadmeBlock[] = [];
  let section = "";
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of readme.split("\n")) {
    if (open !== undefined) {
      if (line === "```") {
        blocks.push({ section, lang: open.lang, text: `${open.lines.join("\n")}\n` });
        open = undefined;
      } else open.lines.push(line);
    } else if (line.startsWith("```")) open = { lang: line.slice(3), lines: [] };
    else if (/^#{1,6} /.test(line)) section = line;
  }
  if (open !== undefined) throw new Error("README.md has an unclosed code block");
  return blocks;
}

/** The blocks of one section, in order. */
export function sectionBlocks(section: string): ReadmeBlock[] {
  return readmeBlocks().filter((b) => b.section === section);
}

/** The commands of a shell block: lines split at `&&`, comments and blank lines dropped. */
export function shellCommands(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/\s#.*$/, "").trim())
    .filter((line) => line !== "")
    .flatMap((line) => line.split("&&").map((c) => c.trim()));
}

/**
 * A sample output line as a pattern: "..." stands for anything, and with `numbers` every number for any number
 * (the figures of a benchmark differ from run to run; their shape does not).
 */
export function samplePattern(sample: string, options: { numbers?: boolean } = {}): RegExp {
  const parts = sample
    .trim()
    .split("...")
    .map((part) => {
      const escaped = part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return options.numbers ? escaped.replace(/\d+(\\\.\d+)?/g, "\\d+(?:\\.\\d+)?") : escaped;
    });
  return new RegExp(parts.join(".*"));
}
