//! A chain on disk: open or create the store, apply blocks (atomically),
//! undo the tip exactly, reorganise to another branch, export, and read the
//! state. The block template a miner fills lives in `producer`.

use std::{path::Path, sync::Arc};

use rand_core::CryptoRngCore;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction};
use superzk_circuits::note::AssetId;
use superzk_verifier::verify::VerifyingKeys;

use crate::{
    account::AccountId,
    block::{Block, ChainFile, Header},
    error::ChainError,
    params::ChainParams,
    records::{NodeRecord, TicketRecord},
    store::{
        StateTable, StateTxn, UndoRecord, BLOCKS, CHAIN, DIGESTS, FRONTIERS, HEADERS, SIDE_BLOCKS,
        UNDO,
    },
    validate::{apply_block, Context, RuleCounts, Seal, TREE_KEY},
};

/// The validating node's clock: seconds since the Unix epoch. The rules
/// read no clock themselves; the node passes its own in (tests pass a fixed
/// one).
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// A chain and its state on an embedded, crash-safe database.
pub struct Chain {
    db: Database,
    params: ChainParams,
    keys: VerifyingKeys,
    clock: Clock,
}

/// The chain facts a block's validation needs besides the state.
pub(crate) struct Facts {
    pub(crate) tip: Option<Header>,
    pub(crate) chain_id: [u8; 32],
    pub(crate) recent_times: Vec<u64>,
    pub(crate) retarget_span: u64,
    pub(crate) now: u64,
}

/// Where the native coins are (see [`Chain::supply_audit`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupplyAudit {
    /// Transparent account balances.
    pub accounts: u128,
    /// Rewards and stakes due at the next settlement.
    pub pending: u128,
    /// StakingNode pledges and their rewards of the period.
    pub pledges: u128,
    /// Stakes of tickets in the pool.
    pub ticket_stakes: u128,
    /// Held in the shielded pool (the turnstile).
    pub shielded: u128,
    /// Burned.
    pub burned: u128,
    /// Allocated by the genesis block.
    pub genesis: u128,
    /// Issued by block rewards (full rewards and late-vote shares).
    pub issued: u128,
}

impl SupplyAudit {
    /// Every coin that exists or was burned came from genesis or a reward.
    pub fn is_conserved(&self) -> bool {
        self.accounts
            + self.pending
            + self.pledges
            + self.ticket_stakes
            + self.shielded
            + self.burned
            == self.genesis + self.issued
    }
}

/// A state table, a key and its value.
pub type StateEntry = (StateTable, Vec<u8>, Vec<u8>);

const PROFILE_KEY: &str = "profile";

impl Chain {
    /// Opens (or creates) the store at `path` for a chain under `params`.
    /// A store of another profile is refused. A damaged file is refused
    /// with [`ChainError::Store`], never half-read: redb replays or rolls
    /// back an interrupted commit, then every page's checksum is verified,
    /// and the state must hash to the tip header's state root.
    pub fn open(path: &Path, params: ChainParams, keys: VerifyingKeys) -> Result<Self, ChainError> {
        let damaged = |what: String| {
            ChainError::Store(format!(
                "the database {} is damaged ({what}); restore it from a backup, or rebuild it \
                 by validating an exported chain into a fresh --data-dir",
                path.display()
            ))
        };
        let mut db = Database::create(path).map_err(|e| damaged(e.to_string()))?;
        match db.check_integrity() {
            Ok(true) => {}
            Ok(false) => return Err(damaged("pages failed their checksums".into())),
            Err(e) => return Err(damaged(e.to_string())),
        }
        let txn = db.begin_write()?;
        {
            let mut chain = txn.open_table(CHAIN)?;
            let existing = chain.get(PROFILE_KEY)?.map(|v| v.value().to_vec());
            match existing {
                Some(p) if p != params.name.as_bytes() => {
                    return Err(ChainError::WrongChain(
                        String::from_utf8_lossy(&p).into_owned(),
                    ))
                }
                Some(_) => {}
                None => {
                    chain.insert(PROFILE_KEY, params.name.as_bytes())?;
                }
            }
            let blocks = txn.open_table(BLOCKS)?;
            txn.open_table(UNDO)?;
            txn.open_table(HEADERS)?;
            txn.open_table(SIDE_BLOCKS)?;
            txn.open_table(FRONTIERS)?;
            // Stores written before the state digests existed hash their
            // state another way: their headers' state roots cannot match.
            if !blocks.is_empty()? && txn.open_table(DIGESTS)?.is_empty()? {
                return Err(ChainError::Store(format!(
                    "the database {} was written by an older SuperZK whose state root is \
                     computed differently; start a fresh --data-dir",
                    path.display()
                )));
            }
        }
        let intact = StateTxn::open(&txn)?.digests_match_tables()?;
        if !intact {
            return Err(damaged(
                "the state tables do not match their digests".into(),
            ));
        }
        txn.commit()?;
        let chain = Self {
            db,
            params,
            keys,
            clock: system_clock(),
        };
        // The state must be the one the tip's header commits to.
        let tip = chain.tip().map_err(|e| damaged(e.to_string()))?;
        let root = chain.state_root().map_err(|e| damaged(e.to_string()))?;
        if let Some(tip) = tip {
            if root != tip.state_root {
                return Err(damaged(format!(
                    "the state does not hash to the state root of block {}",
                    tip.height
                )));
            }
        }
        Ok(chain)
    }

