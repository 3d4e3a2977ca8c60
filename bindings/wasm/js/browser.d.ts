// Types of browser.js (the encrypted IndexedDB store and the proving-key cache).
import type { NodeWallet, ProvingKeys } from "../pkg-web/superzk_wasm.js";

/** Bytes sealed with AES-256-GCM. */
export interface Sealed { iv: Uint8Array; data: Uint8Array; }
/** The key derivation of a saved wallet. */
export interface Kdf { name: "PBKDF2-SHA-256"; iterations: number; salt: Uint8Array; }
/** A saved wallet, as stored: the mnemonic and the database image, each sealed. */
export interface SavedWallet { version: 2; kdf: Kdf; secret: Sealed; image: Sealed; savedAt: number; }
/** The key a wallet is saved under (non-extractable), and how it was derived. */
export interface WalletLock { key: CryptoKey; kdf: Kdf; }
/** A saved wallet, decrypted. */
export interface UnlockedWallet { mnemonic: string; image: Uint8Array; lock: WalletLock; }
/** The package's `web` module. */
export type SuperZK = typeof import("../pkg-web/superzk_wasm.js");

export function createLock(passphrase: string): Promise<WalletLock>;
export function loadWallet(name: string): Promise<SavedWallet | undefined>;
export function saveWallet(name: string, wallet: NodeWallet, lock: WalletLock): Promise<void>;
export function deleteWallet(name: string): Promise<void>;
export function unlockWallet(name: string, passphrase: string): Promise<UnlockedWallet | undefined>;
export function openSavedWallet(
  zk: SuperZK,
  name: string,
  nodeUrl: string,
  passphrase: string,
): Promise<{ wallet: NodeWallet; lock: WalletLock } | undefined>;
export function loadProvingKeys(
  zk: SuperZK,
  options: {
    baseUrl: string | URL;
    pinned: Record<string, string>;
    circuits?: string[];
    onStatus?: (text: string) => void;
  },
): Promise<ProvingKeys>;
