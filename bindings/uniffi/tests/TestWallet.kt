// SuperZK's wallet engine from Kotlin (suspend functions, kotlinx-coroutines),
// against a real node: two wallets (one new, one restored), funded by the
// devnet faucet, synced with progress, a private transfer in four separate
// steps and a ticket sent in one call, a package sealed, passed on and
// opened, balances, tickets, packages and history checked on both sides, a
// proof cancelled from its progress callback with nothing left locked, a
// sync cancelled from its listener and resumed to the tip, reads and writes
// (fresh addresses) from the listeners, a second sync refused while one
// runs, bad input refused with its structured exception, and the node
// stopped with SIGTERM (it must exit 0 by itself). Environment: SUPERZK_BIN
// (the `superzk` binary: node and faucet), SUPERZK_PARAMS_DIR (the parameter
// cache).
package superzk.wallettest

import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import uniffi.superzk_uniffi.*

var passed = 0
var failed = 0

fun check(name: String, condition: Boolean) {
    if (condition) passed++ else { failed++; println("FAILED: $name") }
}

/** Runs [call], which must throw the exception kind [E]; returns it. */
suspend inline fun <reified E : SuperzkException> raises(name: String, call: () -> Unit): E? {
    try {
        call()
        check("$name: raised nothing", false)
    } catch (e: SuperzkException) {
        check("$name: raised ${e::class.simpleName}: ${e.message}", e is E)
        return e as? E
    }
    return null
}

val BIN: String = System.getenv("SUPERZK_BIN")
val PARAMS_DIR: String = System.getenv("SUPERZK_PARAMS_DIR")
val DEMO_SEED = "SuperZK insecure demo parameters v1".toByteArray()
const val BOB_MNEMONIC = "legal winner thank year wave sausage worth useful legal winner thank year " +
    "wave sausage worth useful legal winner thank year wave sausage worth title"
const val COIN = 1_000_000uL
const val MINE_TIMEOUT = 120uL
val SERO = Asset.Currency("SERO")

/** Sync progress; optionally cancels [token] at the first batch, and from
 * the listener (the sync's thread) asks [wallet] for a fresh address and
 * tries a second sync of it, which must be refused at once. */
class SyncRecorder(
    val wallet: Wallet? = null,
    val token: CancelToken? = null,
    val url: String? = null,
) : SyncListener {
    val events = java.util.Collections.synchronizedList(mutableListOf<SyncProgress>())
    val addresses = java.util.Collections.synchronizedList(mutableListOf<String>())
    @Volatile var secondSync: String? = null
    override fun onSyncProgress(progress: SyncProgress) {
        events.add(progress)
        token?.cancel()
        wallet?.let { addresses.add(it.newAddress()) }
        if (url != null && wallet != null && secondSync == null) {
            secondSync = try {
                runBlocking { wallet.sync(url, null, null, null) }
                "ran"
            } catch (e: SuperzkException.SyncInProgress) {
                "refused"
            } catch (e: Exception) {
                e.toString()
            }
        }
    }
}

/** Proving progress; cancels [token] once [cancelAt] proofs are done and
 * reads the wallet's balance from the proving thread. */
class ProofRecorder(
    val wallet: Wallet? = null,
    val token: CancelToken? = null,
    val cancelAt: UInt = 0u,
    val write: Boolean = false,
) : ProgressListener {
    val events = java.util.Collections.synchronizedList(mutableListOf<Triple<String, UInt, UInt>>())
    val reads = java.util.Collections.synchronizedList(mutableListOf<ULong>())
    val writes = java.util.Collections.synchronizedList(mutableListOf<String>())
    override fun onProgress(stage: String, step: UInt, total: UInt) {
        events.add(Triple(stage, step, total))
        if (stage != "proving") return
        wallet?.let { reads.add(it.balance(SERO)) }
        if (write) wallet?.let { writes.add(it.newAddress()) }
        if (token != null && step >= cancelAt) token.cancel()
    }
}

