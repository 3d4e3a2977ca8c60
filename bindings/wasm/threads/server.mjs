// A small static server for bindings/wasm that makes its pages cross-origin
// isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-
// Policy: require-corp), which browsers require before they give a page
// SharedArrayBuffer and so Wasm threads. `isolated: false` serves the same
// files without those headers (what a page gets on an ordinary host: the
// threaded build cannot start there).
//
//   node threads/server.mjs [port]     serves bindings/wasm, prints the URL
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".pk": "application/octet-stream",
  ".json": "application/json",
};

export const ISOLATION_HEADERS = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** Serves `root` on 127.0.0.1 (a port the OS picks unless `port` is given); resolves to { url, close }. */
export async function serve(root, { isolated = true, port = 0 } = {}) {
  const base = normalize(root + sep);
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      return res.writeHead(400).end("bad path");
    }
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return res.writeHead(403).end("outside the served folder");
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-store",
          ...(isolated ? ISOLATION_HEADERS : {}),
        })
        .end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok, fail) => server.once("error", fail).listen(port, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
  const { url } = await serve(root, { port: Number(process.argv[2] ?? 8080) });
  console.log(`serving ${root} cross-origin isolated at ${url} (benchmark: ${url}threads/bench.html)`);
}