    /// Replaces the clock the timestamp rule reads (tests, simulations).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The chain id: the genesis block's hash (`None` before genesis).
    /// Account signatures and shielded transactions commit to it.
    pub fn chain_id(&self) -> Result<Option<[u8; 32]>, ChainError> {
        Ok(self.header(0)?.map(|h| h.hash()))
    }

    /// The header at `height` on the best chain.
    pub fn header(&self, height: u64) -> Result<Option<Header>, ChainError> {
        let txn = self.db.begin_read()?;
        let headers = txn.open_table(HEADERS)?;
        match headers.get(height)? {
            None => Ok(None),
            Some(b) => Ok(Some(Header::from_bytes(b.value())?)),
        }
    }

    pub(crate) fn facts(&self) -> Result<Facts, ChainError> {
        let txn = self.db.begin_read()?;
        let headers = txn.open_table(HEADERS)?;
        self.facts_in(&headers)
    }

    /// The facts of the block after the tip, read from `headers` (a
    /// committed table, or one inside a reorganisation's transaction).
    fn facts_in(
        &self,
        headers: &impl ReadableTable<u64, &'static [u8]>,
    ) -> Result<Facts, ChainError> {
        let read = |h: u64| -> Result<Header, ChainError> {
            let bytes = headers
                .get(h)?
                .ok_or_else(|| ChainError::Store(format!("header {h} missing")))?;
            Ok(Header::from_bytes(bytes.value())?)
        };
        let tip = match headers.last()? {
            Some((_, b)) => Some(Header::from_bytes(b.value())?),
            None => None,
        };
        let mut recent_times = vec![];
        let mut retarget_span = 0;
        if let Some(t) = &tip {
            let oldest = t
                .height
                .saturating_sub(self.params.median_time_blocks.saturating_sub(1) as u64);
            for h in (oldest..=t.height).rev() {
                recent_times.push(read(h)?.time);
            }
            let first = (t.height + 1).saturating_sub(self.params.retarget_interval);
            retarget_span = t.time.saturating_sub(read(first)?.time);
        }
        let chain_id = match tip {
            Some(_) => read(0)?.hash(),
            None => [0; 32],
        };
        Ok(Facts {
            chain_id,
            tip,
            recent_times,
            retarget_span,
            now: (self.clock)(),
        })
    }

    /// Runs `f` with the validation context of the block after the tip
    /// that `facts` describe.
    fn with_facts<T>(
        &self,
        facts: &Facts,
        f: impl FnOnce(&Context) -> Result<T, ChainError>,
    ) -> Result<T, ChainError> {
        let span = facts.retarget_span;
        let ctx = Context {
            params: &self.params,
            keys: &self.keys,
            parent: facts.tip.as_ref(),
            chain_id: facts.chain_id,
            recent_times: &facts.recent_times,
            now: facts.now,
            retarget_span: &move || Ok(span),
        };
        f(&ctx)
    }

