// SuperZK's Swift bindings, run for real: keys and addresses, every fixture
// verified as fixtures/manifest.json says, one shielding transaction proven,
// verified and scanned, and bad inputs throwing the right error.
// Environment: SUPERZK_FIXTURES, SUPERZK_PARAMS_DIR.

import Foundation
#if canImport(SuperZK)
import SuperZK
#endif

// Line-buffered output, so that a log shows how far a run came.
setvbuf(stdout, nil, _IOLBF, 0)

var passed = 0
var failed = 0

func check(_ name: String, _ condition: Bool) {
    if condition { passed += 1 } else { failed += 1; print("FAILED: \(name)") }
}

/// The error's kind: its case name (the label of its associated values, or
/// the case itself for a case without fields).
func kindOf(_ e: SuperzkError) -> String {
    if let label = Mirror(reflecting: e).children.first?.label { return label }
    return "\(e)"
}

func raises(_ name: String, _ kind: String, _ call: () throws -> Void) {
    do {
        try call()
        check("\(name): threw nothing", false)
    } catch let e as SuperzkError {
        check("\(name): threw \(kindOf(e)): \(e)", kindOf(e) == kind && !"\(e)".isEmpty)
    } catch {
        check("\(name): threw \(error)", false)
    }
}

final class Recorder: ProgressListener, @unchecked Sendable {
    var events: [(String, UInt32, UInt32)] = []
    func onProgress(stage: String, step: UInt32, total: UInt32) {
        events.append((stage, step, total))
    }
}

/// The transparent account that pays for shielding.
let account = Data(repeating: 0xa1, count: 32)

