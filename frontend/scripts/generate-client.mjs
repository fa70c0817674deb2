// Generates src/client/ from the backend's OpenAPI schema, read by importing the FastAPI app (no server).
//   node scripts/generate-client.mjs          rewrite src/client/
//   node scripts/generate-client.mjs --check  exit 1 when src/client/ differs from what the schema gives
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(frontend, "..");
const target = join(frontend, "src", "client");
const python = process.env.VIGIL_PYTHON ?? join(repo, ".venv", "bin", "python");
const check = process.argv.includes("--check");

const DUMP_SCHEMA = [
  "import json, sys",
  "from vigil.api.app import create_app",
  "json.dump(create_app().openapi(), sys.stdout, indent=2, sort_keys=True)",
].join("\n");

function schemaJson() {
  // A fixed environment: the schema must not depend on whoever runs this.
  const env = { ...process.env, VIGIL_ENV: "test", VIGIL_SECRET_KEY: "x".repeat(48) };
  return execFileSync(python, ["-c", DUMP_SCHEMA], { cwd: repo, env, maxBuffer: 64 << 20 });
}

function generate(schemaPath, output) {
  const bin = join(frontend, "node_modules", ".bin", "openapi-ts");
  const run = spawnSync(bin, ["-i", schemaPath, "-o", output, "-c", "@hey-api/client-fetch"], {
    cwd: frontend,
    encoding: "utf8",
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`openapi-ts failed (${run.status})`);
  }
}

function files(dir) {
  if (!existsSync(dir)) return new Map();
  const found = new Map();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(relative(dir, path), readFileSync(path, "utf8"));
  }
  return found;
}

const work = mkdtempSync(join(tmpdir(), "vigil-client-"));
try {
  const schemaPath = join(work, "openapi.json");
  writeFileSync(schemaPath, schemaJson());
  const output = check ? join(work, "client") : target;
  if (!check) rmSync(target, { recursive: true, force: true });
  generate(schemaPath, output);
  if (!check) {
    console.log(`generated ${relative(repo, target)}/ from the backend's schema`);
    process.exit(0);
  }
  const want = files(output);
  const have = files(target);
  const differing = [...new Set([...want.keys(), ...have.keys()])]
    .filter((name) => want.get(name) !== have.get(name))
    .sort();
  if (differing.length === 0) {
    console.log(`${relative(repo, target)}/ matches the backend's schema`);
    process.exit(0);
  }
  console.error(
    `frontend/src/client/ is out of date with the backend's OpenAPI schema: ${differing.join(", ")}`,
  );
  const diff = spawnSync("diff", ["-ru", target, output], { encoding: "utf8", maxBuffer: 64 << 20 });
  const lines = diff.stdout.split("\n");
  console.error(
    lines.slice(0, 120).join("\n") + (lines.length > 120 ? `\n… ${lines.length - 120} more lines` : ""),
  );
  console.error("run `make frontend-client` (or `npm run generate` in frontend/) and commit the result");
  process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