fun startNode(tmp: File): Pair<Process, String> {
    val data = File(tmp, "node")
    val node = ProcessBuilder(BIN, "node", "run", "--data-dir", data.path, "--listen", "127.0.0.1:0",
        "--mine", "--block-interval-ms", "200")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(File(tmp, "node.log"))
        .start()
    val addr = File(data, "node.addr")
    val deadline = System.nanoTime() + 30_000_000_000L
    while (System.nanoTime() < deadline) {
        if (!node.isAlive) error("the node exited; see ${tmp}/node.log")
        val text = if (addr.exists()) addr.readText() else ""
        if (text.endsWith("\n")) return node to text.trim()
        Thread.sleep(50)
    }
    node.destroyForcibly()
    error("the node did not publish its address within 30 s")
}

fun faucet(url: String, address: String, vararg what: String) {
    val p = ProcessBuilder(BIN, "wallet", "faucet", "--node", url, "--from", "devnet:alice", "--to", address, *what)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start()
    if (!p.waitFor(MINE_TIMEOUT.toLong() + 60, TimeUnit.SECONDS)) { p.destroyForcibly(); error("the faucet timed out") }
    check("faucet ${what.joinToString(" ")}", p.exitValue() == 0)
}

fun pay(to: String, kind: PaymentKind, memo: ByteArray = ByteArray(0)) =
    PaymentRequest(listOf(Payment(to, kind, memo)), listOf(), listOf(), null)

fun sero(w: Wallet) = w.balances().first { it.asset == SERO }

