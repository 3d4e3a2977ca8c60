// The wallet page. URL parameters: `wallet` (the name it is saved under,
// default "default"), `node` (the node's gRPC-web endpoint, default
// `/grpc` on this origin, which the server forwards), `keys` (where the
// proving keys are, default ../artifacts/keys/).
import init, * as zk from "../pkg-web/superzk_wasm.js";
import { loadProvingKeys, openSavedWallet, saveWallet, deleteWallet } from "../js/browser.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const NAME = params.get("wallet") ?? "default";
const NODE = new URL(params.get("node") ?? "/grpc", location.href).href.replace(/\/$/, "");
const KEYS = new URL(params.get("keys") ?? "../artifacts/keys/", location.href);

let wallet;

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
    setState("error", `error (${e?.kind ?? e?.name})`);
  } finally {
    for (const b of document.querySelectorAll("button")) b.disabled = false;
  }
}

function render() {
  $("setup").hidden = !!wallet;
  $("wallet").hidden = !wallet;
  if (!wallet) return;
  $("address").textContent = wallet.address();
  $("mnemonic").textContent = wallet.mnemonic();
  $("scanned").textContent = String(wallet.scannedHeight());
  if ($("tip").textContent === "?") $("tip").textContent = "(sync to see)";
  const balances = wallet.balances();
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
  const started = performance.now();
  const last = await wallet.sync((r) => {
    $("tip").textContent = String(r.tipHeight);
    $("scanned").textContent = String(r.scannedHeight);
    $("sync-progress").max = Math.max(r.tipHeight, 1);
    $("sync-progress").value = r.scannedHeight;
  });
  $("tip").textContent = String(last.tipHeight);
  $("sync-progress").max = Math.max(last.tipHeight, 1);
  $("sync-progress").value = last.scannedHeight;
  await saveWallet(NAME, wallet);
  render();
  $("status").textContent = `synced to ${last.scannedHeight} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  setState("synced");
}

let pinned;
async function provingKeys() {
  pinned ??= await (await fetch(new URL("keys.sha256.json", KEYS), { cache: "no-store" })).json();
  return loadProvingKeys(zk, { baseUrl: KEYS, pinned, onStatus: (t) => ($("status").textContent = t) });
}

async function send() {
  const to = $("send-to").value.trim();
  const amount = BigInt($("send-amount").value || "0");
  const memo = $("send-memo").value;
  const keys = await provingKeys();
  // The payment expires a number of blocks after the last synced one.
  await wallet.sync();
  $("status").textContent = "proving…";
  // Let the page paint before proving holds the thread.
  await new Promise((ok) => setTimeout(ok, 50));
  const txid = await wallet.send(to, amount, undefined, memo || undefined, keys);
  keys.free();
  await saveWallet(NAME, wallet);
  $("txid").textContent = txid;
  render();
  setState("sent");
  for (let i = 0; i < 600; i++) {
    const s = await wallet.status(txid);
    $("tx-state").textContent = s.state;
    $("tx-state").dataset.state = s.state;
    if (s.state !== "pending") break;
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

async function main() {
  await init();
  wallet = await openSavedWallet(zk, NAME, NODE);
  render();
  setState(wallet ? "ready" : "none", wallet ? "ready" : "no wallet yet");
}

$("create").onclick = () =>
  guarded("creating", async () => {
    wallet = await zk.NodeWallet.create(NODE, undefined, undefined);
    await saveWallet(NAME, wallet);
    render();
    setState("ready");
  });
$("restore").onclick = () =>
  guarded("restoring", async () => {
    const birthday = Number($("restore-birthday").value || 0);
    wallet = await zk.NodeWallet.create(NODE, $("restore-phrase").value.trim(), birthday);
    await saveWallet(NAME, wallet);
    render();
    setState("ready");
  });
$("sync").onclick = () => guarded("syncing", sync);
$("send").onclick = () => guarded("sending", send);
$("forget").onclick = () =>
  guarded("forgetting", async () => {
    await deleteWallet(NAME);
    wallet?.free();
    wallet = undefined;
    render();
    setState("none", "no wallet yet");
  });

guarded("loading", main);
