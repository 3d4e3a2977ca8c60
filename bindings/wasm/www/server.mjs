// A small static server for the wallet page: serves bindings/wasm (the
// page, the package, the proving keys) cross-origin isolated (COOP/COEP,
// which Wasm threads need), and forwards `/grpc/*` to the node's gRPC-web
// endpoint, so the page and the node share an origin (no CORS).
//
//   node www/server.mjs --node http://127.0.0.1:PORT [--port 8080]
//
// Prints `listening http://127.0.0.1:PORT` once it listens. Importable:
// `serve({ root, node, port })` resolves to the server.
import { createServer, request } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".pk": "application/octet-stream",
  ".png": "image/png",
};

const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
};

function forward(node, req, res) {
  const target = new URL(req.url.slice("/grpc".length) || "/", node);
  const headers = { ...req.headers, host: target.host };
  const up = request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...ISOLATION });
    answer.pipe(res);
  });
  up.on("error", (e) => {
    if (!res.headersSent) res.writeHead(502, ISOLATION);
    res.end(`the node at ${node} did not answer: ${e.message}`);
  });
  req.pipe(up);
}

export function serve({ root, node, port = 0, host = "127.0.0.1" }) {
  const server = createServer(async (req, res) => {
    if (req.url.startsWith("/grpc/")) return forward(node, req, res);
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(root, path);
    if (!file.startsWith(root + sep) && file !== root) return res.writeHead(403, ISOLATION).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-cache",
        ...ISOLATION,
      }).end(body);
    } catch {
      res.writeHead(404, ISOLATION).end("not found");
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const node = arg("--node");
  if (!node) {
    console.error("usage: node www/server.mjs --node http://127.0.0.1:PORT [--port 8080]");
    process.exit(2);
  }
  const server = await serve({
    root: join(dirname(fileURLToPath(import.meta.url)), ".."),
    node,
    port: Number(arg("--port", "8080")),
  });
  console.log(`listening http://127.0.0.1:${server.address().port}/www/index.html`);
}