fun main() {
    val tmp = Files.createTempDirectory("superzk-kt-wallet-").toFile()
    val (node, url) = startNode(tmp)
    try {
        runBlocking { run(tmp, url) }
    } finally {
        // SIGTERM: the node must stop by itself, with status 0.
        node.destroy()
        if (node.waitFor(60, TimeUnit.SECONDS)) {
            check("the node stops on SIGTERM with status 0 (got ${node.exitValue()})", node.exitValue() == 0)
        } else {
            node.destroyForcibly().waitFor()
            check("the node stops on SIGTERM", false)
        }
    }
    println("kotlin wallet: $passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}

suspend fun run(tmp: File, url: String) {
    val chain = fetchChainInfo(url)
    check("the node is a devnet", chain.network == "devnet" && chain.genesisHash.size == 32)

    // Bad input, refused with its fields.
    val words = BOB_MNEMONIC.split(" ").toMutableList()
    words[4] = "notaword"
    val wrongWord = raises<SuperzkException.InvalidMnemonic>("a wrong mnemonic word") { checkMnemonic(words.joinToString(" ")) }
    check("the wrong word's position", wrongWord?.position == 5u)
    raises<SuperzkException.UnknownNetwork>("an unknown network") { SpendingKey.fromMnemonic(BOB_MNEMONIC, "moonnet", 0u) }
    val junk = "junk".toByteArray()
    raises<SuperzkException.BadProvingKey>("garbage proving keys") { ProvingKeys.fromBytes(junk, junk, junk, junk) }
    raises<SuperzkException.WalletNotFound>("opening a missing wallet") { openWallet(File(tmp, "none.sqlite").path, chain) }
    raises<SuperzkException.NodeUnreachable>("an unreachable node") { fetchChainInfo("http://127.0.0.1:1") }

    // Two wallets: a new one and a restored one.
    val aliceMnemonic = generateMnemonic()
    check("24 words", aliceMnemonic.split(" ").size == 24)
    val alicePath = File(tmp, "alice.sqlite").path
    val alice = createWallet(alicePath, chain, aliceMnemonic, chain.tipHeight)
    val bob = createWallet(File(tmp, "bob.sqlite").path, chain, BOB_MNEMONIC, 0uL)
    val aliceKey = SpendingKey.fromMnemonic(aliceMnemonic, chain.network, 0u)
    val bobKey = SpendingKey.fromMnemonic(BOB_MNEMONIC, chain.network, 0u)
    raises<SuperzkException.KeyMismatch>("another mnemonic's key") { alice.checkKey(bobKey) }
    raises<SuperzkException.WalletExists>("creating over an existing wallet") { createWallet(alicePath, chain, aliceMnemonic, 0uL) }
    val wrongNet = raises<SuperzkException.WrongNetwork>("opening for another network") {
        openWallet(alicePath, ChainInfo("testnet", chain.genesisHash, 0uL))
    }
    check("the networks named", wrongNet != null && wrongNet.expected.contains("testnet") && wrongNet.found.contains("devnet"))
    check("reopened, the same address", openWallet(alicePath, chain).address() == alice.address())
    val aliceAddress = alice.address()
    val bobAddress = bob.address()

    faucet(url, aliceAddress, "--amount", "10")
    faucet(url, aliceAddress, "--issue-ticket", "concert")
    val recorder = SyncRecorder()
    val done = alice.sync(url, null, recorder, null)
    check("sync reported progress", recorder.events.isNotEmpty() && recorder.events.last().scannedHeight == done.scannedHeight)
    check("sync found the notes", done.notesFound == 2uL)
    check("alice holds 10 SERO", alice.balance(SERO) == 10uL * COIN)
    val ticket = alice.tickets().single()
    check("the ticket's category", ticket.category == "concert")
    bob.sync(url, null, null, null)

    raises<SuperzkException.InvalidAddress>("a malformed address") {
        alice.propose(pay("szk1notanaddress", PaymentKind.Currency("SERO", COIN)))
    }
    val mainnet = SpendingKey.fromSeed("a mainnet wallet, 32 bytes long!".toByteArray(), 0u).address(0uL)
    raises<SuperzkException.WrongNetwork>("an address of another network") {
        alice.propose(pay(mainnet, PaymentKind.Currency("SERO", COIN)))
    }
    val poor = raises<SuperzkException.InsufficientFunds>("more than the balance") {
        alice.propose(pay(bobAddress, PaymentKind.Currency("SERO", 1000uL * COIN)))
    }
    check("insufficient funds: have and need", poor != null && poor.have == 10uL * COIN && poor.need > 1000uL * COIN)

    val keys = ProvingKeys.insecureFromCache(PARAMS_DIR, DEMO_SEED)

    // Cancelled after the first proof, from the progress callback.
    val token = CancelToken()
    val cancelling = ProofRecorder(alice, token, 1u)
    raises<SuperzkException.Cancelled>("a cancelled send") {
        alice.send(pay(bobAddress, PaymentKind.Currency("SERO", COIN)), aliceKey, keys, url, cancelling, token)
    }
    val proving = cancelling.events.filter { it.first == "proving" }
    check("cancelled between proofs", proving.any { it.second >= 1u } && proving.all { it.second < it.third })
    check("balance read while proving", cancelling.reads.isNotEmpty() && cancelling.reads[0] < 10uL * COIN)
    check("nothing left pending", sero(alice).pending == 0uL && sero(alice).spendable == 10uL * COIN)

    // The transfer in four steps.
    val memo = "for the tickets".toByteArray()
    val proposal = alice.propose(pay(bobAddress, PaymentKind.Currency("SERO", 3uL * COIN), memo))
    check("three proofs", proposal.proofCount == 3u && proposal.fee > 0uL)
    check("pending once proposed", sero(alice).pending == 10uL * COIN)
    val steps = ProofRecorder()
    val proven = alice.prove(proposal.pczt, keys, steps, null)
    check("progress per proof", steps.events.filter { it.first == "proving" }.map { it.second }.sorted() == listOf(0u, 1u, 2u, 3u))
    raises<SuperzkException.KeyMismatch>("authorized with another key") { alice.authorize(proven, bobKey) }
    val signed = alice.authorize(proven, aliceKey)
    val sent = alice.submit(signed, url)
    val height = alice.waitMined(url, sent.txid, MINE_TIMEOUT)

    // The ticket in one call (after a sync: the fee comes from the change).
    alice.sync(url, null, null, null)
    val sentTicket = alice.send(pay(bobAddress, PaymentKind.Ticket(ticket)), aliceKey, keys, url, null, null)
    alice.waitMined(url, sentTicket.txid, MINE_TIMEOUT)

    alice.sync(url, null, null, null)
    bob.sync(url, null, null, null)
    check("bob received 3 SERO", bob.balance(SERO) == 3uL * COIN)
    val bobTickets = bob.tickets()
    check("bob holds the ticket", bobTickets.size == 1 && bobTickets[0].id.contentEquals(ticket.id))
    check("alice has no ticket left", alice.tickets().isEmpty())
    check("alice paid 3 SERO and two fees", alice.balance(SERO) == 7uL * COIN - proposal.fee - sentTicket.fee)
    val received = bob.history().flatMap { it.received }
    check("bob's history: the memo", received.any { it.memo.contentEquals(memo) && it.contents[0].amount == 3uL * COIN })
    val entry = alice.history().single { it.txid == sent.txid }
    check("alice's history: mined, with its fee", entry.minedHeight == height && entry.fee == proposal.fee)
    check("alice's history: sent to bob", entry.sent.any { it.recipient == bobAddress && it.value == 3uL * COIN })

    packages(url, keys, alice, aliceKey, bob, bobKey, ticket)
    syncCancelledAndResumed(tmp, url, chain, bob)
}

/** Asset equality with ticket ids compared by content (a ByteArray's
 * equals is identity). */
fun same(a: Asset, b: Asset) = when (a) {
    is Asset.Ticket -> b is Asset.Ticket && a.category == b.category && a.id.contentEquals(b.id)
    else -> a == b
}

fun holds(contents: List<AssetAmount>, asset: Asset, amount: ULong) =
    contents.any { same(it.asset, asset) && it.amount == amount }

fun openRequest(id: Long) = PaymentRequest(listOf(), listOf(id), listOf(), null)

suspend fun sendMined(url: String, w: Wallet, key: SpendingKey, keys: ProvingKeys, request: PaymentRequest,
                      listener: ProgressListener? = null): SentTransaction {
    val sent = w.send(request, key, keys, url, listener, null)
    w.waitMined(url, sent.txid, MINE_TIMEOUT)
    return sent
}

/** Bob seals 1 SERO and the ticket into a package for alice, alice passes
 * it on to bob unopened, bob opens it; both sides checked at each step. */
suspend fun packages(url: String, keys: ProvingKeys, alice: Wallet, aliceKey: SpendingKey, bob: Wallet,
                     bobKey: SpendingKey, ticket: TicketRef) {
    val aliceAddress = alice.address()
    val bobAddress = bob.address()
    val ticketAsset = Asset.Ticket(ticket.category, ticket.id)
    val poor = raises<SuperzkException.InsufficientFunds>("sealing more than held") {
        bob.propose(pay(aliceAddress, PaymentKind.SealPackage(listOf(AssetAmount(SERO, 1000uL * COIN)))))
    }
    check("sealing too much: have and need", poor != null && poor.have == 3uL * COIN && poor.need >= 1000uL * COIN)
    raises<SuperzkException.InvalidRequest>("opening a package not held") { bob.propose(openRequest(4242)) }
    raises<SuperzkException.InvalidRequest>("passing a package not held") {
        bob.propose(pay(aliceAddress, PaymentKind.PassPackage(4242)))
    }
    check("package refusals lock nothing", bob.balances().all { it.pending == 0uL })

    val memo = "sealed for alice".toByteArray()
    val writer = ProofRecorder(bob, write = true)
    val sealed = sendMined(url, bob, bobKey, keys, pay(aliceAddress,
        PaymentKind.SealPackage(listOf(AssetAmount(SERO, COIN), AssetAmount(ticketAsset, 1uL))), memo), writer)
    check("fresh addresses made from the proving listener",
        writer.writes.isNotEmpty() && writer.writes.toSet().size == writer.writes.size && bobAddress !in writer.writes)
    val aliceBefore = alice.balance(SERO)
    alice.sync(url, null, null, null)
    bob.sync(url, null, null, null)
    check("bob sealed the ticket away", bob.tickets().isEmpty() && bob.packages().isEmpty())
    check("bob paid 1 SERO and the fee", bob.balance(SERO) == 2uL * COIN - sealed.fee)
    val held = alice.packages()
    check("alice holds the package with its memo", held.size == 1 && held[0].contents.size == 2 &&
        holds(held[0].contents, SERO, COIN) && holds(held[0].contents, ticketAsset, 1uL) && held[0].memo.contentEquals(memo))
    check("a package is not in the balance", alice.balance(SERO) == aliceBefore && alice.tickets().isEmpty())
    check("alice's history: the package received",
        alice.history().flatMap { it.received }.any { it.isPackage && it.memo.contentEquals(memo) })
    if (held.size != 1) return

    val passedOn = sendMined(url, alice, aliceKey, keys, pay(bobAddress, PaymentKind.PassPackage(held[0].id)))
    alice.sync(url, null, null, null)
    bob.sync(url, null, null, null)
    check("alice no longer holds it, paid only the fee",
        alice.packages().isEmpty() && alice.balance(SERO) == aliceBefore - passedOn.fee)
    raises<SuperzkException.InvalidRequest>("opening a package passed on") { alice.propose(openRequest(held[0].id)) }
    val bobHeld = bob.packages()
    check("bob holds it, unopened", bobHeld.size == 1 && holds(bobHeld[0].contents, ticketAsset, 1uL) &&
        bob.tickets().isEmpty())
    if (bobHeld.size != 1) return

    val opened = sendMined(url, bob, bobKey, keys, openRequest(bobHeld[0].id))
    bob.sync(url, null, null, null)
    check("opened: no package, the ticket back", bob.packages().isEmpty() && bob.tickets().size == 1 &&
        bob.tickets()[0].id.contentEquals(ticket.id))
    check("opened: the SERO back, less two fees", bob.balance(SERO) == 3uL * COIN - sealed.fee - opened.fee)
    check("bob's history: the opening with its fee", bob.history().any { it.txid == opened.txid && it.fee == opened.fee })
    raises<SuperzkException.InvalidRequest>("opening it twice") { bob.propose(openRequest(bobHeld[0].id)) }
}

/** A copy of bob's account restored at birthday 0, synced in batches of 5:
 * cancelled from its listener at the first batch, then synced to the tip
 * with a listener that makes addresses and tries a second sync. */
suspend fun syncCancelledAndResumed(tmp: File, url: String, chain: ChainInfo, bob: Wallet) {
    val copy = createWallet(File(tmp, "bob-copy.sqlite").path, chain, BOB_MNEMONIC, 0uL)
    val token = CancelToken()
    val cancelling = SyncRecorder(token = token)
    raises<SuperzkException.Cancelled>("a sync cancelled from its listener") { copy.sync(url, 5u, cancelling, token) }
    check("one batch stored, nothing after it",
        cancelling.events.map { it.scannedHeight } == listOf(4uL) && copy.scannedHeight() == 4uL)
    val busy = SyncRecorder(wallet = copy, url = url)
    val done = copy.sync(url, 5u, busy, null)
    val heights = busy.events.map { it.scannedHeight }
    check("resumed after the stored batch, to the tip", heights.size > 1 && heights[0] == 9uL &&
        heights.last() == done.scannedHeight && heights.zipWithNext().all { (a, b) -> b > a && b - a <= 5uL })
    check("a second sync from the listener is refused", busy.secondSync == "refused")
    check("fresh addresses from the sync listener", busy.addresses.toSet().size == heights.size)
    bob.sync(url, null, null, null)
    check("the resumed copy holds what bob holds", copy.balance(SERO) == bob.balance(SERO) &&
        copy.tickets().map { it.id.toList() } == bob.tickets().map { it.id.toList() } &&
        copy.history().size == bob.history().size)
}
