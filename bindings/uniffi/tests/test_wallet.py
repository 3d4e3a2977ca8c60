"""SuperZK's wallet engine from Python, against a real node: two wallets
(one created from a fresh mnemonic, one restored), funded by the devnet
faucet, synced with progress, a private transfer in four separate steps and
a ticket sent in one call, a package sealed, passed on and opened, balances,
tickets, packages and history checked on both sides, a proof cancelled from
its progress callback (nothing left locked), a sync cancelled from its
listener and resumed to the tip, quick reads and writes (new addresses)
from the listeners while proving and syncing, a second sync refused while
one runs, and bad input refused with its structured error. The node is
started with SIGINT and SIGTERM blocked (as Swift's Foundation starts
processes) and must still stop gracefully on SIGTERM. Every long call is
awaited (asyncio).

Usage: python3 test_wallet.py, with the generated superzk_uniffi.py and
libsuperzk_uniffi.so on sys.path; SUPERZK_BIN names the `superzk` binary
(it runs the node and the faucet), SUPERZK_PARAMS_DIR the parameter cache.
"""
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time

from superzk_uniffi import (
    Asset,
    AssetAmount,
    CancelToken,
    ChainInfo,
    Payment,
    PaymentKind,
    PaymentRequest,
    ProgressListener,
    ProvingKeys,
    SpendingKey,
    SuperzkError,
    SyncListener,
    TicketRef,
    check_mnemonic,
    create_wallet,
    fetch_chain_info,
    generate_mnemonic,
    open_wallet,
)

BIN = os.environ["SUPERZK_BIN"]
PARAMS_DIR = os.environ["SUPERZK_PARAMS_DIR"]
# The parameters the devnet node verifies with (the CLI's demo seed).
DEMO_SEED = b"SuperZK insecure demo parameters v1"
# The BIP-39 test vector phrase: the restored wallet.
BOB_MNEMONIC = ("legal winner thank year wave sausage worth useful legal winner thank year "
                "wave sausage worth useful legal winner thank year wave sausage worth title")
COIN = 1_000_000
SERO = Asset.CURRENCY(name="SERO")
# Each wait on the chain is bounded; the whole test is too (see test.sh).
MINE_TIMEOUT = 120
passed = 0
failed = 0


def check(name, condition):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {name}")


async def raises(name, kind, call):
    """Checks that call() (sync or a coroutine) raises SuperzkError `kind`;
    returns the error for its fields."""
    try:
        result = call()
        if asyncio.iscoroutine(result):
            await result
    except kind as e:
        check(f"{name} ({e!r})", isinstance(e, SuperzkError))
        return e
    except Exception as e:  # a wrong kind is a failure, not a crash
        check(f"{name}: raised {type(e).__name__}: {e}", False)
        return None
    check(f"{name}: raised nothing", False)
    return None


class SyncRecorder(SyncListener):
    """Records sync progress. Optionally cancels `token` at the first
    batch, and, from the listener (the sync's worker thread): asks the
    wallet for a fresh address (a write while the sync runs) and tries a
    second sync of the same wallet, which must be refused at once."""

    def __init__(self, wallet=None, token=None, url=None):
        self.events = []
        self.wallet = wallet
        self.token = token
        self.url = url
        self.addresses = []
        self.second_sync = None

    def on_sync_progress(self, progress):
        self.events.append(progress)
        if self.token is not None:
            self.token.cancel()
        if self.wallet is not None:
            self.addresses.append(self.wallet.new_address())
        if self.url is not None and self.second_sync is None:
            try:
                asyncio.run(self.wallet.sync(self.url, None, None, None))
                self.second_sync = "ran"
            except SuperzkError.SyncInProgress:
                self.second_sync = "refused"
            except Exception as e:  # a wrong kind is a failure
                self.second_sync = repr(e)


