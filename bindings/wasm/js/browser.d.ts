// Types of browser.js (the IndexedDB and proving-key cache helpers).
import type { NodeWallet, ProvingKeys } from "../pkg-web/superzk_wasm.js";

/** A saved wallet. */
export interface SavedWallet { image: Uint8Array; mnemonic: string; savedAt: number; }
/** The package's `web` module. */
export type SuperZK = typeof import("../pkg-web/superzk_wasm.js");

export function loadWallet(name: string): Promise<SavedWallet | undefined>;
export function saveWallet(name: string, wallet: NodeWallet): Promise<void>;
export function deleteWallet(name: string): Promise<void>;
export function openSavedWallet(zk: SuperZK, name: string, nodeUrl: string): Promise<NodeWallet | undefined>;
export function loadProvingKeys(
  zk: SuperZK,
  options: {
    baseUrl: string | URL;
    pinned: Record<string, string>;
    circuits?: string[];
    onStatus?: (text: string) => void;
  },
): Promise<ProvingKeys>;
