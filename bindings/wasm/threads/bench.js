// The threads benchmark page (bench.html, served by server.mjs): proves one
// Spend in fresh module Workers, one per configuration, and shows the times.
// On a cross-origin isolated page: the single-threaded build (pkg-web), the
// threaded build (pkg-web-threads) with a pool of 1, and with a pool of
// navigator.hardwareConcurrency. On a page that is not isolated the threaded
// build cannot get shared memory: the page checks that starting it fails and
// that it said so (what a wallet page must fall back from).
//
// Query: ?runs=N (default 3), &threads=N (default hardwareConcurrency).
const q = new URLSearchParams(location.search);
const runs = Number(q.get("runs") ?? 3);
const cores = navigator.hardwareConcurrency;
const threads = Number(q.get("threads") ?? cores);
const keys = new URL("../artifacts/keys/", location.href).href;
const $ = (id) => document.getElementById(id);
$("isolated").textContent = String(crossOriginIsolated);
$("cores").textContent = String(cores);
$("runs").textContent = String(runs);

/** Runs one configuration in a fresh Worker; resolves to its report. */
function run(pkg, poolThreads, n) {
  return new Promise((resolve) => {
    const w = new Worker(new URL("prove-worker.js", location.href), { type: "module" });
    const done = (report) => {
      w.terminate();
      resolve(report);
    };
    w.onmessage = ({ data }) => done(data);
    w.onerror = (e) => done({ ok: false, pkg, threads: poolThreads, error: `worker error: ${e.message}` });
    w.postMessage({ pkg, threads: poolThreads, runs: n, keys });
  });
}

function show(r) {
  const tr = document.createElement("tr");
  const best = r.ok && r.spendS.length ? `${Math.min(...r.spendS).toFixed(3)} s` : r.ok ? "-" : r.error;
  for (const cell of [r.pkg, r.threads || "none", r.ok ? r.poolSize : "-", best]) {
    tr.append(Object.assign(document.createElement("td"), { textContent: String(cell) }));
  }
  $("rows").append(tr);
}

const reports = [];
try {
  // &pkgs=pkg:threads,… picks the configurations (for experiments).
  const chosen = q.get("pkgs")?.split(",").map((c) => [c.split(":")[0], Number(c.split(":")[1] ?? 0), runs]);
  const plan = crossOriginIsolated
    ? chosen ?? [["pkg-web", 0, runs], ["pkg-web-threads", 1, runs], ["pkg-web-threads", threads, runs]]
    : [["pkg-web-threads", threads, 0]];
  for (const [pkg, t, n] of plan) {
    const r = await run(pkg, t, n);
    console.log(`${pkg} threads=${t}: ${JSON.stringify(r)}`);
    reports.push(r);
    show(r);
  }
  $("json").textContent = JSON.stringify({ crossOriginIsolated, cores, runs, threads, reports });
  $("result").textContent = "done";
  $("result").dataset.state = "done";
} catch (e) {
  $("result").textContent = `error: ${e.message}`;
  $("result").dataset.state = "error";
}
