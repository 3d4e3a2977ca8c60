"""SuperZK's Python bindings, run for real: keys and addresses, every fixture
verified as fixtures/manifest.json says, one shielding transaction proven,
verified and scanned, and bad inputs raising the right exception.

Usage: python3 test_bindings.py  (with the generated superzk_uniffi.py and
libsuperzk_uniffi.so beside it or on sys.path, SUPERZK_FIXTURES naming the
fixtures folder and SUPERZK_PARAMS_DIR the parameter cache).
"""
import json
import os
import time

from superzk_uniffi import (
    Asset,
    Circuit,
    ProgressListener,
    ProvingKeys,
    SpendingKey,
    FullViewingKey,
    IncomingViewingKey,
    AssetAmount,
    SuperzkError,
    VerifyingKeys,
    ScanningWallet,
    builtin_verifying_key,
    decode_address,
    encode_address,
    issue_ticket,
    read_verifying_key,
    scan_transaction,
    shield,
    ticket_id,
    verify_block,
    verify_proof,
    verify_transaction,
    verify_transactions,
)

FIXTURES = os.environ["SUPERZK_FIXTURES"]
PARAMS_DIR = os.environ["SUPERZK_PARAMS_DIR"]
# The transparent account that pays for shielding and issues tickets.
ACCOUNT = bytes([0xA1] * 32)
passed = 0
failed = 0


def check(name, condition):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {name}")


def raises(name, kind, call):
    """Checks that call() raises SuperzkError of subclass `kind`."""
    try:
        call()
    except kind as e:
        check(f"{name} (message: {e})", len(str(e)) > 0)
        return
    except Exception as e:  # a wrong kind is a failure, not a crash
        check(f"{name}: raised {type(e).__name__}: {e}", False)
        return
    check(f"{name}: raised nothing", False)


class Recorder(ProgressListener):
    def __init__(self):
        self.events = []

    def on_progress(self, stage, step, total):
        self.events.append((stage, step, total))


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


manifest = json.loads(read("manifest.json"))
CIRCUITS = {
    "spend": Circuit.SPEND,
    "output": Circuit.OUTPUT,
    "package-spend": Circuit.PACKAGE_SPEND,
    "package-output": Circuit.PACKAGE_OUTPUT,
}

# Keys and addresses.
alice = SpendingKey.from_seed(b"alice's seed, 32 bytes at least!", 0)
bob = SpendingKey.from_seed(b"bob's seed, also 32 bytes long!!", 0)
check("spending key round-trips", SpendingKey.decode(alice.encode()).encode() == alice.encode())
fvk = alice.full_viewing_key()
check("fvk round-trips", FullViewingKey.decode(fvk.encode()).encode() == fvk.encode())
ivk = fvk.incoming_viewing_key()
check("ivk round-trips", IncomingViewingKey.decode(ivk.encode()).encode() == ivk.encode())
address = alice.address(0)
check("ivk gives the same address", ivk.address(0) == address)
check("addresses differ by index", alice.address(1) != address)
check("seeds give different keys", bob.address(0) != address)
parts = decode_address(address)
check("diversifier is 11 bytes", len(parts.diversifier) == 11)
check("address round-trips through bytes", encode_address(parts.bytes) == address)
raises("corrupt address", SuperzkError.Key, lambda: decode_address(address[:-1] + ("q" if address[-1] != "q" else "p")))
raises("short address bytes", SuperzkError.Key, lambda: encode_address(parts.bytes[:-1]))
raises("bad spending key text", SuperzkError.Key, lambda: SpendingKey.decode("szk-sk1nonsense"))

# Built-in verifying keys are the fixtures' keys.
builtin = VerifyingKeys.builtin()
for name, circuit in CIRCUITS.items():
    info = read_verifying_key(builtin_verifying_key(circuit))
    check(f"built-in {name} key is for its circuit", info.circuit == circuit)
    check(f"built-in {name} fingerprint", info.fingerprint == manifest["vk_fingerprints"][name])
    check(f"keys object {name} fingerprint", builtin.fingerprint(circuit) == info.fingerprint)

