// SuperZK's wallet engine from Swift (async/await), against a real node:
// two wallets (one new, one restored), funded by the devnet faucet, synced
// with progress, a private transfer in four separate steps and a ticket sent
// in one call, a package sealed, passed on and opened, balances, tickets,
// packages and history checked on both sides, a proof cancelled from its
// progress callback with nothing left locked, a sync cancelled from its
// listener and resumed to the tip, reads and writes (fresh addresses) from
// the listeners, a second sync refused while one runs, bad input refused
// with its structured error, and the node stopped with SIGTERM (it must exit
// 0 by itself, though Foundation starts it with every signal blocked).
// Environment: SUPERZK_BIN (the `superzk` binary: node and faucet),
// SUPERZK_PARAMS_DIR (the parameter cache).

import Foundation
#if canImport(SuperZK)
import SuperZK
#endif

let coin: UInt64 = 1_000_000
let mineTimeout: UInt64 = 120
let seroAsset = Asset.currency(name: "SERO")
let bobMnemonic = "legal winner thank year wave sausage worth useful legal winner thank year "
    + "wave sausage worth useful legal winner thank year wave sausage worth title"

/// Awaits `call`, which must throw the SuperzkError case `kind`; returns it.
@discardableResult
func raisesAsync<T>(_ name: String, _ kind: String, _ call: () async throws -> T) async -> SuperzkError? {
    do {
        _ = try await call()
        check("\(name): threw nothing", false)
    } catch let e as SuperzkError {
        check("\(name): threw \(kindOf(e)): \(e)", kindOf(e) == kind)
        return e
    } catch {
        check("\(name): threw \(error)", false)
    }
    return nil
}

/// Sync progress; optionally cancels `token` at the first batch, and from
/// the listener (the sync's thread) asks `wallet` for a fresh address and
/// tries a second sync of it, which must be refused at once.
final class SyncRecorder: SyncListener, @unchecked Sendable {
    private let lock = NSLock()
    private var list: [SyncProgress] = []
    private var made: [String] = []
    private var second: String?
    let wallet: Wallet?
    let token: CancelToken?
    let url: String?
    init(wallet: Wallet? = nil, token: CancelToken? = nil, url: String? = nil) {
        self.wallet = wallet; self.token = token; self.url = url
    }
    var events: [SyncProgress] { lock.lock(); defer { lock.unlock() }; return list }
    var addresses: [String] { lock.lock(); defer { lock.unlock() }; return made }
    var secondSync: String? { lock.lock(); defer { lock.unlock() }; return second }
    func onSyncProgress(progress: SyncProgress) {
        lock.lock(); list.append(progress); lock.unlock()
        token?.cancel()
        if let w = wallet, let a = try? w.newAddress() { lock.lock(); made.append(a); lock.unlock() }
        if let w = wallet, let u = url, secondSync == nil {
            // Started from this (non-async) callback and waited for.
            let done = DispatchSemaphore(value: 0)
            let outcome = Outcome()
            Task {
                do { _ = try await w.sync(nodeUrl: u, batchBlocks: nil, listener: nil, cancel: nil); outcome.set("ran") }
                catch SuperzkError.SyncInProgress { outcome.set("refused") }
                catch { outcome.set("\(error)") }
                done.signal()
            }
            done.wait()
            lock.lock(); second = outcome.get(); lock.unlock()
        }
    }
}

final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
    func get() -> String { lock.lock(); defer { lock.unlock() }; return value }
}

