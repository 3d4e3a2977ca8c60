// Shared by the Node tests: the wasm-bindgen package built for Node, the
// fixtures, the demo proving keys (written by the demo_keys example) and the
// native `superzk` binary.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..", "..");
export const wasmDir = join(here, "..");
export const zk = createRequire(import.meta.url)(join(wasmDir, "pkg-node", "superzk_wasm.js"));

export const fixturesDir = join(root, "fixtures");
export const manifest = JSON.parse(readFileSync(join(fixturesDir, "manifest.json"), "utf8"));
export const fixture = (name) => new Uint8Array(readFileSync(join(fixturesDir, name)));

export const keysDir = process.env.SUPERZK_WASM_KEYS ?? join(wasmDir, "artifacts", "keys");
export const superzkBin = process.env.SUPERZK_BIN ?? join(root, "target", "release", "superzk");

/** Proving keys with only the given circuits' keys added (bytes read from files, as a page would fetch them). */
export function provingKeys(...circuits) {
  const keys = new zk.ProvingKeys();
  for (const c of circuits) keys.add(new Uint8Array(readFileSync(join(keysDir, `${c}.pk`))));
  return keys;
}

/** Runs `f` and returns what it threw (failing if it did not throw). */
export function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an exception, none was thrown");
}

export const utf8 = (s) => new TextEncoder().encode(s);
