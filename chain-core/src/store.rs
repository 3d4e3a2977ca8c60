//! The state store on redb: one table per kind of state, each `bytes ->
//! bytes`, plus the blocks, their undo records and the chain's tip. A block
//! is applied inside one write transaction (atomic and durable on commit),
//! every change records the value it replaced (the undo record), and the
//! state root commits to each state table's multiset digest
//! ([`crate::digest`]), kept up to date from the changes alone.

use std::{cell::RefCell, collections::HashSet};

use redb::{ReadableTable, ReadableTableMetadata, Table, TableDefinition, WriteTransaction};

use crate::{
    codec::{hash, Reader, Writer},
    digest::{EntryChange, StateDigests},
    error::{ChainError, DecodeError},
};

/// A table of the state; its number is part of the state root and of undo
/// records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StateTable {
    /// (account ‖ asset) → u64 balance.
    Accounts = 0,
    /// account → u64 next nonce.
    Nonces = 1,
    /// nullifier → u64 height spent.
    Nullifiers = 2,
    /// tree root → u64 height it became the root.
    Anchors = 3,
    /// ticket id → ticket record (tickets in the pool).
    Tickets = 4,
    /// (expiry height BE ‖ ticket id) → empty.
    Expiries = 5,
    /// node id → node record.
    Nodes = 6,
    /// ticket asset id → issuer account ‖ u64 height issued.
    Issued = 7,
    /// account → u64 native coins due at the next settlement.
    Pending = 8,
    /// name → value: the note commitment tree, counters.
    Meta = 9,
    /// slot (u64 BE) → ticket id: the mature tickets the draw picks from,
    /// densely numbered so a draw reads only the tickets it picks.
    Pool = 10,
    /// (maturity height BE ‖ ticket id) → empty: tickets not yet mature.
    Maturing = 11,
    /// ticket id → late-vote record: the parent's drawn tickets whose votes
    /// it did not carry (the next block may carry them).
    LateVoters = 12,
    /// asset → u64: value of the asset in the shielded pool (the turnstile:
    /// value leaving the pool can never exceed what entered it).
    Supply = 13,
}

impl StateTable {
    /// Every state table, in state-root order.
    pub const ALL: [StateTable; 14] = [
        StateTable::Accounts,
        StateTable::Nonces,
        StateTable::Nullifiers,
        StateTable::Anchors,
        StateTable::Tickets,
        StateTable::Expiries,
        StateTable::Nodes,
        StateTable::Issued,
        StateTable::Pending,
        StateTable::Meta,
        StateTable::Pool,
        StateTable::Maturing,
        StateTable::LateVoters,
        StateTable::Supply,
    ];

    fn definition(self) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
        const DEFS: [TableDefinition<&[u8], &[u8]>; 14] = [
            TableDefinition::new("accounts"),
            TableDefinition::new("nonces"),
            TableDefinition::new("nullifiers"),
            TableDefinition::new("anchors"),
            TableDefinition::new("tickets"),
            TableDefinition::new("expiries"),
            TableDefinition::new("nodes"),
            TableDefinition::new("issued"),
            TableDefinition::new("pending"),
            TableDefinition::new("meta"),
            TableDefinition::new("pool"),
            TableDefinition::new("maturing"),
            TableDefinition::new("late_voters"),
            TableDefinition::new("supply"),
        ];
        DEFS[self as usize]
    }

    fn from_u8(v: u8) -> Option<Self> {
        Self::ALL.get(v as usize).copied()
    }
}

/// Headers of the best chain by height (what timestamp and retarget rules
/// read, without decoding whole blocks).
pub const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
/// Blocks of the best chain by height.
pub const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Undo records by height.
pub const UNDO: TableDefinition<u64, &[u8]> = TableDefinition::new("undo");
/// Blocks of side branches by hash: stored when they arrive, applied when
/// their branch becomes the best chain; a reorganisation moves the blocks it
/// undoes here in the same transaction.
pub const SIDE_BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("side_blocks");
/// The note commitment tree (its canonical encoding) after each block of
/// the best chain, by height: where a wallet starts at its birthday.
pub const FRONTIERS: TableDefinition<u64, &[u8]> = TableDefinition::new("frontiers");
/// The chain's own facts: profile, tip.
pub const CHAIN: TableDefinition<&str, &[u8]> = TableDefinition::new("chain");
/// Each state table's digest (table number → compressed Ristretto point),
/// as of the last committed block.
pub const DIGESTS: TableDefinition<u8, &[u8]> = TableDefinition::new("state_digests");

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// One change: the table, the key and the value it replaced (`None`: the
/// key was absent).
type Change = (StateTable, Vec<u8>, Option<Vec<u8>>);