# Every fixture, as the manifest says.
batch = []
for entry in manifest["files"]:
    data = read(entry["file"])
    kind, expect = entry["kind"], entry["expect"]
    label = f"{entry['file']} ({kind}, {expect})"
    if kind == "verifying-key":
        info = read_verifying_key(data)
        check(label, info.circuit == CIRCUITS[entry["file"][:-3]])
    elif expect == "malformed":
        raises(label, SuperzkError.Decode, lambda: verify_transaction(builtin, data))
        raises(label + " as proof", SuperzkError.Decode, lambda: verify_proof(builtin, data))
        raises(label + " as block", SuperzkError.Decode, lambda: verify_block(builtin, data))
    elif kind == "transaction":
        verdict = verify_transaction(builtin, data)
        check(label, verdict.valid == (expect == "valid"))
        check(label + " has a reason iff invalid", (verdict.reason is None) == verdict.valid)
        batch.append((data, expect == "valid"))
    elif kind == "proof":
        check(label, verify_proof(builtin, data).valid == (expect == "valid"))
    elif kind == "block":
        verdict = verify_block(builtin, data)
        check(label, verdict.valid == (expect == "valid"))
        check(label + " has a reason iff invalid", (verdict.reason is None) == verdict.valid)
    else:
        check(f"{label}: unknown kind in manifest", False)
verdicts = verify_transactions(builtin, [d for d, _ in batch])
check("batch verdicts match the manifest", [v.valid for v in verdicts] == [ok for _, ok in batch])
raises("batch with a malformed member", SuperzkError.Decode, lambda: verify_transactions(builtin, [batch[0][0], read("truncated.tx")]))

# Prove once: shield 1000 SERO into a note for Bob, with progress reported.
keys = ProvingKeys.insecure_from_cache(PARAMS_DIR, manifest["params_seed"].encode())
check("proving keys load lazily", not keys.is_loaded())
recorder = Recorder()
sero = Asset.CURRENCY(name="SERO")
start = time.monotonic()
tx = shield(keys, ACCOUNT, bob.address(0), sero, 1000, b"hello bob", recorder)
print(f"python: shielding transaction proven in {time.monotonic() - start:.2f} s")
check("proving keys loaded on first proof", keys.is_loaded())
stages = [e[0] for e in recorder.events]
# A cold cache adds "generating" events before each key is ready.
ready = [s for s in stages if s.endswith("proving key ready")]
check("progress reports every key and the proof", len(ready) == 4 and stages[-2:] == ["proving", "proved"])
derived = keys.verifying_keys()
for circuit in CIRCUITS.values():
    check("cache keys match the fixtures' keys", derived.fingerprint(circuit) == builtin.fingerprint(circuit))
