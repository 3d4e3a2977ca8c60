// A real devnet node for the wallet tests: `superzk node run` on loopback
// (a port the system picks, read back from DATA_DIR/node.addr), mining with
// a short block interval; and the CLI faucet that pays an address from the
// devnet's well-known `devnet:alice` account.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { superzkBin } from "./common.mjs";

const run = promisify(execFile);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Starts a devnet node (mining unless `mine` is false) in a new directory,
 * or in `dataDir` (a previous node's `dir`); resolves to `{ url, dir, stop() }`.
 */
export async function startNode({ blockIntervalMs = 300, extra = [], dataDir, mine = true } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "superzk-wasm-node-"));
  rmSync(join(dir, "data", "node.addr"), { force: true });
  const log = openSync(join(dir, "node.log"), "a");
  const child = spawn(
    superzkBin,
    ["node", "run", "--listen", "127.0.0.1:0", "--data-dir", join(dir, "data"), ...(mine ? ["--mine"] : []),
      "--block-interval-ms", String(blockIntervalMs), ...extra],
    { stdio: ["ignore", log, log] },
  );
  let exited;
  const gone = new Promise((ok) => child.on("exit", (code) => ok((exited = code))));
  /** Stops the node; resolves once it has exited. */
  const stop = () => {
    if (exited === undefined) child.kill("SIGTERM");
    return gone;
  };
  process.on("exit", stop);
  for (let i = 0; i < 300; i++) {
    if (exited !== undefined) throw new Error(`the node exited (${exited}): ${readFileSync(join(dir, "node.log"), "utf8")}`);
    try {
      const addr = readFileSync(join(dir, "data", "node.addr"), "utf8");
      if (addr.endsWith("\n")) return { url: addr.trim(), dir, stop, log: join(dir, "node.log") };
    } catch {}
    await sleep(100);
  }
  stop();
  throw new Error("the node did not publish its address within 30 s");
}

/** Pays `amount` SERO (coins) to `address` from devnet:alice and waits until it is mined. */
export async function faucet(url, address, amount, dir) {
  const { stdout } = await run(
    superzkBin,
    ["wallet", "--wallet-dir", join(dir, "unused-wallet"), "faucet", "--node", url, "--from", "devnet:alice",
      "--amount", String(amount), "--to", address],
    { timeout: 180_000 },
  );
  return stdout;
}