/// The state tables of one write transaction, recording undo data.
pub struct StateTxn<'t> {
    tables: Vec<Table<'t, &'static [u8], &'static [u8]>>,
    digest_table: Table<'t, u8, &'static [u8]>,
    /// The digests as stored, before this transaction's changes.
    base: StateDigests,
    undo: Vec<Change>,
    touched: HashSet<(StateTable, Vec<u8>)>,
    /// Counts writes, so that cached digests know when they are stale.
    writes: u64,
    cached: RefCell<Option<(u64, StateDigests)>>,
    /// Every write's previous value since [`StateTxn::mark`], so that one
    /// pending transaction's partial writes can be taken back
    /// ([`StateTxn::rollback`]) inside a discarded transaction.
    journal: Option<Vec<Change>>,
}

impl<'t> StateTxn<'t> {
    /// Opens every state table in `txn`. A store without digests (a new
    /// one) gets them computed from its tables and written.
    pub fn open(txn: &'t WriteTransaction) -> Result<Self, ChainError> {
        let tables: Vec<_> = StateTable::ALL
            .iter()
            .map(|t| txn.open_table(t.definition()))
            .collect::<Result<_, _>>()?;
        let mut digest_table = txn.open_table(DIGESTS)?;
        let base = match Self::stored_digests(&digest_table)? {
            Some(d) => d,
            None => {
                let d = Self::scan_digests(&tables)?;
                Self::store_digests(&mut digest_table, &d)?;
                d
            }
        };
        Ok(Self {
            tables,
            digest_table,
            base,
            undo: vec![],
            touched: HashSet::new(),
            writes: 0,
            cached: RefCell::new(None),
            journal: None,
        })
    }

    fn stored_digests(
        table: &Table<'t, u8, &'static [u8]>,
    ) -> Result<Option<StateDigests>, ChainError> {
        if table.is_empty()? {
            return Ok(None);
        }
        let mut d = StateDigests::default();
        for t in StateTable::ALL {
            let bytes = table.get(t as u8)?.ok_or_else(|| {
                ChainError::Store(format!("the digest of table {t:?} is missing"))
            })?;
            d.0[t as usize] = StateDigests::decode(t, bytes.value())?;
        }
        Ok(Some(d))
    }

    fn store_digests(
        table: &mut Table<'t, u8, &'static [u8]>,
        d: &StateDigests,
    ) -> Result<(), ChainError> {
        for t in StateTable::ALL {
            table.insert(t as u8, d.compressed(t).as_slice())?;
        }
        Ok(())
    }