    /// Runs `f` with the validation context of the block after the tip.
    fn with_context<T>(
        &self,
        f: impl FnOnce(&Context) -> Result<T, ChainError>,
    ) -> Result<T, ChainError> {
        self.with_facts(&self.facts()?, f)
    }

    /// The chain parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The verifying keys shielded transactions are checked with.
    pub fn verifying_keys(&self) -> &VerifyingKeys {
        &self.keys
    }

    /// Height of the tip (`None` before genesis).
    pub fn height(&self) -> Result<Option<u64>, ChainError> {
        let txn = self.db.begin_read()?;
        let blocks = txn.open_table(BLOCKS)?;
        let last = blocks.last()?.map(|(k, _)| k.value());
        Ok(last)
    }

    /// The block at `height` on the best chain.
    pub fn block(&self, height: u64) -> Result<Option<Block>, ChainError> {
        let txn = self.db.begin_read()?;
        let blocks = txn.open_table(BLOCKS)?;
        match blocks.get(height)? {
            None => Ok(None),
            Some(b) => Ok(Some(Block::from_bytes(b.value())?)),
        }
    }

    /// The tip's header.
    pub fn tip(&self) -> Result<Option<Header>, ChainError> {
        match self.height()? {
            None => Ok(None),
            Some(h) => self.header(h),
        }
    }

    /// Seconds between the first and last block of the retarget window
    /// that ends at `tip`.
    pub fn retarget_span(&self, tip: &Header) -> Result<u64, ChainError> {
        let first = (tip.height + 1).saturating_sub(self.params.retarget_interval);
        let first = self
            .header(first)?
            .ok_or_else(|| ChainError::Store(format!("header {first} missing")))?;
        Ok(tip.time.saturating_sub(first.time))
    }

    /// Runs `f` on a write transaction with the state open and the tip as
    /// parent; commits only when `f` asks to.
    fn with_state<T>(
        &self,
        f: impl FnOnce(
            &redb::WriteTransaction,
            &mut StateTxn,
            Option<&Header>,
        ) -> Result<(T, bool), ChainError>,
    ) -> Result<T, ChainError> {
        let tip = self.tip()?;
        let txn = self.db.begin_write()?;
        let (out, commit) = {
            let mut st = StateTxn::open(&txn)?;
            f(&txn, &mut st, tip.as_ref())?
        };
        if commit {
            txn.commit()?;
        } else {
            txn.abort()?;
        }
        Ok(out)
    }

