#!/usr/bin/env node
// Validates glTF/GLB files with the Khronos glTF Validator installed under .tools/
// (see validate-gltf.sh, which installs the pinned version first).
// Usage: node scripts/validate-gltf.mjs FILE...
// Prints one summary line per file plus every error and warning with its JSON pointer;
// exits 1 if any file has errors (or cannot be read), 0 otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, ".tools", "package.json"));
let validator;
try {
  validator = require("gltf-validator");
} catch (e) {
  console.error(`validate-gltf: cannot load gltf-validator from ${join(root, ".tools")}: ${e.message}`);
  console.error("validate-gltf: run scripts/validate-gltf.sh, which installs it");
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: validate-gltf.mjs FILE...");
  process.exit(2);
}

const SEVERITY = ["error", "warning", "info", "hint"];
let failed = false;
for (const file of files) {
  let bytes;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    console.log(`${file}: FAIL cannot read: ${e.message}`);
    failed = true;
    continue;
  }
  let report;
  try {
    report = await validator.validateBytes(bytes, {
      uri: basename(file),
      maxIssues: 0,
      writeTimestamp: false,
    });
  } catch (e) {
    console.log(`${file}: FAIL validator rejected input: ${e}`);
    failed = true;
    continue;
  }
  const is = report.issues;
  const info = report.info || {};
  const ok = is.numErrors === 0;
  if (!ok) failed = true;
  console.log(
    `${file}: ${ok ? "OK" : "FAIL"} ${bytes.length} bytes, ` +
      `${is.numErrors} errors, ${is.numWarnings} warnings, ${is.numInfos} infos, ${is.numHints} hints; ` +
      `${info.totalVertexCount ?? "?"} vertices, ${info.totalTriangleCount ?? "?"} triangles, ` +
      `${info.drawCallCount ?? "?"} draw calls (validator ${report.validatorVersion})`,
  );
  for (const m of is.messages) {
    if (m.severity <= 1) {
      console.log(`  ${SEVERITY[m.severity]} ${m.code} ${m.pointer ?? ""}: ${m.message}`);
    }
  }
}
process.exit(failed ? 1 : 0);