    /// The digests of `tables` from every entry: O(state), for a new store
    /// and for [`StateTxn::digests_match_tables`].
    fn scan_digests(
        tables: &[Table<'t, &'static [u8], &'static [u8]>],
    ) -> Result<StateDigests, ChainError> {
        // In chunks, so that memory stays bounded whatever the state's size.
        const CHUNK: usize = 1 << 14;
        let mut d = StateDigests::default();
        let add = |d: &mut StateDigests, t: StateTable, entries: &[Entry]| {
            let changes: Vec<EntryChange> = entries
                .iter()
                .map(|(k, v)| EntryChange {
                    table: t,
                    key: k,
                    before: None,
                    after: Some(v),
                })
                .collect();
            d.apply(&changes);
        };
        for t in StateTable::ALL {
            let mut entries: Vec<Entry> = Vec::with_capacity(CHUNK);
            for item in tables[t as usize].iter()? {
                let (k, v) = item?;
                entries.push((k.value().to_vec(), v.value().to_vec()));
                if entries.len() == CHUNK {
                    add(&mut d, t, &entries);
                    entries.clear();
                }
            }
            add(&mut d, t, &entries);
        }
        Ok(d)
    }

    /// Whether the stored digests are those of the tables' contents: a full
    /// scan, to detect a damaged store on opening it.
    pub fn digests_match_tables(&self) -> Result<bool, ChainError> {
        Ok(Self::scan_digests(&self.tables)? == self.current_digests()?)
    }

    /// The digests with this transaction's changes applied.
    fn current_digests(&self) -> Result<StateDigests, ChainError> {
        if let Some((writes, d)) = *self.cached.borrow() {
            if writes == self.writes {
                return Ok(d);
            }
        }
        let afters = self
            .undo
            .iter()
            .map(|(t, k, _)| self.get(*t, k))
            .collect::<Result<Vec<_>, _>>()?;
        let changes: Vec<EntryChange> = self
            .undo
            .iter()
            .zip(&afters)
            .map(|((t, k, before), after)| EntryChange {
                table: *t,
                key: k,
                before: before.as_deref(),
                after: after.as_deref(),
            })
            .collect();
        let mut d = self.base;
        d.apply(&changes);
        *self.cached.borrow_mut() = Some((self.writes, d));
        Ok(d)
    }

    /// The value at `key`.
    pub fn get(&self, table: StateTable, key: &[u8]) -> Result<Option<Vec<u8>>, ChainError> {
        Ok(self.tables[table as usize]
            .get(key)?
            .map(|v| v.value().to_vec()))
    }

    fn remember(&mut self, table: StateTable, key: &[u8]) -> Result<(), ChainError> {
        if self.journal.is_some() {
            let old = self.get(table, key)?;
            if let Some(j) = self.journal.as_mut() {
                j.push((table, key.to_vec(), old));
            }
        }
        if self.touched.insert((table, key.to_vec())) {
            let old = self.get(table, key)?;
            self.undo.push((table, key.to_vec(), old));
        }
        Ok(())
    }

    /// Sets `key` to `value`.
    pub fn put(&mut self, table: StateTable, key: &[u8], value: &[u8]) -> Result<(), ChainError> {
        self.remember(table, key)?;
        self.writes += 1;
        self.tables[table as usize].insert(key, value)?;
        Ok(())
    }

    /// Removes `key`.
    pub fn delete(&mut self, table: StateTable, key: &[u8]) -> Result<(), ChainError> {
        self.remember(table, key)?;
        self.writes += 1;
        self.tables[table as usize].remove(key)?;
        Ok(())
    }

    /// Starts (or restarts) journaling every write, for [`Self::rollback`].
    /// Only for transactions that are discarded, never committed: the undo
    /// record and digests do not follow a rollback.
    pub(crate) fn mark(&mut self) {
        self.journal = Some(vec![]);
    }

    /// Takes back every write since [`Self::mark`], newest first.
    pub(crate) fn rollback(&mut self) -> Result<(), ChainError> {
        let journal = self.journal.take().unwrap_or_default();
        for (table, key, old) in journal.into_iter().rev() {
            let t = &mut self.tables[table as usize];
            match old {
                Some(v) => {
                    t.insert(key.as_slice(), v.as_slice())?;
                }
                None => {
                    t.remove(key.as_slice())?;
                }
            }
        }
        self.writes += 1;
        Ok(())
    }

    /// A `u64` value (absent: 0).
    pub fn get_u64(&self, table: StateTable, key: &[u8]) -> Result<u64, ChainError> {
        match self.get(table, key)? {
            None => Ok(0),
            Some(v) => Ok(u64::from_le_bytes(v.as_slice().try_into().map_err(
                |_| ChainError::Store(format!("corrupt u64 in {table:?}")),
            )?)),
        }
    }

    /// Sets a `u64` value; 0 removes the key, so absent and zero are one state.
    pub fn put_u64(&mut self, table: StateTable, key: &[u8], v: u64) -> Result<(), ChainError> {
        if v == 0 {
            self.delete(table, key)
        } else {
            self.put(table, key, &v.to_le_bytes())
        }
    }

    /// Every entry of `table` in key order.
    pub fn entries(&self, table: StateTable) -> Result<Vec<Entry>, ChainError> {
        let mut out = vec![];
        for item in self.tables[table as usize].iter()? {
            let (k, v) = item?;
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Entries of `table` whose keys start with `prefix`, in key order.
    pub fn entries_with_prefix(
        &self,
        table: StateTable,
        prefix: &[u8],
    ) -> Result<Vec<Entry>, ChainError> {
        let mut out = vec![];
        for item in self.tables[table as usize].range::<&[u8]>(prefix..)? {
            let (k, v) = item?;
            if !k.value().starts_with(prefix) {
                break;
            }
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Keys of `table` below `end` (exclusive), in order.
    pub fn keys_below(&self, table: StateTable, end: &[u8]) -> Result<Vec<Vec<u8>>, ChainError> {
        let mut out = vec![];
        for item in self.tables[table as usize].range::<&[u8]>(..end)? {
            out.push(item?.0.value().to_vec());
        }
        Ok(out)
    }

    /// Number of entries in `table`.
    pub fn len(&self, table: StateTable) -> Result<u64, ChainError> {
        Ok(self.tables[table as usize].len()?)
    }

    /// The state root: a hash of each state table's digest, in table
    /// order. Costs what this transaction changed.
    pub fn state_root(&self) -> Result<[u8; 32], ChainError> {
        let digests = self.current_digests()?;
        let mut w = Writer::default();
        for t in StateTable::ALL {
            w.u8(t as u8).bytes(&digests.compressed(t));
        }
        Ok(hash(b"SuperZK_StateRt_", &[&w.0]))
    }

    /// Ends recording: stores the digests with this transaction's changes
    /// and returns the undo record of everything changed.
    pub fn finish(mut self) -> Result<UndoRecord, ChainError> {
        let digests = self.current_digests()?;
        Self::store_digests(&mut self.digest_table, &digests)?;
        Ok(UndoRecord(self.undo))
    }

    /// Restores every value an undo record names, newest change first, and
    /// stores the digests of the restored state.
    pub fn revert(&mut self, undo: &UndoRecord) -> Result<(), ChainError> {
        let befores = undo
            .0
            .iter()
            .map(|(t, k, _)| self.get(*t, k))
            .collect::<Result<Vec<_>, _>>()?;
        let changes: Vec<EntryChange> = undo
            .0
            .iter()
            .zip(&befores)
            .map(|((t, k, restored), now)| EntryChange {
                table: *t,
                key: k,
                before: now.as_deref(),
                after: restored.as_deref(),
            })
            .collect();
        let mut digests = self.current_digests()?;
        digests.apply(&changes);
        for (table, key, old) in undo.0.iter().rev() {
            let t = &mut self.tables[*table as usize];
            match old {
                Some(v) => {
                    t.insert(key.as_slice(), v.as_slice())?;
                }
                None => {
                    t.remove(key.as_slice())?;
                }
            }
        }
        // The restored state is the new base: nothing of it is this
        // transaction's to record.
        self.base = digests;
        self.undo.clear();
        self.touched.clear();
        self.writes += 1;
        Self::store_digests(&mut self.digest_table, &digests)
    }
}

/// The values a block replaced, to undo it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoRecord(Vec<Change>);

impl UndoRecord {
    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(self.0.len() as u32);
        for (t, k, v) in &self.0 {
            w.u8(*t as u8).var_bytes(k);
            match v {
                Some(v) => w.u8(1).var_bytes(v),
                None => w.u8(0),
            };
        }
        w.0
    }

    /// Decodes a record.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let n = r.count(50_000_000, "undo entries")?;
        let mut out = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            let t = StateTable::from_u8(r.u8("undo table")?)
                .ok_or(DecodeError::Invalid("undo table"))?;
            let k = r.var_bytes(1 << 20, "undo key")?.to_vec();
            let v = match r.u8("undo flag")? {
                0 => None,
                1 => Some(r.var_bytes(64 << 20, "undo value")?.to_vec()),
                _ => return Err(DecodeError::Invalid("undo flag")),
            };
            out.push((t, k, v));
        }
        r.finish()?;
        Ok(Self(out))
    }
}