/// Proving progress; cancels `token` once `cancelAt` proofs are done, and
/// reads the wallet's balance from the proving thread.
final class ProofRecorder: ProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var list: [(String, UInt32, UInt32)] = []
    private var readList: [UInt64] = []
    let wallet: Wallet?
    let token: CancelToken?
    let cancelAt: UInt32
    let write: Bool
    private var writeList: [String] = []
    init(wallet: Wallet? = nil, token: CancelToken? = nil, cancelAt: UInt32 = 0, write: Bool = false) {
        self.wallet = wallet; self.token = token; self.cancelAt = cancelAt; self.write = write
    }
    var events: [(String, UInt32, UInt32)] { lock.lock(); defer { lock.unlock() }; return list }
    var reads: [UInt64] { lock.lock(); defer { lock.unlock() }; return readList }
    var writes: [String] { lock.lock(); defer { lock.unlock() }; return writeList }
    func onProgress(stage: String, step: UInt32, total: UInt32) {
        lock.lock(); list.append((stage, step, total)); lock.unlock()
        guard stage == "proving" else { return }
        if let w = wallet, let b = try? w.balance(asset: seroAsset) { lock.lock(); readList.append(b); lock.unlock() }
        if write, let w = wallet, let a = try? w.newAddress() { lock.lock(); writeList.append(a); lock.unlock() }
        if let t = token, step >= cancelAt { t.cancel() }
    }
}

