// The wallet page: the interface only. The wallet itself (the Wasm module,
// syncing, proving, the IndexedDB copy) lives in `wallet-worker.js`, so
// this thread never blocks: the page keeps painting and shows proof
// progress (k of n) while a payment is proven.
//
// URL parameters: `wallet` (the name it is saved under, default
// "default"), `node` (the node's gRPC-web endpoint, default `/grpc` on this
// origin, which the server forwards), `keys` (where the proving keys are,
// default ../artifacts/keys/), `build` (`auto`: the threaded build on a
// cross-origin isolated page, else the single-threaded one; or `threads`,
// `single`).
//
// States (`#state[data-state]`): loading, none (no wallet saved), locked (a
// saved wallet waits for its passphrase), ready, syncing, synced, sending,
// sent, error.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const NAME = params.get("wallet") ?? "default";
const NODE = new URL(params.get("node") ?? "/grpc", location.href).href.replace(/\/$/, "");
const KEYS = new URL(params.get("keys") ?? "../artifacts/keys/", location.href).href;
const BUILD = params.get("build") ?? "auto";
// Proof progress from the worker and from the proving pool's threads.
const PROGRESS_CHANNEL = `superzk-proof-progress-${crypto.getRandomValues(new Uint32Array(4)).join("-")}`;

const worker = new Worker(new URL("wallet-worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 1;
let view = null;
let locked = false;

/** Asks the worker to run `op`; resolves to its result, rejects with its error. */
function call(op, args) {
  const id = nextId++;
  return new Promise((ok, fail) => {
    pending.set(id, { ok, fail });
    worker.postMessage({ id, op, args });
  });
}

function showProof(done, total) {
  // Reports can arrive twice (worker and channel) or out of order: keep the furthest.
  const bar = $("proof-progress");
  if (Number(bar.dataset.total) === total && Number(bar.dataset.done) >= done) return;
  bar.dataset.done = String(done);
  bar.dataset.total = String(total);
  bar.max = Math.max(total, 1);
  bar.value = done;
  $("proof-text").textContent = `${done} of ${total}`;
}

function showSync(r) {
  $("tip").textContent = String(r.tipHeight);
  $("scanned").textContent = String(r.scannedHeight);
  $("sync-progress").max = Math.max(r.tipHeight, 1);
  $("sync-progress").value = r.scannedHeight;
}

worker.onmessage = ({ data }) => {
  if (data.id !== undefined) {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) p?.ok(data.result);
    else p?.fail(Object.assign(new Error(data.error.message), data.error));
    return;
  }
  if (data.type === "status") $("status").textContent = data.text;
  else if (data.type === "sync") showSync(data.report);
  else if (data.type === "proof") showProof(data.done, data.total);
};
worker.onerror = (e) => {
  showError({ name: "WorkerError", kind: "Crashed", message: e.message });
  setState("error", "error (worker)");
};
new BroadcastChannel(PROGRESS_CHANNEL).onmessage = ({ data }) => showProof(data.done, data.total);

function setState(state, text = state) {
  $("state").dataset.state = state;
  $("state").textContent = text;
}

function showError(e) {
  // Structured errors: name, kind and fields, shown and kept for tests.
  const fields = e?.fields ?? {};
  $("error").dataset.kind = e?.kind ?? "";
  $("error").dataset.name = e?.name ?? "";
  $("error").dataset.fields = JSON.stringify(fields, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  $("error").textContent = `${e?.name ?? "Error"} (${e?.kind ?? "?"}): ${e?.message ?? e}`;
}

function clearError() {
  $("error").textContent = "";
  $("error").dataset.kind = "";
}

/** Runs `f` with the buttons disabled; shows what it throws. */
async function guarded(state, f) {
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  clearError();
  setState(state);
  try {
    await f();
  } catch (e) {
    console.log(`error: ${e?.name} ${e?.kind} ${e?.message}`);
    showError(e);
    setState("error", `error (${e?.kind || e?.name})`);
  } finally {
    for (const b of document.querySelectorAll("button")) b.disabled = false;
  }
}

function render(next) {
  view = next;
  if (view) locked = false;
  $("unlock-section").hidden = !locked;
  $("setup").hidden = !!view || locked;
  $("wallet").hidden = !view;
  if (!view) return;
  $("address").textContent = view.address;
  $("mnemonic").textContent = view.mnemonic;
  $("scanned").textContent = String(view.scannedHeight);
  if ($("tip").textContent === "?") $("tip").textContent = "(sync to see)";
  const balances = view.balances;
  $("balances").replaceChildren(
    ...(balances.length ? balances : [{ asset: "SERO", spendable: 0n, pending: 0n }]).map((b) => {
      const li = document.createElement("li");
      li.dataset.asset = b.asset;
      li.dataset.spendable = String(b.spendable);
      li.dataset.pending = String(b.pending);
      li.textContent = `${b.spendable} ${b.asset}` + (b.pending ? ` (+${b.pending} pending)` : "");
      return li;
    }),
  );
}

async function sync() {
  const { report, seconds, view: next } = await call("sync");
  showSync(report);
  render(next);
  $("status").textContent = `synced to ${report.scannedHeight} in ${seconds.toFixed(1)} s`;
  setState("synced");
}

async function send() {
  const to = $("send-to").value.trim();
  const amount = BigInt($("send-amount").value || "0");
  const memo = $("send-memo").value;
  $("proof-progress").value = 0;
  $("proof-progress").dataset.done = "";
  $("proof-progress").dataset.total = "";
  $("proof-text").textContent = "–";
  const { txid, seconds, view: next } = await call("send", { to, amount, memo });
  $("txid").textContent = txid;
  $("status").textContent = `proven and sent in ${seconds.toFixed(1)} s`;
  render(next);
  setState("sent");
  for (let i = 0; i < 600; i++) {
    const s = await call("status", { txid });
    $("tx-state").textContent = s.state;
    $("tx-state").dataset.state = s.state;
    if (s.state !== "pending") break;
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

async function main() {
  const started = await call("init", { node: NODE, name: NAME, keys: KEYS, build: BUILD, progressChannel: PROGRESS_CHANNEL });
  $("build").dataset.build = started.build;
  $("build").dataset.threads = String(started.threads);
  $("build").textContent = started.build === "threads" ? `${started.threads} threads` : "one thread";
  locked = started.locked;
  render(null);
  setState(locked ? "locked" : "none", locked ? "locked: enter the passphrase" : "no wallet yet");
}

/** The passphrase typed in `id`, cleared from the page once read. */
function takePassphrase(id) {
  const passphrase = $(id).value;
  $(id).value = "";
  return passphrase;
}

$("unlock").onclick = () =>
  guarded("unlocking", async () => {
    render(await call("unlock", { passphrase: takePassphrase("unlock-passphrase") }));
    setState("ready");
  });
$("create").onclick = () =>
  guarded("creating", async () => {
    render(await call("create", { passphrase: takePassphrase("new-passphrase") }));
    setState("ready");
  });
$("restore").onclick = () =>
  guarded("restoring", async () => {
    const birthday = Number($("restore-birthday").value || 0);
    const phrase = $("restore-phrase").value.trim();
    render(await call("restore", { phrase, birthday, passphrase: takePassphrase("new-passphrase") }));
    $("restore-phrase").value = "";
    setState("ready");
  });
$("sync").onclick = () => guarded("syncing", sync);
$("send").onclick = () => guarded("sending", send);
$("forget").onclick = $("forget-locked").onclick = () =>
  guarded("forgetting", async () => {
    locked = false;
    render(await call("forget"));
    setState("none", "no wallet yet");
  });

guarded("loading", main);