class ProofRecorder(ProgressListener):
    """Records proving progress; optionally cancels a token once `cancel_at`
    proofs are done, and reads the wallet's balances from the callback (the
    proving thread) to show quick reads do not wait for proving."""

    def __init__(self, wallet=None, token=None, cancel_at=None, write=False):
        self.events = []
        self.wallet = wallet
        self.token = token
        self.cancel_at = cancel_at
        self.write = write
        self.reads = []
        self.writes = []

    def on_progress(self, stage, step, total):
        self.events.append((stage, step, total))
        if stage != "proving":
            return
        if self.wallet is not None:
            self.reads.append(self.wallet.balance(SERO))
        if self.write:
            self.writes.append(self.wallet.new_address())
        if self.token is not None and step >= self.cancel_at:
            self.token.cancel()


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def start_node(tmp):
    data = os.path.join(tmp, "node")
    log = open(os.path.join(tmp, "node.log"), "wb")
    # Started with SIGINT and SIGTERM blocked, as Swift's Foundation starts
    # processes (a child inherits the mask): the node must unblock them, or
    # the SIGTERM of stop_node never reaches it.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        node = subprocess.Popen(
            [BIN, "node", "run", "--data-dir", data, "--listen", "127.0.0.1:0",
             "--mine", "--block-interval-ms", "200"],
            stdout=subprocess.DEVNULL, stderr=log)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    addr_file = os.path.join(data, "node.addr")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if node.poll() is not None:
            raise RuntimeError(f"the node exited with {node.returncode}; see {log.name}")
        try:
            with open(addr_file) as f:
                text = f.read()
            if text.endswith("\n"):
                return node, text.strip()
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    node.kill()
    raise RuntimeError("the node did not publish its address within 30 s")


def stop_node(node):
    """SIGTERM, then the node must exit by itself, with status 0."""
    node.terminate()
    try:
        code = node.wait(timeout=60)
    except subprocess.TimeoutExpired:
        node.kill()
        node.wait()
        check("the node stops on SIGTERM", False)
        return
    check(f"the node stops on SIGTERM with status 0 (got {code})", code == 0)


def faucet(url, address, *what):
    subprocess.run(
        [BIN, "wallet", "faucet", "--node", url, "--from", "devnet:alice", "--to", address, *what],
        check=True, timeout=MINE_TIMEOUT + 60, stdout=subprocess.DEVNULL)


def pay(to, kind, memo=b""):
    return PaymentRequest(payments=[Payment(to=to, kind=kind, memo=memo)],
                          open_packages=[], redeem_tickets=[], expiry_delta=None)


async def offline_refusals(chain):
    """Bad input refused with its structured error, before any node work."""
    words = BOB_MNEMONIC.split()
    words[4] = "notaword"
    e = await raises("a wrong mnemonic word", SuperzkError.InvalidMnemonic,
                     lambda: check_mnemonic(" ".join(words)))
    check("the wrong word's position", e is not None and e.position == 5)
    e = await raises("a mnemonic cut short", SuperzkError.InvalidMnemonic,
                     lambda: check_mnemonic(" ".join(words[:5])))
    check("the short mnemonic's word count", e is not None and e.word_count == 5)
    await raises("a swapped word (checksum)", SuperzkError.InvalidMnemonic,
                 lambda: check_mnemonic(" ".join(BOB_MNEMONIC.split()[::-1])))
    check_mnemonic(generate_mnemonic())
    await raises("an unknown network", SuperzkError.UnknownNetwork,
                 lambda: SpendingKey.from_mnemonic(BOB_MNEMONIC, "moonnet", 0))
    await raises("garbage proving keys", SuperzkError.BadProvingKey,
                 lambda: ProvingKeys.from_bytes(b"junk", b"junk", b"junk", b"junk"))
    tmp = tempfile.mkdtemp(prefix="superzk-refusals-")
    await raises("creating with a wrong word", SuperzkError.InvalidMnemonic,
                 lambda: create_wallet(os.path.join(tmp, "w.sqlite"), chain, " ".join(words), 0))
    check("nothing created for a wrong mnemonic", not os.path.exists(os.path.join(tmp, "w.sqlite")))
    await raises("opening a missing wallet", SuperzkError.WalletNotFound,
                 lambda: open_wallet(os.path.join(tmp, "none.sqlite"), chain))
    await raises("an unreachable node", SuperzkError.NodeUnreachable,
                 lambda: fetch_chain_info("http://127.0.0.1:1"))