    /// Validates `block` against the tip and applies it, all or nothing.
    pub fn apply(
        &self,
        block: &Block,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<RuleCounts, ChainError> {
        let txn = self.db.begin_write()?;
        let counts = self.apply_in(&txn, block, rng)?;
        txn.commit()?;
        Ok(counts)
    }

    /// Validates `block` against the tip as `txn` sees it and writes it,
    /// its header, undo record and tree frontier into `txn`.
    fn apply_in(
        &self,
        txn: &WriteTransaction,
        block: &Block,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<RuleCounts, ChainError> {
        let facts = self.facts_in(&txn.open_table(HEADERS)?)?;
        let (counts, undo, frontier) = self.with_facts(&facts, |ctx| {
            let mut st = StateTxn::open(txn)?;
            let counts = apply_block(ctx, &mut st, block, Seal::Check, rng)?;
            let frontier = st.get(StateTable::Meta, TREE_KEY)?.unwrap_or_default();
            Ok((counts, st.finish()?, frontier))
        })?;
        let height = block.header.height;
        txn.open_table(BLOCKS)?
            .insert(height, block.to_bytes().as_slice())?;
        txn.open_table(HEADERS)?
            .insert(height, block.header.to_bytes().as_slice())?;
        txn.open_table(UNDO)?
            .insert(height, undo.to_bytes().as_slice())?;
        txn.open_table(FRONTIERS)?
            .insert(height, frontier.as_slice())?;
        Ok(counts)
    }

    /// The state root the tip's block would have if `block` (unsealed)
    /// were applied: what a miner puts in the header before mining.
    pub fn state_root_after(
        &self,
        block: &Block,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<[u8; 32], ChainError> {
        self.with_context(|ctx| {
            self.with_state(|_, st, _| {
                apply_block(ctx, st, block, Seal::Skip, rng)?;
                Ok((st.state_root()?, false))
            })
        })
    }

    /// Reads the state through `f` in a transaction that is then discarded.
    pub fn inspect<T>(
        &self,
        f: impl FnOnce(&mut StateTxn, Option<&Header>) -> Result<T, ChainError>,
    ) -> Result<T, ChainError> {
        self.with_state(|_, st, tip| Ok((f(st, tip)?, false)))
    }

    /// Undoes the tip block exactly and returns it.
    pub fn undo_tip(&self) -> Result<Block, ChainError> {
        let txn = self.db.begin_write()?;
        let block = self.undo_in(&txn)?;
        txn.commit()?;
        Ok(block)
    }

    /// Undoes the tip as `txn` sees it, inside `txn`.
    fn undo_in(&self, txn: &WriteTransaction) -> Result<Block, ChainError> {
        let (height, bytes) = {
            let blocks = txn.open_table(BLOCKS)?;
            let last = blocks.last()?;
            let (h, b) = last
                .ok_or_else(|| ChainError::Usage("the chain is empty: nothing to undo".into()))?;
            (h.value(), b.value().to_vec())
        };
        if height == 0 {
            return Err(ChainError::Usage("genesis cannot be undone".into()));
        }
        let block = Block::from_bytes(&bytes)?;
        let undo = {
            let undos = txn.open_table(UNDO)?;
            let record = undos.get(height)?.ok_or_else(|| {
                ChainError::Store(format!("undo record of block {height} missing"))
            })?;
            UndoRecord::from_bytes(record.value())?
        };
        StateTxn::open(txn)?.revert(&undo)?;
        txn.open_table(UNDO)?.remove(height)?;
        txn.open_table(BLOCKS)?.remove(height)?;
        txn.open_table(HEADERS)?.remove(height)?;
        txn.open_table(FRONTIERS)?.remove(height)?;
        Ok(block)
    }

    /// Switches to a branch that forks after `fork_height`: undoes the
    /// blocks above it (they become side blocks) and applies `branch`
    /// (its blocks leave the side blocks), all in one durable transaction.
    /// If a block of the branch is refused nothing changes, and the error
    /// names that block's height.
    pub fn reorganize(
        &self,
        fork_height: u64,
        branch: &[Block],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<RuleCounts, ChainError> {
        let txn = self.db.begin_write()?;
        let mut undone = vec![];
        while txn
            .open_table(BLOCKS)?
            .last()?
            .is_some_and(|(h, _)| h.value() > fork_height)
        {
            undone.push(self.undo_in(&txn)?);
        }
        let mut counts = RuleCounts::default();
        for b in branch {
            counts.merge(&self.apply_in(&txn, b, rng)?);
        }
        {
            let mut side = txn.open_table(SIDE_BLOCKS)?;
            for b in &undone {
                side.insert(b.hash().as_slice(), b.to_bytes().as_slice())?;
            }
            for b in branch {
                side.remove(b.hash().as_slice())?;
            }
        }
        txn.commit()?;
        Ok(counts)
    }

    /// Stores a block of a side branch (durably), to be applied if its
    /// branch becomes the best chain.
    pub fn store_side_block(&self, block: &Block) -> Result<(), ChainError> {
        let txn = self.db.begin_write()?;
        txn.open_table(SIDE_BLOCKS)?
            .insert(block.hash().as_slice(), block.to_bytes().as_slice())?;
        txn.commit()?;
        Ok(())
    }

    /// Forgets side blocks (a branch found invalid, or too old to matter).
    pub fn remove_side_blocks(&self, hashes: &[[u8; 32]]) -> Result<(), ChainError> {
        let txn = self.db.begin_write()?;
        {
            let mut side = txn.open_table(SIDE_BLOCKS)?;
            for h in hashes {
                side.remove(h.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// A side block by hash.
    pub fn side_block(&self, hash: &[u8; 32]) -> Result<Option<Block>, ChainError> {
        let txn = self.db.begin_read()?;
        let side = txn.open_table(SIDE_BLOCKS)?;
        match side.get(hash.as_slice())? {
            None => Ok(None),
            Some(b) => Ok(Some(Block::from_bytes(b.value())?)),
        }
    }

    /// The headers of every stored side block.
    pub fn side_headers(&self) -> Result<Vec<Header>, ChainError> {
        let txn = self.db.begin_read()?;
        let side = txn.open_table(SIDE_BLOCKS)?;
        let mut out = vec![];
        for item in side.iter()? {
            out.push(Block::from_bytes(item?.1.value())?.header);
        }
        Ok(out)
    }

    /// The best chain's headers from `start` on, in order.
    pub fn headers_from(&self, start: u64) -> Result<Vec<Header>, ChainError> {
        let txn = self.db.begin_read()?;
        let headers = txn.open_table(HEADERS)?;
        let mut out = vec![];
        for item in headers.range(start..)? {
            out.push(Header::from_bytes(item?.1.value())?);
        }
        Ok(out)
    }

    /// The note commitment tree (canonical encoding) after the best
    /// chain's block at `height`.
    pub fn frontier(&self, height: u64) -> Result<Option<Vec<u8>>, ChainError> {
        let txn = self.db.begin_read()?;
        let frontiers = txn.open_table(FRONTIERS)?;
        Ok(frontiers.get(height)?.map(|v| v.value().to_vec()))
    }

    /// The whole chain as a file.
    pub fn export(&self) -> Result<ChainFile, ChainError> {
        let txn = self.db.begin_read()?;
        let blocks = txn.open_table(BLOCKS)?;
        let mut out = Vec::with_capacity(blocks.len()? as usize);
        for item in blocks.iter()? {
            out.push(Block::from_bytes(item?.1.value())?);
        }
        Ok(ChainFile {
            profile: self.params.name.to_string(),
            blocks: out,
        })
    }

    /// The state root of the current state.
    pub fn state_root(&self) -> Result<[u8; 32], ChainError> {
        self.inspect(|st, _| st.state_root())
    }

    /// Every entry of every state table: for exact comparisons in tests.
    pub fn state_dump(&self) -> Result<Vec<StateEntry>, ChainError> {
        self.inspect(|st, _| {
            let mut out = vec![];
            for t in StateTable::ALL {
                for (k, v) in st.entries(t)? {
                    out.push((t, k, v));
                }
            }
            Ok(out)
        })
    }

    /// An account's transparent balance of `asset`.
    pub fn balance(&self, account: &AccountId, asset: &AssetId) -> Result<u64, ChainError> {
        let key = [account.as_slice(), &asset.to_bytes()].concat();
        self.inspect(|st, _| st.get_u64(StateTable::Accounts, &key))
    }

    /// Every asset an account holds publicly, with its balance.
    pub fn balances(&self, account: &AccountId) -> Result<Vec<(AssetId, u64)>, ChainError> {
        self.inspect(|st, _| {
            st.entries_with_prefix(StateTable::Accounts, account)?
                .into_iter()
                .map(|(k, v)| {
                    let corrupt = || ChainError::Store("corrupt account entry".into());
                    let asset = superzk_keys::spending_key::decode_field(
                        k.get(32..).ok_or_else(corrupt)?,
                        "asset id",
                    )
                    .map_err(|_| corrupt())?;
                    let amount =
                        u64::from_le_bytes(v.as_slice().try_into().map_err(|_| corrupt())?);
                    Ok((AssetId(asset), amount))
                })
                .collect()
        })
    }

    /// Native coins due to an account at the next settlement.
    pub fn pending(&self, account: &AccountId) -> Result<u64, ChainError> {
        self.inspect(|st, _| st.get_u64(StateTable::Pending, account))
    }

    /// An account's next nonce.
    pub fn nonce(&self, account: &AccountId) -> Result<u64, ChainError> {
        self.inspect(|st, _| st.get_u64(StateTable::Nonces, account))
    }

    /// Tickets in the pool.
    pub fn tickets(&self) -> Result<Vec<([u8; 32], TicketRecord)>, ChainError> {
        self.records(StateTable::Tickets, "ticket", TicketRecord::from_bytes)
    }

    /// Registered StakingNodes.
    pub fn nodes(&self) -> Result<Vec<([u8; 32], NodeRecord)>, ChainError> {
        self.records(StateTable::Nodes, "node", NodeRecord::from_bytes)
    }

    /// Every record of a table keyed by 32-byte ids, decoded by `parse`.
    fn records<T, E>(
        &self,
        table: StateTable,
        what: &str,
        parse: impl Fn(&[u8]) -> Result<T, E>,
    ) -> Result<Vec<([u8; 32], T)>, ChainError>
    where
        ChainError: From<E>,
    {
        self.inspect(|st, _| {
            st.entries(table)?
                .into_iter()
                .map(|(k, v)| {
                    let id = k
                        .as_slice()
                        .try_into()
                        .map_err(|_| ChainError::Store(format!("corrupt {what} id")))?;
                    Ok((id, parse(&v)?))
                })
                .collect()
        })
    }

    /// Where every native coin is: the supply audit. Coins are conserved
    /// when [`SupplyAudit::is_conserved`] holds after every block.
    pub fn supply_audit(&self) -> Result<SupplyAudit, ChainError> {
        let native = AssetId::native().to_bytes();
        self.inspect(|st, _| {
            let u64_of = |v: &[u8]| -> Result<u128, ChainError> {
                Ok(u128::from(u64::from_le_bytes(v.try_into().map_err(
                    |_| ChainError::Store("corrupt amount".into()),
                )?)))
            };
            let mut a = SupplyAudit::default();
            for (k, v) in st.entries(StateTable::Accounts)? {
                if k.get(32..) == Some(native.as_slice()) {
                    a.accounts += u64_of(&v)?;
                }
            }
            for (_, v) in st.entries(StateTable::Pending)? {
                a.pending += u64_of(&v)?;
            }
            for (_, v) in st.entries(StateTable::Nodes)? {
                let n = NodeRecord::from_bytes(&v)?;
                a.pledges += u128::from(n.pledge) + u128::from(n.pending_reward);
            }
            for (_, v) in st.entries(StateTable::Tickets)? {
                a.ticket_stakes += u128::from(TicketRecord::from_bytes(&v)?.price);
            }
            a.shielded = u128::from(st.get_u64(StateTable::Supply, &native)?);
            a.burned = u128::from(st.get_u64(StateTable::Meta, b"burned")?);
            a.genesis = u128::from(st.get_u64(StateTable::Meta, b"genesis-supply")?);
            a.issued = u128::from(st.get_u64(StateTable::Meta, b"issued")?);
            Ok(a)
        })
    }

    /// Coins burned so far.
    pub fn burned(&self) -> Result<u64, ChainError> {
        self.inspect(|st, _| st.get_u64(StateTable::Meta, b"burned"))
    }

    /// Validates a chain file from genesis into a fresh store at `path`.
    /// Returns the per-rule counts, or the first refused block's error.
    pub fn validate_file(
        file: &ChainFile,
        path: &Path,
        keys: VerifyingKeys,
        rng: &mut dyn CryptoRngCore,
        mut progress: impl FnMut(u64),
    ) -> Result<RuleCounts, ChainError> {
        let params = ChainParams::by_name(&file.profile).ok_or_else(|| {
            ChainError::Usage(format!("unknown chain profile {:?}", file.profile))
        })?;
        let chain = Chain::open(path, params, keys)?;
        if chain.height()?.is_some() {
            return Err(ChainError::Usage(format!(
                "{} is not a fresh store",
                path.display()
            )));
        }
        let mut counts = RuleCounts::default();
        for b in &file.blocks {
            counts.merge(&chain.apply(b, rng)?);
            progress(b.header.height);
        }
        Ok(counts)
    }
}
