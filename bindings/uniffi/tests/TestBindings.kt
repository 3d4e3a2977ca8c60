// SuperZK's Kotlin bindings, run for real on the JVM through JNA: keys and
// addresses, every fixture verified as fixtures/manifest.json says, one
// shielding transaction proven, verified and scanned, and bad inputs raising
// the right exception. Environment: SUPERZK_FIXTURES, SUPERZK_PARAMS_DIR.

import java.io.File
import kotlin.system.exitProcess
import uniffi.superzk_uniffi.*

var passed = 0
var failed = 0

fun check(name: String, condition: Boolean) {
    if (condition) passed++ else { failed++; println("FAILED: $name") }
}

inline fun <reified E : SuperzkException> raises(name: String, call: () -> Unit) {
    try {
        call()
        check("$name: raised nothing", false)
    } catch (e: SuperzkException) {
        check("$name: raised ${e::class.simpleName}: ${e.message}", e is E && !e.message.isNullOrEmpty())
    }
}

class Recorder : ProgressListener {
    val events = mutableListOf<Triple<String, UInt, UInt>>()
    override fun onProgress(stage: String, step: UInt, total: UInt) {
        events.add(Triple(stage, step, total))
    }
}

// The manifest is read with two patterns (the JDK has no JSON parser); the
// counts checked below catch a manifest these patterns no longer fit.
data class Entry(val file: String, val kind: String, val expect: String)

/** The transparent account that pays for shielding. */
val ACCOUNT = ByteArray(32) { 0xa1.toByte() }

