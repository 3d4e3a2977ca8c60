//! A chain on disk: open or create the store, apply blocks (atomically),
//! undo the tip exactly, reorganise to another branch, export, and read the
//! state. The block template a miner fills lives in `producer`.

use std::path::Path;

use rand_core::CryptoRngCore;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};
use superzk_circuits::note::AssetId;
use superzk_verifier::verify::VerifyingKeys;

use crate::{
    account::AccountId,
    block::{Block, ChainFile, Header},
    error::ChainError,
    params::ChainParams,
    records::{NodeRecord, TicketRecord},
    store::{StateTable, StateTxn, UndoRecord, BLOCKS, CHAIN, DIGESTS, UNDO},
    validate::{apply_block, Context, RuleCounts, Seal},
};

/// A chain and its state on an embedded, crash-safe database.
pub struct Chain {
    db: Database,
    params: ChainParams,
    keys: VerifyingKeys,
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
        let chain = Self { db, params, keys };
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
            Some(h) => Ok(self.block(h)?.map(|b| b.header)),
        }
    }

    fn context_span(&self, parent: &Header) -> impl Fn() -> Result<u64, ChainError> + '_ {
        let parent_height = parent.height;
        let parent_time = parent.time;
        move || {
            let first = parent_height + 1 - self.params.retarget_interval;
            let first = self
                .block(first)?
                .ok_or_else(|| ChainError::Store(format!("block {first} missing")))?;
            Ok(parent_time.saturating_sub(first.header.time))
        }
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
        let tip = self.tip()?;
        let span = tip.as_ref().map(|t| self.context_span(t));
        let no_span = || Ok(0);
        let ctx = Context {
            params: &self.params,
            keys: &self.keys,
            parent: tip.as_ref(),
            retarget_span: match &span {
                Some(s) => s,
                None => &no_span,
            },
        };
        let txn = self.db.begin_write()?;
        let counts = {
            let mut st = StateTxn::open(&txn)?;
            let counts = apply_block(&ctx, &mut st, block, Seal::Check, rng)?;
            let undo = st.finish()?;
            let mut blocks = txn.open_table(BLOCKS)?;
            blocks.insert(block.header.height, block.to_bytes().as_slice())?;
            let mut undos = txn.open_table(UNDO)?;
            undos.insert(block.header.height, undo.to_bytes().as_slice())?;
            counts
        };
        txn.commit()?;
        Ok(counts)
    }

    /// The state root the tip's block would have if `block` (unsealed)
    /// were applied: what a miner puts in the header before mining.
    pub fn state_root_after(
        &self,
        block: &Block,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<[u8; 32], ChainError> {
        let tip = self.tip()?;
        let span = tip.as_ref().map(|t| self.context_span(t));
        let no_span = || Ok(0);
        let ctx = Context {
            params: &self.params,
            keys: &self.keys,
            parent: tip.as_ref(),
            retarget_span: match &span {
                Some(s) => s,
                None => &no_span,
            },
        };
        self.with_state(|_, st, _| {
            apply_block(&ctx, st, block, Seal::Skip, rng)?;
            Ok((st.state_root()?, false))
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
        let height = self
            .height()?
            .ok_or_else(|| ChainError::Usage("the chain is empty: nothing to undo".into()))?;
        if height == 0 {
            return Err(ChainError::Usage("genesis cannot be undone".into()));
        }
        let block = self.block(height)?.expect("tip exists");
        self.with_state(|txn, st, _| {
            let undo = {
                let undos = txn.open_table(UNDO)?;
                let bytes = undos
                    .get(height)?
                    .ok_or_else(|| {
                        ChainError::Store(format!("undo record of block {height} missing"))
                    })?
                    .value()
                    .to_vec();
                UndoRecord::from_bytes(&bytes)?
            };
            st.revert(&undo)?;
            txn.open_table(UNDO)?.remove(height)?;
            txn.open_table(BLOCKS)?.remove(height)?;
            Ok(((), true))
        })?;
        Ok(block)
    }

    /// Switches to a branch that forks after `fork_height`: undoes the
    /// blocks above it and applies `branch`. If a block of the branch is
    /// refused, the old blocks are restored and the error returned.
    pub fn reorganize(
        &self,
        fork_height: u64,
        branch: &[Block],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<RuleCounts, ChainError> {
        let mut undone = vec![];
        while self.height()?.is_some_and(|h| h > fork_height) {
            undone.push(self.undo_tip()?);
        }
        let mut counts = RuleCounts::default();
        for (i, b) in branch.iter().enumerate() {
            match self.apply(b, rng) {
                Ok(c) => counts.merge(&c),
                Err(e) => {
                    for _ in 0..i {
                        self.undo_tip()?;
                    }
                    for b in undone.iter().rev() {
                        self.apply(b, rng)?;
                    }
                    return Err(e);
                }
            }
        }
        Ok(counts)
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