func startNode(_ bin: String, _ tmp: URL) throws -> (Process, String) {
    let data = tmp.appendingPathComponent("node")
    let log = tmp.appendingPathComponent("node.log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let node = Process()
    node.executableURL = URL(fileURLWithPath: bin)
    node.arguments = ["node", "run", "--data-dir", data.path, "--listen", "127.0.0.1:0",
                      "--mine", "--block-interval-ms", "200"]
    node.standardOutput = FileHandle.nullDevice
    node.standardError = try FileHandle(forWritingTo: log)
    try node.run()
    let addr = data.appendingPathComponent("node.addr")
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if !node.isRunning { throw NSError(domain: "node exited; see \(log.path)", code: 1) }
        if let text = try? String(contentsOf: addr, encoding: .utf8), text.hasSuffix("\n") {
            return (node, text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    kill(node.processIdentifier, SIGKILL)
    throw NSError(domain: "the node did not publish its address within 30 s", code: 2)
}

/// SIGTERM, then the node must exit by itself with status 0 within 60 s.
/// Foundation starts it with every signal blocked (its spawning threads
/// block them and the child inherits the mask): the node unblocks SIGINT
/// and SIGTERM itself. Reaped with waitpid (Foundation's waitUntilExit
/// spins off the main thread on Linux); SIGKILL only if it hangs.
func stopNode(_ pid: Int32) {
    kill(pid, SIGTERM)
    var status: Int32 = 0
    let deadline = Date().addingTimeInterval(60)
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            check("the node stops on SIGTERM", false)
            return
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    // Exited normally (no signal in the low 7 bits) with code 0.
    check("the node stops on SIGTERM with status 0 (raw \(status))", status & 0x7f == 0 && (status >> 8) & 0xff == 0)
}

func faucet(_ bin: String, _ url: String, _ address: String, _ what: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: bin)
    p.arguments = ["wallet", "faucet", "--node", url, "--from", "devnet:alice", "--to", address] + what
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    check("faucet \(what)", p.terminationStatus == 0)
}

func pay(_ to: String, _ kind: PaymentKind, _ memo: Data = Data()) -> PaymentRequest {
    PaymentRequest(payments: [Payment(to: to, kind: kind, memo: memo)], openPackages: [], redeemTickets: [],
                   expiryDelta: nil)
}

func seroBalance(_ w: Wallet) throws -> Balance {
    try w.balances().first { $0.asset == seroAsset }!
}

func walletTests() async {
    let env = ProcessInfo.processInfo.environment
    let bin = env["SUPERZK_BIN"]!
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("superzk-swift-wallet-\(UUID())")
    do {
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let (node, url) = try startNode(bin, tmp)
        defer { stopNode(node.processIdentifier) }
        try await walletRun(bin, env["SUPERZK_PARAMS_DIR"]!, tmp, url)
    } catch {
        check("wallet: unexpected error: \(error)", false)
    }
}

func walletRun(_ bin: String, _ paramsDir: String, _ tmp: URL, _ url: String) async throws {
    let chain = try await fetchChainInfo(nodeUrl: url)
    check("the node is a devnet", chain.network == "devnet" && chain.genesisHash.count == 32)

    // Bad input, refused with its fields.
    var words = bobMnemonic.split(separator: " ").map(String.init)
    words[4] = "notaword"
    let wrongWord = words.joined(separator: " ")
    if case .InvalidMnemonic(let position, _, _) = await raisesAsync("a wrong mnemonic word", "InvalidMnemonic", {
        try checkMnemonic(mnemonic: wrongWord)
    }) {
        check("the wrong word's position", position == 5)
    } else { check("the wrong word's position: no error", false) }
    await raisesAsync("an unknown network", "UnknownNetwork") {
        try SpendingKey.fromMnemonic(mnemonic: bobMnemonic, network: "moonnet", account: 0)
    }
    let junk = Data("junk".utf8)
    await raisesAsync("garbage proving keys", "BadProvingKey") {
        try ProvingKeys.fromBytes(spend: junk, output: junk, packageSpend: junk, packageOutput: junk)
    }
    await raisesAsync("opening a missing wallet", "WalletNotFound") {
        try await openWallet(path: tmp.appendingPathComponent("none.sqlite").path, chain: chain)
    }
    await raisesAsync("an unreachable node", "NodeUnreachable") { try await fetchChainInfo(nodeUrl: "http://127.0.0.1:1") }

    // Two wallets: a new one and a restored one.
    let aliceMnemonic = generateMnemonic()
    check("24 words", aliceMnemonic.split(separator: " ").count == 24)
    let alicePath = tmp.appendingPathComponent("alice.sqlite").path
    let alice = try await createWallet(path: alicePath, chain: chain, mnemonic: aliceMnemonic, birthday: chain.tipHeight)
    let bob = try await createWallet(path: tmp.appendingPathComponent("bob.sqlite").path, chain: chain,
                                     mnemonic: bobMnemonic, birthday: 0)
    let aliceKey = try SpendingKey.fromMnemonic(mnemonic: aliceMnemonic, network: chain.network, account: 0)
    let bobKey = try SpendingKey.fromMnemonic(mnemonic: bobMnemonic, network: chain.network, account: 0)
    await raisesAsync("another mnemonic's key", "KeyMismatch") { try alice.checkKey(key: bobKey) }
    await raisesAsync("creating over an existing wallet", "WalletExists") {
        try await createWallet(path: alicePath, chain: chain, mnemonic: aliceMnemonic, birthday: 0)
    }
    let testnet = ChainInfo(network: "testnet", genesisHash: chain.genesisHash, tipHeight: 0)
    if case .WrongNetwork(let expected, let found) = await raisesAsync("opening for another network", "WrongNetwork", {
        try await openWallet(path: alicePath, chain: testnet)
    }) {
        check("the networks named", expected.contains("testnet") && found.contains("devnet"))
    } else { check("the networks named: no error", false) }
    let reopened = try await openWallet(path: alicePath, chain: chain)
    check("reopened, the same address", try reopened.address() == alice.address())
    let aliceAddress = try alice.address()
    let bobAddress = try bob.address()

    print("swift wallet: wallets made; funding")
    try faucet(bin, url, aliceAddress, ["--amount", "10"])
    try faucet(bin, url, aliceAddress, ["--issue-ticket", "concert"])
    print("swift wallet: funded; syncing")
    let recorder = SyncRecorder()
    let done = try await alice.sync(nodeUrl: url, batchBlocks: nil, listener: recorder, cancel: nil)
    check("sync reported progress", recorder.events.last?.scannedHeight == done.scannedHeight)
    check("sync found the notes", done.notesFound == 2)
    check("alice holds 10 SERO", try alice.balance(asset: seroAsset) == 10 * coin)
    let tickets = try alice.tickets()
    check("alice holds the ticket", tickets.count == 1 && tickets[0].category == "concert")
    _ = try await bob.sync(nodeUrl: url, batchBlocks: nil, listener: nil, cancel: nil)

    await raisesAsync("a malformed address", "InvalidAddress") {
        try await alice.propose(request: pay("szk1notanaddress", .currency(name: "SERO", amount: coin)))
    }
    let mainnet = SpendingKey.fromSeed(seed: Data("a mainnet wallet, 32 bytes long!".utf8), account: 0).address(index: 0)
    await raisesAsync("an address of another network", "WrongNetwork") {
        try await alice.propose(request: pay(mainnet, .currency(name: "SERO", amount: coin)))
    }
    if case .InsufficientFunds(let asset, let have, let need, _, _) = await raisesAsync("more than the balance", "InsufficientFunds", {
        try await alice.propose(request: pay(bobAddress, .currency(name: "SERO", amount: 1000 * coin)))
    }) {
        check("insufficient funds: have and need", asset == "SERO" && have == 10 * coin && need > 1000 * coin)
    } else { check("insufficient funds: no error", false) }

    print("swift wallet: refusals done; proving")
    let keys = ProvingKeys.insecureFromCache(dir: paramsDir, seed: Data("SuperZK insecure demo parameters v1".utf8))

    // Cancelled after the first proof, from the progress callback.
    let token = CancelToken()
    let cancelling = ProofRecorder(wallet: alice, token: token, cancelAt: 1)
    await raisesAsync("a cancelled send", "Cancelled") {
        try await alice.send(request: pay(bobAddress, .currency(name: "SERO", amount: coin)), key: aliceKey, keys: keys,
                             nodeUrl: url, listener: cancelling, cancel: token)
    }
    let proving = cancelling.events.filter { $0.0 == "proving" }
    check("cancelled between proofs", proving.contains { $0.1 >= 1 } && proving.allSatisfy { $0.1 < $0.2 })
    check("balance read while proving", (cancelling.reads.first ?? 10 * coin) < 10 * coin)
    let afterCancel = try seroBalance(alice)
    check("nothing left pending", afterCancel.pending == 0 && afterCancel.spendable == 10 * coin)

    print("swift wallet: cancelled; the transfer")
    // The transfer in four steps.
    let memo = Data("for the tickets".utf8)
    let proposal = try await alice.propose(request: pay(bobAddress, .currency(name: "SERO", amount: 3 * coin), memo))
    check("three proofs", proposal.proofCount == 3 && proposal.fee > 0)
    check("pending once proposed", try seroBalance(alice).pending == 10 * coin)
    let steps = ProofRecorder()
    let proven = try await alice.prove(pczt: proposal.pczt, keys: keys, listener: steps, cancel: nil)
    check("progress per proof", steps.events.filter { $0.0 == "proving" }.map { $0.1 }.sorted() == [0, 1, 2, 3])
    await raisesAsync("authorized with another key", "KeyMismatch") { try await alice.authorize(pczt: proven, key: bobKey) }
    let signed = try await alice.authorize(pczt: proven, key: aliceKey)
    let sent = try await alice.submit(pczt: signed, nodeUrl: url)
    let height = try await alice.waitMined(nodeUrl: url, txid: sent.txid, timeoutSeconds: mineTimeout)

    // The ticket in one call (after a sync: the fee comes from the change).
    _ = try await alice.sync(nodeUrl: url, batchBlocks: nil, listener: nil, cancel: nil)
    let sentTicket = try await alice.send(request: pay(bobAddress, .ticket(ticket: tickets[0])), key: aliceKey, keys: keys,
                                          nodeUrl: url, listener: nil, cancel: nil)
    _ = try await alice.waitMined(nodeUrl: url, txid: sentTicket.txid, timeoutSeconds: mineTimeout)

    print("swift wallet: sent; checking both sides")
    _ = try await alice.sync(nodeUrl: url, batchBlocks: nil, listener: nil, cancel: nil)
    _ = try await bob.sync(nodeUrl: url, batchBlocks: nil, listener: nil, cancel: nil)
    check("bob received 3 SERO", try bob.balance(asset: seroAsset) == 3 * coin)
    check("bob holds the ticket", try bob.tickets() == tickets)
    check("alice has no ticket left", try alice.tickets().isEmpty)
    check("alice paid 3 SERO and two fees", try alice.balance(asset: seroAsset) == 7 * coin - proposal.fee - sentTicket.fee)
    let received = try bob.history().flatMap { $0.received }
    check("bob's history: the memo", received.contains { $0.memo == memo && $0.contents[0].amount == 3 * coin })
    let entry = try alice.history().first { $0.txid == sent.txid }
    check("alice's history: mined, with its fee", entry?.minedHeight == height && entry?.fee == proposal.fee)
    check("alice's history: sent to bob", entry?.sent.contains { $0.recipient == bobAddress && $0.value == 3 * coin } == true)

    try await packages(url, keys, alice, aliceKey, bob, bobKey, tickets[0])
    try await syncCancelledAndResumed(tmp, url, chain, bob)
}

func holds(_ contents: [AssetAmount], _ asset: Asset, _ amount: UInt64) -> Bool {
    contents.contains { $0.asset == asset && $0.amount == amount }
}

func openRequest(_ id: Int64) -> PaymentRequest {
    PaymentRequest(payments: [], openPackages: [id], redeemTickets: [], expiryDelta: nil)
}

func sendMined(_ url: String, _ w: Wallet, _ key: SpendingKey, _ keys: ProvingKeys, _ request: PaymentRequest,
               _ listener: ProgressListener? = nil) async throws -> SentTransaction {
    let sent = try await w.send(request: request, key: key, keys: keys, nodeUrl: url, listener: listener, cancel: nil)
    _ = try await w.waitMined(nodeUrl: url, txid: sent.txid, timeoutSeconds: mineTimeout)
    return sent
}

func syncAll(_ url: String, _ wallets: Wallet...) async throws {
    for w in wallets { _ = try await w.sync(nodeUrl: url, batchBlocks: nil, listener: nil, cancel: nil) }
}

/// Bob seals 1 SERO and the ticket into a package for alice, alice passes
/// it on to bob unopened, bob opens it; both sides checked at each step.
func packages(_ url: String, _ keys: ProvingKeys, _ alice: Wallet, _ aliceKey: SpendingKey, _ bob: Wallet,
              _ bobKey: SpendingKey, _ ticket: TicketRef) async throws {
    print("swift wallet: packages")
    let aliceAddress = try alice.address()
    let bobAddress = try bob.address()
    let ticketAsset = Asset.ticket(category: ticket.category, id: ticket.id)
    if case .InsufficientFunds(_, let have, let need, _, _) = await raisesAsync("sealing more than held", "InsufficientFunds", {
        try await bob.propose(request: pay(aliceAddress, .sealPackage(contents: [AssetAmount(asset: seroAsset, amount: 1000 * coin)])))
    }) {
        check("sealing too much: have and need", have == 3 * coin && need >= 1000 * coin)
    } else { check("sealing too much: no error", false) }
    await raisesAsync("opening a package not held", "InvalidRequest") { try await bob.propose(request: openRequest(4242)) }
    await raisesAsync("passing a package not held", "InvalidRequest") {
        try await bob.propose(request: pay(aliceAddress, .passPackage(package: 4242)))
    }
    check("package refusals lock nothing", try bob.balances().allSatisfy { $0.pending == 0 })

    let memo = Data("sealed for alice".utf8)
    let writer = ProofRecorder(wallet: bob, write: true)
    let sealed = try await sendMined(url, bob, bobKey, keys, pay(aliceAddress, .sealPackage(contents: [
        AssetAmount(asset: seroAsset, amount: coin), AssetAmount(asset: ticketAsset, amount: 1)]), memo), writer)
    check("fresh addresses made from the proving listener",
          !writer.writes.isEmpty && Set(writer.writes).count == writer.writes.count && !writer.writes.contains(bobAddress))
    let aliceBefore = try alice.balance(asset: seroAsset)
    try await syncAll(url, alice, bob)
    check("bob sealed the ticket away", try bob.tickets().isEmpty && bob.packages().isEmpty)
    check("bob paid 1 SERO and the fee", try bob.balance(asset: seroAsset) == 2 * coin - sealed.fee)
    let held = try alice.packages()
    check("alice holds the package with its memo", held.count == 1 && held[0].contents.count == 2
          && holds(held[0].contents, seroAsset, coin) && holds(held[0].contents, ticketAsset, 1) && held[0].memo == memo)
    check("a package is not in the balance", try alice.balance(asset: seroAsset) == aliceBefore && alice.tickets().isEmpty)
    check("alice's history: the package received",
          try alice.history().flatMap { $0.received }.contains { $0.isPackage && $0.memo == memo })
    guard held.count == 1 else { return }

    let passedOn = try await sendMined(url, alice, aliceKey, keys, pay(bobAddress, .passPackage(package: held[0].id)))
    try await syncAll(url, alice, bob)
    check("alice no longer holds it, paid only the fee",
          try alice.packages().isEmpty && alice.balance(asset: seroAsset) == aliceBefore - passedOn.fee)
    await raisesAsync("opening a package passed on", "InvalidRequest") { try await alice.propose(request: openRequest(held[0].id)) }
    let bobHeld = try bob.packages()
    check("bob holds it, unopened", bobHeld.count == 1 && holds(bobHeld[0].contents, ticketAsset, 1))
    guard bobHeld.count == 1 else { return }

    let opened = try await sendMined(url, bob, bobKey, keys, openRequest(bobHeld[0].id))
    try await syncAll(url, bob)
    check("opened: no package, the ticket back", try bob.packages().isEmpty && bob.tickets() == [ticket])
    check("opened: the SERO back, less two fees", try bob.balance(asset: seroAsset) == 3 * coin - sealed.fee - opened.fee)
    check("bob's history: the opening with its fee", try bob.history().contains { $0.txid == opened.txid && $0.fee == opened.fee })
    await raisesAsync("opening it twice", "InvalidRequest") { try await bob.propose(request: openRequest(bobHeld[0].id)) }
}

/// A copy of bob's account restored at birthday 0, synced in batches of 5:
/// cancelled from its listener at the first batch, then synced to the tip
/// with a listener that makes addresses and tries a second sync.
func syncCancelledAndResumed(_ tmp: URL, _ url: String, _ chain: ChainInfo, _ bob: Wallet) async throws {
    print("swift wallet: a sync cancelled and resumed")
    let copy = try await createWallet(path: tmp.appendingPathComponent("bob-copy.sqlite").path, chain: chain,
                                      mnemonic: bobMnemonic, birthday: 0)
    let token = CancelToken()
    let cancelling = SyncRecorder(token: token)
    await raisesAsync("a sync cancelled from its listener", "Cancelled") {
        try await copy.sync(nodeUrl: url, batchBlocks: 5, listener: cancelling, cancel: token)
    }
    check("one batch stored, nothing after it",
          try cancelling.events.map { $0.scannedHeight } == [4] && copy.scannedHeight() == 4)
    let busy = SyncRecorder(wallet: copy, url: url)
    let done = try await copy.sync(nodeUrl: url, batchBlocks: 5, listener: busy, cancel: nil)
    let heights = busy.events.map { $0.scannedHeight }
    check("resumed after the stored batch, to the tip", heights.count > 1 && heights[0] == 9
          && heights.last == done.scannedHeight && zip(heights, heights.dropFirst()).allSatisfy { $1 > $0 && $1 - $0 <= 5 })
    check("a second sync from the listener is refused", busy.secondSync == "refused")
    check("fresh addresses from the sync listener", Set(busy.addresses).count == heights.count)
    try await syncAll(url, bob)
    check("the resumed copy holds what bob holds",
          try copy.balances() == bob.balances() && copy.tickets() == bob.tickets() && copy.history().count == bob.history().count)
}