fun main() {
    val fixtures = File(System.getenv("SUPERZK_FIXTURES"))
    val paramsDir = System.getenv("SUPERZK_PARAMS_DIR")
    fun read(name: String) = File(fixtures, name).readBytes()
    val manifestText = File(fixtures, "manifest.json").readText()
    val entries = Regex("\"file\":\\s*\"([^\"]+)\",\\s*\"kind\":\\s*\"([^\"]+)\",\\s*\"expect\":\\s*\"([^\"]+)\"")
        .findAll(manifestText).map { Entry(it.groupValues[1], it.groupValues[2], it.groupValues[3]) }.toList()
    check("manifest entries found", entries.size == Regex("\"file\":").findAll(manifestText).count() && entries.isNotEmpty())
    val seed = Regex("\"params_seed\":\\s*\"([^\"]+)\"").find(manifestText)!!.groupValues[1]
    val circuits = mapOf(
        "spend" to Circuit.SPEND, "output" to Circuit.OUTPUT,
        "package-spend" to Circuit.PACKAGE_SPEND, "package-output" to Circuit.PACKAGE_OUTPUT,
    )

    // Keys and addresses.
    val alice = SpendingKey.fromSeed("alice's seed, 32 bytes at least!".toByteArray(), 0u)
    val bob = SpendingKey.fromSeed("bob's seed, also 32 bytes long!!".toByteArray(), 0u)
    check("spending key round-trips", SpendingKey.decode(alice.encode()).encode() == alice.encode())
    val fvk = alice.fullViewingKey()
    check("fvk round-trips", FullViewingKey.decode(fvk.encode()).encode() == fvk.encode())
    val ivk = fvk.incomingViewingKey()
    check("ivk round-trips", IncomingViewingKey.decode(ivk.encode()).encode() == ivk.encode())
    val address = alice.address(0u)
    check("ivk gives the same address", ivk.address(0u) == address)
    check("addresses differ by index", alice.address(1u) != address)
    check("seeds give different keys", bob.address(0u) != address)
    val parts = decodeAddress(address)
    check("diversifier is 11 bytes", parts.diversifier.size == 11)
    check("address round-trips through bytes", encodeAddress(parts.bytes) == address)
    val last = if (address.last() == 'q') 'p' else 'q'
    raises<SuperzkException.Key>("corrupt address") { decodeAddress(address.dropLast(1) + last) }
    raises<SuperzkException.Key>("short address bytes") { encodeAddress(parts.bytes.copyOf(parts.bytes.size - 1)) }
    raises<SuperzkException.Key>("bad spending key text") { SpendingKey.decode("szk-sk1nonsense") }

    // Built-in verifying keys are the fixtures' keys.
    val builtin = VerifyingKeys.builtin()
    for ((name, circuit) in circuits) {
        val info = readVerifyingKey(builtinVerifyingKey(circuit))
        check("built-in $name key is for its circuit", info.circuit == circuit)
        check("built-in $name fingerprint", manifestText.contains("\"$name\": \"${info.fingerprint}\""))
        check("keys object $name fingerprint", builtin.fingerprint(circuit) == info.fingerprint)
    }

    // Every fixture, as the manifest says.
    val batch = mutableListOf<Pair<ByteArray, Boolean>>()
    for (e in entries) {
        val data = read(e.file)
        val label = "${e.file} (${e.kind}, ${e.expect})"
        when {
            e.kind == "verifying-key" -> check(label, readVerifyingKey(data).circuit == circuits[e.file.removeSuffix(".vk")])
            e.expect == "malformed" -> {
                raises<SuperzkException.Decode>(label) { verifyTransaction(builtin, data) }
                raises<SuperzkException.Decode>("$label as proof") { verifyProof(builtin, data) }
                raises<SuperzkException.Decode>("$label as block") { verifyBlock(builtin, data) }
            }
            e.kind == "transaction" -> {
                val v = verifyTransaction(builtin, data)
                check(label, v.valid == (e.expect == "valid"))
                check("$label has a reason iff invalid", (v.reason == null) == v.valid)
                batch.add(data to (e.expect == "valid"))
            }
            e.kind == "proof" -> check(label, verifyProof(builtin, data).valid == (e.expect == "valid"))
            e.kind == "block" -> {
                val v = verifyBlock(builtin, data)
                check(label, v.valid == (e.expect == "valid"))
                check("$label has a reason iff invalid", (v.reason == null) == v.valid)
            }
            else -> check("$label: unknown kind in manifest", false)
        }
    }
    val verdicts = verifyTransactions(builtin, batch.map { it.first })
    check("batch verdicts match the manifest", verdicts.map { it.valid } == batch.map { it.second })
    raises<SuperzkException.Decode>("batch with a malformed member") {
        verifyTransactions(builtin, listOf(batch[0].first, read("truncated.tx")))
    }

    // Prove once: shield 1000 SERO into a note for Bob, with progress reported.
    val keys = ProvingKeys.insecureFromCache(paramsDir, seed.toByteArray())
    check("proving keys load lazily", !keys.isLoaded())
    val recorder = Recorder()
    val sero = Asset.Currency("SERO")
    val start = System.nanoTime()
    val tx = shield(keys, ACCOUNT, bob.address(0u), sero, 1000u, "hello bob".toByteArray(), recorder)
    println("kotlin: shielding transaction proven in %.2f s".format((System.nanoTime() - start) / 1e9))
    check("proving keys loaded on first proof", keys.isLoaded())
    check("progress reports every key and the proof",
        recorder.events.count { it.first.endsWith("proving key ready") } == 4
            && recorder.events.takeLast(2).map { it.first } == listOf("proving", "proved"))
    val derived = keys.verifyingKeys()
    for (circuit in circuits.values) {
        check("cache keys match the fixtures' keys", derived.fingerprint(circuit) == builtin.fingerprint(circuit))
    }
    check("proven transaction verifies", verifyTransaction(builtin, tx).valid)
    check("proven transaction verifies in a batch",
        verifyTransactions(builtin, listOf(tx, read("transfer.tx"))).all { it.valid })
    val tampered = tx.copyOf()
    tampered[tampered.size / 2] = (tampered[tampered.size / 2].toInt() xor 1).toByte()
    try {
        check("a flipped bit makes it invalid", !verifyTransaction(builtin, tampered).valid)
    } catch (e: SuperzkException.Decode) {
        check("a flipped bit makes it malformed", true)
    }

    // Scan it: Bob finds his note, Alice finds nothing.
    val found = scanTransaction(bob.fullViewingKey().incomingViewingKey(), tx)
    check("bob finds one note", found.size == 1)
    check("note value", found[0].value == 1000uL)
    check("note asset", found[0].asset == sero)
    check("note memo", found[0].memo.size == 512 && String(found[0].memo.copyOf(9)) == "hello bob")
    check("alice finds nothing", scanTransaction(ivk, tx).isEmpty())
    val wallet = ScanningWallet(bob)
    val summary = wallet.scan(tx)
    check("wallet receives one note", summary.received == 1u && summary.spent == 0u)
    check("wallet balance", wallet.balance(sero) == 1000uL)
    check("wallet notes", wallet.notes().map { it.value } == listOf(1000uL))

    // A small private transfer: Bob pays Alice 300 SERO with a fee of 1.
    val aliceWallet = ScanningWallet(alice)
    aliceWallet.scan(tx)
    val paid = wallet.transfer(keys, address, sero, 300u, 1u, "rent".toByteArray(), null)
    check("transfer verifies", verifyTransaction(builtin, paid).valid)
    val received = aliceWallet.scan(paid)
    val spent = wallet.scan(paid)
    check("transfer: alice receives, bob spends and gets change",
        received.received == 1u && spent.spent == 1u && spent.received == 1u)
    check("transfer balances", aliceWallet.balance(sero) == 300uL && wallet.balance(sero) == 699uL)

    // Bad inputs raise the right kind.
    raises<SuperzkException.Build>("transfer beyond the balance") {
        wallet.transfer(keys, address, sero, 5000u, 0u, ByteArray(0), null)
    }
    raises<SuperzkException.InvalidArgument>("memo too long") { shield(keys, ACCOUNT, address, sero, 1u, ByteArray(513), null) }
    raises<SuperzkException.InvalidArgument>("asset name too long") {
        shield(keys, ACCOUNT, address, Asset.Currency("X".repeat(33)), 1u, ByteArray(0), null)
    }
    raises<SuperzkException.Key>("shield to a bad address") { shield(keys, ACCOUNT, "szk1bad", sero, 1u, ByteArray(0), null) }
    raises<SuperzkException.Decode>("wallet scans garbage") { wallet.scan(read("garbage.bin")) }
    val missing = ProvingKeys.fromFiles("/nonexistent/spend.pk", "/nonexistent/output.pk", "/nonexistent/ps.pk", "/nonexistent/po.pk")
    raises<SuperzkException.Key>("missing proving key files") { missing.load(null) }
    val junk = "x".toByteArray()
    raises<SuperzkException.BadProvingKey>("proving key bytes that are not a key") { ProvingKeys.fromBytes(junk, junk, junk, junk) }
    val outputVk = builtinVerifyingKey(Circuit.OUTPUT)
    raises<SuperzkException.Key>("verifying key of the wrong circuit") {
        VerifyingKeys.fromFiles(outputVk, outputVk, outputVk, outputVk)
    }

    println("kotlin: $passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