async def main():
    tmp = tempfile.mkdtemp(prefix="superzk-py-wallet-")
    node, url = start_node(tmp)
    try:
        await run(tmp, url)
    finally:
        stop_node(node)
    print(f"python wallet: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


async def run(tmp, url):
    chain = await fetch_chain_info(url)
    check("the node is a devnet", chain.network == "devnet" and len(chain.genesis_hash) == 32)
    await offline_refusals(chain)

    # Two wallets: a new one (fresh mnemonic, birthday at the tip) and one
    # restored from a known phrase (birthday 0: the whole chain).
    alice_mnemonic = generate_mnemonic()
    check("a fresh mnemonic has 24 words", len(alice_mnemonic.split()) == 24)
    alice_path = os.path.join(tmp, "alice.sqlite")
    alice = await create_wallet(alice_path, chain, alice_mnemonic, chain.tip_height)
    bob = await create_wallet(os.path.join(tmp, "bob.sqlite"), chain, BOB_MNEMONIC, 0)
    alice_key = SpendingKey.from_mnemonic(alice_mnemonic, chain.network, 0)
    bob_key = SpendingKey.from_mnemonic(BOB_MNEMONIC, chain.network, 0)
    alice.check_key(alice_key)
    await raises("another mnemonic's key", SuperzkError.KeyMismatch, lambda: alice.check_key(bob_key))
    await raises("creating over an existing wallet", SuperzkError.WalletExists,
                 lambda: create_wallet(alice_path, chain, alice_mnemonic, 0))
    wrong = ChainInfo(network="testnet", genesis_hash=chain.genesis_hash, tip_height=0)
    e = await raises("opening for another network", SuperzkError.WrongNetwork,
                     lambda: open_wallet(alice_path, wrong))
    check("the networks named", e is not None and "devnet" in e.found and "testnet" in e.expected)
    other = ChainInfo(network="devnet", genesis_hash=bytes(32), tip_height=0)
    await raises("opening for another devnet", SuperzkError.WrongNetwork, lambda: open_wallet(alice_path, other))
    reopened = await open_wallet(alice_path, chain)
    check("reopened, the same address", reopened.address() == alice.address())
    alice_address, bob_address = alice.address(), bob.address()
    check("addresses of the devnet", alice_address != bob_address)
    check("a fresh address differs", alice.new_address() != alice_address)

    # Fund alice: 10 SERO and a ticket, from the devnet faucet.
    faucet(url, alice_address, "--amount", "10")
    faucet(url, alice_address, "--issue-ticket", "concert")
    recorder = SyncRecorder()
    done = await alice.sync(url, None, recorder, None)
    check("sync reported progress", len(recorder.events) > 0 and recorder.events[-1].scanned_height == done.scanned_height)
    check("sync found the notes", done.notes_found == 2)
    check("alice holds 10 SERO", alice.balance(SERO) == 10 * COIN)
    tickets = alice.tickets()
    check("alice holds the ticket", len(tickets) == 1 and tickets[0].category == "concert")
    await bob.sync(url, None, None, None)
    check("bob has nothing yet", bob.balances() == [])

    # Refusals of the spending calls.
    await raises("a malformed address", SuperzkError.InvalidAddress,
                 lambda: alice.propose(pay("szk1notanaddress", PaymentKind.CURRENCY(name="SERO", amount=COIN))))
    mainnet_address = SpendingKey.from_seed(b"a mainnet wallet, 32 bytes long!", 0).address(0)
    e = await raises("an address of another network", SuperzkError.WrongNetwork,
                     lambda: alice.propose(pay(mainnet_address, PaymentKind.CURRENCY(name="SERO", amount=COIN))))
    check("wrong network: devnet expected", e is not None and e.expected == "devnet")
    e = await raises("more than the balance", SuperzkError.InsufficientFunds,
                     lambda: alice.propose(pay(bob_address, PaymentKind.CURRENCY(name="SERO", amount=1000 * COIN))))
    check("insufficient funds: have and need", e is not None and e.have == 10 * COIN and e.need > 1000 * COIN and e.asset == "SERO")
    await raises("a ticket not held", SuperzkError.InvalidRequest,
                 lambda: alice.propose(pay(bob_address, PaymentKind.TICKET(ticket=TicketRef(category="concert", id=bytes(32))))))
    check("refused proposals lock nothing", all(b.pending == 0 for b in alice.balances()))

    keys = ProvingKeys.insecure_from_cache(PARAMS_DIR, DEMO_SEED)

    # A proof cancelled from its own progress callback, after the first
    # proof: Cancelled, and the notes are spendable again at once.
    token = CancelToken()
    cancelling = ProofRecorder(alice, token, cancel_at=1)
    await raises("a cancelled send", SuperzkError.Cancelled,
                 lambda: alice.send(pay(bob_address, PaymentKind.CURRENCY(name="SERO", amount=COIN)),
                                    alice_key, keys, url, cancelling, token))
    proving = [(s, t) for (stage, s, t) in cancelling.events if stage == "proving"]
    check("cancelled after a proof, before the last", any(s >= 1 for s, _ in proving) and all(s < t for s, t in proving))
    check("balance read while proving (notes pending)", len(cancelling.reads) > 0 and cancelling.reads[0] < 10 * COIN)
    sero = [b for b in alice.balances() if b.asset == SERO][0]
    check("nothing left pending after the cancel", sero.pending == 0 and sero.spendable == 10 * COIN)
    check("no transaction left in the history", all(h.mined_height is not None for h in alice.history()))

    # The private transfer in four separate steps.
    memo = "for the tickets".encode()
    proposal = await alice.propose(pay(bob_address, PaymentKind.CURRENCY(name="SERO", amount=3 * COIN), memo))
    check("a fee", proposal.fee > 0)
    check("change comes back", any(c.amount == 7 * COIN - proposal.fee for c in proposal.change))
    check("three proofs (a spend, two outputs)", proposal.proof_count == 3)
    check("notes pending once proposed", [b for b in alice.balances() if b.asset == SERO][0].pending == 10 * COIN)
    # A second proposal cannot use the pending notes.
    await raises("the pending notes are locked", SuperzkError.InsufficientFunds,
                 lambda: alice.propose(pay(bob_address, PaymentKind.CURRENCY(name="SERO", amount=COIN))))
    steps = ProofRecorder()
    proven = await alice.prove(proposal.pczt, keys, steps, None)
    proofs = [s for (stage, s, t) in steps.events if stage == "proving" and t == 3]
    check("progress per proof, 0 to 3", sorted(proofs) == [0, 1, 2, 3])
    await raises("authorized with another key", SuperzkError.KeyMismatch, lambda: alice.authorize(proven, bob_key))
    await raises("submitted before authorizing", SuperzkError.Pczt, lambda: alice.submit(proven, url))
    signed = await alice.authorize(proven, alice_key)
    sent = await alice.submit(signed, url)
    check("a transaction id", len(sent.txid) == 64)
    height = await alice.wait_mined(url, sent.txid, MINE_TIMEOUT)
    check("mined", height > 0)

    # The ticket, in one call (after a sync: the fee comes from the change).
    await alice.sync(url, None, None, None)
    ticket = tickets[0]
    sent_ticket = await alice.send(pay(bob_address, PaymentKind.TICKET(ticket=ticket)),
                                   alice_key, keys, url, None, None)
    await alice.wait_mined(url, sent_ticket.txid, MINE_TIMEOUT)

    # Both sides see it.
    await alice.sync(url, None, None, None)
    await bob.sync(url, None, SyncRecorder(), None)
    check("bob received 3 SERO", bob.balance(SERO) == 3 * COIN)
    check("bob holds the ticket", bob.tickets() == [ticket])
    check("alice has no ticket left", alice.tickets() == [])
    check("alice paid 3 SERO and two fees",
          alice.balance(SERO) == 10 * COIN - 3 * COIN - proposal.fee - sent_ticket.fee)
    bob_history = bob.history()
    received = [r for h in bob_history for r in h.received]
    check("bob's history: the payment with its memo",
          any(r.memo == memo and r.contents[0].amount == 3 * COIN for r in received))
    check("bob's history: the ticket", any(r.contents[0].asset == Asset.TICKET(category=ticket.category, id=ticket.id) for r in received))
    check("bob's history is mined", len(bob_history) == 2 and all(h.mined_height for h in bob_history))
    alice_history = alice.history()
    sent_entry = [h for h in alice_history if h.txid == sent.txid]
    check("alice's history: the transfer with its fee",
          len(sent_entry) == 1 and sent_entry[0].fee == proposal.fee and sent_entry[0].mined_height == height)
    check("alice's history: sent to bob",
          any(s.recipient == bob_address and s.value == 3 * COIN and s.memo == memo for s in sent_entry[0].sent))
    check("alice's history: four transactions", len(alice_history) == 4)
    check("nothing pending after mining", all(b.pending == 0 for b in alice.balances()))

    await packages(url, keys, (alice, alice_key), (bob, bob_key), ticket)
    await sync_cancelled_and_resumed(tmp, url, chain, bob)


def holds(contents, asset, amount):
    return any(c.asset == asset and c.amount == amount for c in contents)


async def send_mined(url, wallet, key, keys, request, listener=None):
    sent = await wallet.send(request, key, keys, url, listener, None)
    await wallet.wait_mined(url, sent.txid, MINE_TIMEOUT)
    return sent


async def packages(url, keys, alice_and_key, bob_and_key, ticket):
    """Bob seals 1 SERO and the ticket into a package for alice; alice
    passes it on to bob unopened; bob opens it. Each side's balances,
    tickets, packages and history are checked after each step."""
    alice, alice_key = alice_and_key
    bob, bob_key = bob_and_key
    alice_address, bob_address = alice.address(), bob.address()
    ticket_asset = Asset.TICKET(category=ticket.category, id=ticket.id)
    nothing_else = PaymentRequest(payments=[], open_packages=[4242], redeem_tickets=[], expiry_delta=None)

    # Refusals first: nothing proposed, nothing locked.
    e = await raises("sealing more than held", SuperzkError.InsufficientFunds,
                     lambda: bob.propose(pay(alice_address, PaymentKind.SEAL_PACKAGE(
                         contents=[AssetAmount(asset=SERO, amount=1000 * COIN)]))))
    check("sealing too much: have and need",
          e is not None and e.asset == "SERO" and e.have == 3 * COIN and e.need >= 1000 * COIN)
    await raises("opening a package not held", SuperzkError.InvalidRequest, lambda: bob.propose(nothing_else))
    await raises("passing a package not held", SuperzkError.InvalidRequest,
                 lambda: bob.propose(pay(alice_address, PaymentKind.PASS_PACKAGE(package=4242))))
    await raises("sealing a ticket not held", SuperzkError.InvalidRequest,
                 lambda: bob.propose(pay(alice_address, PaymentKind.SEAL_PACKAGE(
                     contents=[AssetAmount(asset=Asset.TICKET(category="concert", id=bytes(32)), amount=1)]))))
    check("package refusals lock nothing", all(b.pending == 0 for b in bob.balances()))

    # Sealed by bob for alice; the proving listener asks for fresh
    # addresses while proving (writes, no deadlock).
    memo = b"sealed for alice"
    writer = ProofRecorder(bob, write=True)
    sealed = await send_mined(url, bob, bob_key, keys, pay(alice_address, PaymentKind.SEAL_PACKAGE(
        contents=[AssetAmount(asset=SERO, amount=COIN), AssetAmount(asset=ticket_asset, amount=1)]), memo), writer)
    check("addresses made from the proving listener, all fresh",
          len(writer.writes) > 0 and len(set(writer.writes)) == len(writer.writes)
          and bob_address not in writer.writes)
    alice_before = alice.balance(SERO)
    await alice.sync(url, None, None, None)
    await bob.sync(url, None, None, None)
    check("bob sealed the ticket away", bob.tickets() == [])
    check("bob paid 1 SERO and the fee", bob.balance(SERO) == 2 * COIN - sealed.fee)
    check("bob holds no package", bob.packages() == [])
    held = alice.packages()
    check("alice holds the package: 1 SERO and the ticket, with the memo",
          len(held) == 1 and len(held[0].contents) == 2 and holds(held[0].contents, SERO, COIN)
          and holds(held[0].contents, ticket_asset, 1) and held[0].memo == memo)
    check("a package is not in the balance", alice.balance(SERO) == alice_before and alice.tickets() == [])
    check("alice's history: the package received",
          any(r.is_package and r.memo == memo and holds(r.contents, SERO, COIN)
              for h in alice.history() for r in h.received))
    check("bob's history: the sealing, with its fee",
          any(h.txid == sealed.txid and h.fee == sealed.fee and h.mined_height for h in bob.history()))
    if len(held) != 1:
        return

    # Passed on by alice to bob, unopened.
    package_id = held[0].id
    passed_on = await send_mined(url, alice, alice_key, keys, pay(bob_address, PaymentKind.PASS_PACKAGE(package=package_id)))
    await alice.sync(url, None, None, None)
    await bob.sync(url, None, None, None)
    check("alice no longer holds it", alice.packages() == [])
    check("alice paid only the fee", alice.balance(SERO) == alice_before - passed_on.fee)
    await raises("opening a package passed on", SuperzkError.InvalidRequest,
                 lambda: alice.propose(PaymentRequest(payments=[], open_packages=[package_id],
                                                      redeem_tickets=[], expiry_delta=None)))
    held = bob.packages()
    check("bob holds it, unopened",
          len(held) == 1 and holds(held[0].contents, SERO, COIN) and holds(held[0].contents, ticket_asset, 1))
    check("bob's balance unchanged by it", bob.balance(SERO) == 2 * COIN - sealed.fee and bob.tickets() == [])
    if len(held) != 1:
        return

    # Opened by bob: its contents become his notes.
    opened = await send_mined(url, bob, bob_key, keys, PaymentRequest(
        payments=[], open_packages=[held[0].id], redeem_tickets=[], expiry_delta=None))
    await bob.sync(url, None, None, None)
    check("bob holds no package after opening", bob.packages() == [])
    check("bob holds the ticket again", bob.tickets() == [ticket])
    check("bob has the SERO back, less two fees", bob.balance(SERO) == 3 * COIN - sealed.fee - opened.fee)
    check("bob's history: the opening, with its fee",
          any(h.txid == opened.txid and h.fee == opened.fee and h.spent_notes >= 1 for h in bob.history()))
    await raises("opening it twice", SuperzkError.InvalidRequest,
                 lambda: bob.propose(PaymentRequest(payments=[], open_packages=[held[0].id],
                                                    redeem_tickets=[], expiry_delta=None)))


async def sync_cancelled_and_resumed(tmp, url, chain, bob):
    """A third copy of bob's account, restored at birthday 0 and synced in
    batches of 5 blocks: cancelled from its listener at the first batch
    (that batch kept, nothing after it), then synced again to the tip, its
    listener asking for fresh addresses and trying a second sync (refused:
    SyncInProgress). In the end it holds what bob holds."""
    copy = await create_wallet(os.path.join(tmp, "bob-copy.sqlite"), chain, BOB_MNEMONIC, 0)
    early = CancelToken()
    early.cancel()
    await raises("a sync cancelled before it starts", SuperzkError.Cancelled,
                 lambda: copy.sync(url, 5, None, early))
    check("nothing stored by it", copy.scanned_height() is None)
    await raises("batches of 0 blocks", SuperzkError.InvalidArgument, lambda: copy.sync(url, 0, None, None))
    token = CancelToken()
    cancelling = SyncRecorder(token=token)
    await raises("a sync cancelled from its listener", SuperzkError.Cancelled,
                 lambda: copy.sync(url, 5, cancelling, token))
    check("one batch of 5 blocks stored, nothing after it",
          [e.scanned_height for e in cancelling.events] == [4] and copy.scanned_height() == 4)
    busy = SyncRecorder(wallet=copy, url=url)
    done = await copy.sync(url, 5, busy, None)
    heights = [e.scanned_height for e in busy.events]
    check("resumed after the stored batch, in batches of 5, to the tip",
          len(heights) > 1 and heights[0] == 9 and heights[-1] == done.scanned_height
          and all(0 < b - a <= 5 for a, b in zip(heights, heights[1:])))
    check("a second sync from the listener is refused at once", busy.second_sync == "refused")
    check("fresh addresses made from the sync listener",
          len(busy.addresses) == len(heights) and len(set(busy.addresses)) == len(heights))
    await bob.sync(url, None, None, None)
    check("the resumed copy holds what bob holds",
          copy.balances() == bob.balances() and copy.tickets() == bob.tickets()
          and len(copy.history()) == len(bob.history()))


asyncio.run(main())