check("proven transaction verifies", verify_transaction(builtin, tx).valid)
check("proven transaction verifies in a batch", all(v.valid for v in verify_transactions(builtin, [tx, read("transfer.tx")])))
tampered = bytearray(tx)
tampered[len(tampered) // 2] ^= 1
try:
    check("a flipped bit makes it invalid", not verify_transaction(builtin, bytes(tampered)).valid)
except SuperzkError.Decode:
    check("a flipped bit makes it malformed", True)

# Scan it: Bob finds his note, Alice finds nothing.
found = scan_transaction(bob.full_viewing_key().incoming_viewing_key(), tx)
check("bob finds one note", len(found) == 1)
check("note value", found[0].value == 1000)
check("note asset", isinstance(found[0].asset, Asset.CURRENCY) and found[0].asset.name == "SERO")
check("note memo", found[0].memo[:9] == b"hello bob" and len(found[0].memo) == 512)
check("alice finds nothing", scan_transaction(ivk, tx) == [])
wallet = ScanningWallet(bob)
summary = wallet.scan(tx)
check("wallet receives one note", summary.received == 1 and summary.spent == 0)
check("wallet balance", wallet.balance(sero) == 1000)
check("wallet notes", [n.value for n in wallet.notes()] == [1000])

# Every kind of transaction, scanned by both wallets in chain order: Bob
# pays Alice, Alice is issued a ticket, seals it with SERO into a package
# for Bob, and Bob opens it.
alice_wallet = ScanningWallet(alice)
alice_wallet.scan(tx)


def publish(label, made):
    check(f"{label} verifies", verify_transaction(builtin, made).valid)
    return alice_wallet.scan(made), wallet.scan(made)


start = time.monotonic()
paid = wallet.transfer(keys, address, sero, 300, 1, b"rent", None)
print(f"python: transfer proven in {time.monotonic() - start:.2f} s")
a, b = publish("transfer", paid)
check("transfer: alice receives, bob spends and gets change", (a.received, b.spent, b.received) == (1, 1, 1))
check("transfer balances", (alice_wallet.balance(sero), wallet.balance(sero)) == (300, 699))
ticket = Asset.TICKET(category="py-concert", id=ticket_id(ACCOUNT, "py-concert", bytes(range(32))))
a, _ = publish("ticket issuance", issue_ticket(keys, ACCOUNT, "py-concert", bytes(range(32)), alice.address(2), None))
check("alice holds the ticket", a.received == 1 and alice_wallet.balance(ticket) == 1)
raises("a ticket serial of 31 bytes", SuperzkError.InvalidArgument, lambda: issue_ticket(keys, ACCOUNT, "c", bytes(31), address, None))
raises("an account of 31 bytes", SuperzkError.InvalidArgument, lambda: issue_ticket(keys, bytes(31), "c", bytes(32), address, None))
sealed = alice_wallet.seal_package(keys, bob.address(5), [AssetAmount(asset=sero, amount=120), AssetAmount(asset=ticket, amount=1)], b"gift", None)
publish("package seal", sealed)
held = wallet.packages()
check("bob holds one package", len(held) == 1 and held[0].memo[:4] == b"gift")
contents = held[0].contents
check("package contents", len(contents) == 2 and AssetAmount(asset=sero, amount=120) in contents and AssetAmount(asset=ticket, amount=1) in contents)
check("alice's ticket is sealed away", alice_wallet.balance(ticket) == 0 and alice_wallet.balance(sero) == 180)
raises("open a package bob does not hold", SuperzkError.InvalidArgument, lambda: wallet.open_package(keys, 1, None))
publish("package open", wallet.open_package(keys, 0, None))
check("bob's package is opened", wallet.packages() == [] and wallet.balance(sero) == 819 and wallet.balance(ticket) == 1)

# Bad inputs raise the right kind.
raises("transfer beyond the balance", SuperzkError.Build, lambda: wallet.transfer(keys, address, sero, 5000, 0, b"", None))
raises("memo too long", SuperzkError.InvalidArgument, lambda: shield(keys, ACCOUNT, address, sero, 1, bytes(513), None))
raises("asset name too long", SuperzkError.InvalidArgument, lambda: shield(keys, ACCOUNT, address, Asset.CURRENCY(name="X" * 33), 1, b"", None))
raises("shield to a bad address", SuperzkError.Key, lambda: shield(keys, ACCOUNT, "szk1bad", sero, 1, b"", None))
raises("wallet scans garbage", SuperzkError.Decode, lambda: wallet.scan(read("garbage.bin")))
missing = ProvingKeys.from_files("/nonexistent/spend.pk", "/nonexistent/output.pk", "/nonexistent/ps.pk", "/nonexistent/po.pk")
raises("missing proving key files", SuperzkError.Key, lambda: missing.load(None))
raises("proving key bytes that are not a key", SuperzkError.BadProvingKey, lambda: ProvingKeys.from_bytes(b"x", b"x", b"x", b"x"))
raises("verifying key of the wrong circuit", SuperzkError.Key, lambda: VerifyingKeys.from_files(*[builtin_verifying_key(Circuit.OUTPUT)] * 4))

print(f"python: {passed} passed, {failed} failed")
raise SystemExit(1 if failed else 0)