func run() throws {
    let env = ProcessInfo.processInfo.environment
    let fixtures = URL(fileURLWithPath: env["SUPERZK_FIXTURES"]!)
    let paramsDir = env["SUPERZK_PARAMS_DIR"]!
    func read(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }
    let manifest = try JSONSerialization.jsonObject(with: read("manifest.json")) as! [String: Any]
    let fingerprints = manifest["vk_fingerprints"] as! [String: String]
    let files = manifest["files"] as! [[String: Any]]
    let circuits: [String: Circuit] = [
        "spend": .spend, "output": .output, "package-spend": .packageSpend, "package-output": .packageOutput,
    ]

    // Keys and addresses.
    let alice = SpendingKey.fromSeed(seed: Data("alice's seed, 32 bytes at least!".utf8), account: 0)
    let bob = SpendingKey.fromSeed(seed: Data("bob's seed, also 32 bytes long!!".utf8), account: 0)
    check("spending key round-trips", try SpendingKey.decode(text: alice.encode()).encode() == alice.encode())
    let fvk = alice.fullViewingKey()
    check("fvk round-trips", try FullViewingKey.decode(text: fvk.encode()).encode() == fvk.encode())
    let ivk = fvk.incomingViewingKey()
    check("ivk round-trips", try IncomingViewingKey.decode(text: ivk.encode()).encode() == ivk.encode())
    let address = alice.address(index: 0)
    check("ivk gives the same address", ivk.address(index: 0) == address)
    check("addresses differ by index", alice.address(index: 1) != address)
    check("seeds give different keys", bob.address(index: 0) != address)
    let parts = try decodeAddress(address: address)
    check("diversifier is 11 bytes", parts.diversifier.count == 11)
    check("address round-trips through bytes", try encodeAddress(bytes: parts.bytes) == address)
    let corrupt = String(address.dropLast()) + (address.last == "q" ? "p" : "q")
    raises("corrupt address", "Key") { _ = try decodeAddress(address: corrupt) }
    raises("short address bytes", "Key") { _ = try encodeAddress(bytes: parts.bytes.dropLast()) }
    raises("bad spending key text", "Key") { _ = try SpendingKey.decode(text: "szk-sk1nonsense") }

    // Built-in verifying keys are the fixtures' keys.
    let builtin = try VerifyingKeys.builtin()
    for (name, circuit) in circuits {
        let info = try readVerifyingKey(bytes: builtinVerifyingKey(circuit: circuit))
        check("built-in \(name) key is for its circuit", info.circuit == circuit)
        check("built-in \(name) fingerprint", info.fingerprint == fingerprints[name])
        check("keys object \(name) fingerprint", builtin.fingerprint(circuit: circuit) == info.fingerprint)
    }

    // Every fixture, as the manifest says.
    var batch: [(Data, Bool)] = []
    for entry in files {
        let file = entry["file"] as! String, kind = entry["kind"] as! String, expect = entry["expect"] as! String
        let data = try read(file)
        let label = "\(file) (\(kind), \(expect))"
        if kind == "verifying-key" {
            let stem = String(file.dropLast(3))
            check(label, try readVerifyingKey(bytes: data).circuit == circuits[stem])
        } else if expect == "malformed" {
            raises(label, "Decode") { _ = try verifyTransaction(keys: builtin, transaction: data) }
            raises(label + " as proof", "Decode") { _ = try verifyProof(keys: builtin, proofFile: data) }
            raises(label + " as block", "Decode") { _ = try verifyBlock(keys: builtin, blockFile: data) }
        } else if kind == "transaction" {
            let v = try verifyTransaction(keys: builtin, transaction: data)
            check(label, v.valid == (expect == "valid"))
            check(label + " has a reason iff invalid", (v.reason == nil) == v.valid)
            batch.append((data, expect == "valid"))
        } else if kind == "proof" {
            check(label, try verifyProof(keys: builtin, proofFile: data).valid == (expect == "valid"))
        } else if kind == "block" {
            let v = try verifyBlock(keys: builtin, blockFile: data)
            check(label, v.valid == (expect == "valid"))
            check(label + " has a reason iff invalid", (v.reason == nil) == v.valid)
        } else {
            check("\(label): unknown kind in manifest", false)
        }
    }
    let verdicts = try verifyTransactions(keys: builtin, transactions: batch.map { $0.0 })
    check("batch verdicts match the manifest", verdicts.map { $0.valid } == batch.map { $0.1 })
    let truncated = try read("truncated.tx")
    raises("batch with a malformed member", "Decode") {
        _ = try verifyTransactions(keys: builtin, transactions: [batch[0].0, truncated])
    }

    // Prove once: shield 1000 SERO into a note for Bob, with progress reported.
    let seed = Data((manifest["params_seed"] as! String).utf8)
    let keys = ProvingKeys.insecureFromCache(dir: paramsDir, seed: seed)
    check("proving keys load lazily", !keys.isLoaded())
    let recorder = Recorder()
    let sero = Asset.currency(name: "SERO")
    let start = Date()
    let tx = try shield(keys: keys, account: account, to: bob.address(index: 0), asset: sero, amount: 1000,
                        memo: Data("hello bob".utf8), listener: recorder)
    print(String(format: "swift: shielding transaction proven in %.2f s", Date().timeIntervalSince(start)))
    check("proving keys loaded on first proof", keys.isLoaded())
    check("progress reports every key and the proof",
          recorder.events.filter { $0.0.hasSuffix("proving key ready") }.count == 4
              && recorder.events.suffix(2).map { $0.0 } == ["proving", "proved"])
    let derived = try keys.verifyingKeys()
    for circuit in circuits.values {
        check("cache keys match the fixtures' keys", derived.fingerprint(circuit: circuit) == builtin.fingerprint(circuit: circuit))
    }
    check("proven transaction verifies", try verifyTransaction(keys: builtin, transaction: tx).valid)
    check("proven transaction verifies in a batch",
          try verifyTransactions(keys: builtin, transactions: [tx, read("transfer.tx")]).allSatisfy { $0.valid })
    var tampered = tx
    tampered[tampered.count / 2] ^= 1
    do {
        check("a flipped bit makes it invalid", try !verifyTransaction(keys: builtin, transaction: tampered).valid)
    } catch SuperzkError.Decode {
        check("a flipped bit makes it malformed", true)
    }

    // Scan it: Bob finds his note, Alice finds nothing.
    let found = try scanTransaction(key: bob.fullViewingKey().incomingViewingKey(), transaction: tx)
    check("bob finds one note", found.count == 1)
    check("note value", found.first?.value == 1000)
    check("note asset", found.first?.asset == sero)
    check("note memo", found.first.map { $0.memo.count == 512 && $0.memo.prefix(9) == Data("hello bob".utf8) } ?? false)
    check("alice finds nothing", try scanTransaction(key: ivk, transaction: tx).isEmpty)
    let wallet = ScanningWallet(key: bob)
    let summary = try wallet.scan(transaction: tx)
    check("wallet receives one note", summary.received == 1 && summary.spent == 0)
    check("wallet balance", try wallet.balance(asset: sero) == 1000)
    check("wallet notes", wallet.notes().map { $0.value } == [1000])

    // A small private transfer: Bob pays Alice 300 SERO with a fee of 1.
    let aliceWallet = ScanningWallet(key: alice)
    _ = try aliceWallet.scan(transaction: tx)
    let paid = try wallet.transfer(keys: keys, to: address, asset: sero, amount: 300, fee: 1,
                                   memo: Data("rent".utf8), listener: nil)
    check("transfer verifies", try verifyTransaction(keys: builtin, transaction: paid).valid)
    let received = try aliceWallet.scan(transaction: paid)
    let spent = try wallet.scan(transaction: paid)
    check("transfer: alice receives, bob spends and gets change",
          received.received == 1 && spent.spent == 1 && spent.received == 1)
    check("transfer balances", try aliceWallet.balance(asset: sero) == 300 && wallet.balance(asset: sero) == 699)

    // Bad inputs throw the right kind.
    raises("transfer beyond the balance", "Build") {
        _ = try wallet.transfer(keys: keys, to: address, asset: sero, amount: 5000, fee: 0, memo: Data(), listener: nil)
    }
    raises("memo too long", "InvalidArgument") {
        _ = try shield(keys: keys, account: account, to: address, asset: sero, amount: 1, memo: Data(count: 513), listener: nil)
    }
    raises("asset name too long", "InvalidArgument") {
        _ = try shield(keys: keys, account: account, to: address, asset: .currency(name: String(repeating: "X", count: 33)),
                       amount: 1, memo: Data(), listener: nil)
    }
    raises("shield to a bad address", "Key") {
        _ = try shield(keys: keys, account: account, to: "szk1bad", asset: sero, amount: 1, memo: Data(), listener: nil)
    }
    let garbage = try read("garbage.bin")
    raises("wallet scans garbage", "Decode") { _ = try wallet.scan(transaction: garbage) }
    let missing = ProvingKeys.fromFiles(spend: "/nonexistent/spend.pk", output: "/nonexistent/output.pk",
                                        packageSpend: "/nonexistent/ps.pk", packageOutput: "/nonexistent/po.pk")
    raises("missing proving key files", "Key") { try missing.load(listener: nil) }
    let junk = Data("x".utf8)
    raises("proving key bytes that are not a key", "BadProvingKey") {
        _ = try ProvingKeys.fromBytes(spend: junk, output: junk, packageSpend: junk, packageOutput: junk)
    }
    let outputVk = builtinVerifyingKey(circuit: .output)
    raises("verifying key of the wrong circuit", "Key") {
        _ = try VerifyingKeys.fromFiles(spend: outputVk, output: outputVk, packageSpend: outputVk, packageOutput: outputVk)
    }
}

do {
    try run()
} catch {
    check("unexpected error: \(error)", false)
}
print("swift: \(passed) passed, \(failed) failed")
// The wallet engine against a node (WalletTests.swift), when given one.
if ProcessInfo.processInfo.environment["SUPERZK_BIN"] != nil {
    await walletTests()
    print("swift wallet: \(passed) passed, \(failed) failed in all")
}
exit(failed == 0 ? 0 : 1)
