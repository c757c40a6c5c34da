// Prints the DMMF (Prisma's own JSON description of a schema.prisma: models,
// fields, enums, indexes) of the schema file given as argv[2], using Prisma's
// schema parser, the npm package @prisma/prisma-schema-wasm.  Run by
// compiler/prisma_schema.py; argv[3..] are extra folders to find the package in.
//
// Output (stdout, one JSON line): {"ok": true, "dmmf": {...}} or
// {"ok": false, "missing": true} when the package cannot be found, or
// {"ok": false, "error": "<Prisma's message>"} when the schema is invalid.
"use strict";
const fs = require("fs");
const path = require("path");

function out(value) {
  process.stdout.write(JSON.stringify(value) + "\n");
}

const file = process.argv[2];
const extra = process.argv.slice(3);
let wasm;
try {
  const where = require.resolve("@prisma/prisma-schema-wasm", {
    paths: [...extra, path.dirname(path.resolve(file)), process.cwd()],
  });
  wasm = require(where);
} catch (err) {
  out({ ok: false, missing: true, detail: String(err && err.message ? err.message : err) });
  process.exit(0);
}
let text;
try {
  text = fs.readFileSync(file, "utf8");
} catch (err) {
  out({ ok: false, error: "cannot read the schema: " + String(err.message) });
  process.exit(0);
}
try {
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: text })));
  out({ ok: true, dmmf: dmmf.datamodel });
} catch (err) {
  let message = String(err && err.message ? err.message : err);
  try {
    const parsed = JSON.parse(message);
    message = parsed.message || message;
  } catch (_) {
    // not Prisma's JSON error: keep the text as it is
  }
  out({ ok: false, error: message });
}
