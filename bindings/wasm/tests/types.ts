// Compiled by test.sh with `tsc --noEmit --strict` (never run): checks that
// the package's TypeScript definitions describe the wallet API as a page
// uses it, and refuse misuse (each `@ts-expect-error` must be an error).
import init, * as zk from "../pkg-web/superzk_wasm.js";
import { createLock, loadProvingKeys, openSavedWallet, saveWallet, type WalletLock } from "../js/browser.js";

export async function page(pinned: Record<string, string>): Promise<string> {
  await init();
  const saved = await openSavedWallet(zk, "main", "/grpc", "passphrase");
  const w: zk.NodeWallet = saved?.wallet ?? (await zk.NodeWallet.create("/grpc", undefined, 0));
  const lock: WalletLock = saved?.lock ?? (await createLock("passphrase"));
  const last: zk.SyncReport = await w.sync((r: zk.SyncReport) => console.log(r.scannedHeight / r.tipHeight));
  const balances: zk.WalletBalance[] = w.balances();
  const spendable: bigint = balances[0]?.spendable ?? 0n;
  await saveWallet("main", w, lock);
  // @ts-expect-error a wallet is saved under its lock
  await saveWallet("main", w);
  const keys: zk.ProvingKeys = await loadProvingKeys(zk, { baseUrl: "/keys/", pinned });
  const txid: string = await w.send(w.address(), spendable / 2n, undefined, "memo", keys,
    (stage: string, done: number, total: number) => console.log(stage, done / total), "progress-channel");
  const state: zk.TxState = await w.status(txid);
  if (state.state === "mined") console.log(state.height + last.tipHeight);
  // @ts-expect-error amounts are bigint, not number
  await w.send(w.address(), 5, undefined, undefined, keys);
  // @ts-expect-error a sync report has no balance
  console.log(last.balance);
  const bytes: Uint8Array = w.toBytes();
  return `${bytes.length}`;
}
