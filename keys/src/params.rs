//! Groth16 parameters of the circuits: generation, files, fingerprints and
//! the on-disk cache.
//!
//! **Insecure parameters.** [`generate_insecure`] derives the setup's toxic
//! waste from a public seed: anyone can forge proofs under them. They exist
//! for tests, fixtures and the demo, and every path to them says so.
//!
//! **File format** (proving and verifying keys alike):
//! `magic (4: "SZKP" or "SZKV") || version (1) || circuit (1) ||
//! compressed (1) || fingerprint (32) || checksum (32) || length (8, LE) ||
//! payload`, where the payload is the arkworks serialization of the key, the
//! checksum is Blake2b-256 of the payload, and the fingerprint is that of the
//! verifying key (see [`Fingerprint`]).

use std::{
    fs,
    io::{Read, Write},
    path::{Path, PathBuf},
};

use ark_bls12_381::Bls12_381;
use ark_groth16::{prepare_verifying_key, Groth16, PreparedVerifyingKey, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use blake2::{digest::consts::U32, Blake2b, Digest};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    output::{OutputCircuit, PackageOutputCircuit},
    spend::{PackageSpendCircuit, SpendCircuit},
    Fr,
};

use crate::error::KeyError;

type Blake2b256 = Blake2b<U32>;

/// The circuits SuperZK has parameters for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CircuitKind {
    /// The Spend circuit.
    Spend,
    /// The Output circuit.
    Output,
    /// The Spend circuit of packages.
    PackageSpend,
    /// The Output circuit of packages.
    PackageOutput,
}

impl CircuitKind {
    /// Every circuit.
    pub const ALL: [CircuitKind; 4] = [
        CircuitKind::Spend,
        CircuitKind::Output,
        CircuitKind::PackageSpend,
        CircuitKind::PackageOutput,
    ];

    /// Lower-case name, used in file names.
    pub fn name(self) -> &'static str {
        match self {
            CircuitKind::Spend => "spend",
            CircuitKind::Output => "output",
            CircuitKind::PackageSpend => "package-spend",
            CircuitKind::PackageOutput => "package-output",
        }
    }

    /// The byte that names the circuit in files.
    pub fn id(self) -> u8 {
        match self {
            CircuitKind::Spend => 1,
            CircuitKind::Output => 2,
            CircuitKind::PackageSpend => 3,
            CircuitKind::PackageOutput => 4,
        }
    }

    /// The circuit a file byte names.
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// A digest of the circuit's constraint system (its matrices and variable
    /// counts): parameters are only valid for the exact shape they were made
    /// for, so the cache keys files by it and a changed circuit never picks
    /// up stale parameters.
    pub fn shape_digest(self) -> [u8; 32] {
        use std::sync::OnceLock;
        static DIGESTS: [OnceLock<[u8; 32]>; 4] = [const { OnceLock::new() }; 4];
        *DIGESTS[self.id() as usize - 1].get_or_init(|| {
            fn digest<C: ConstraintSynthesizer<Fr>>(c: C) -> [u8; 32] {
                use ark_relations::gr1cs::ConstraintSystem;
                let cs = ConstraintSystem::<Fr>::new_ref();
                c.generate_constraints(cs.clone())
                    .expect("the circuits synthesize for any witness");
                cs.finalize();
                let mut h = Blake2b256::new();
                h.update(b"SuperZK circuit shape");
                h.update((cs.num_instance_variables() as u64).to_le_bytes());
                h.update((cs.num_witness_variables() as u64).to_le_bytes());
                for (label, matrices) in cs.to_matrices().expect("finalized") {
                    h.update(label.as_bytes());
                    for row in matrices.iter().flatten() {
                        h.update((row.len() as u64).to_le_bytes());
                        for (coeff, index) in row {
                            let mut bytes = Vec::with_capacity(32);
                            coeff.serialize_compressed(&mut bytes).expect("in memory");
                            h.update(&bytes);
                            h.update((*index as u64).to_le_bytes());
                        }
                    }
                }
                h.finalize().into()
            }
            match self {
                CircuitKind::Spend => digest(SpendCircuit::blank()),
                CircuitKind::Output => digest(OutputCircuit::blank()),
                CircuitKind::PackageSpend => digest(PackageSpendCircuit::blank()),
                CircuitKind::PackageOutput => digest(PackageOutputCircuit::blank()),
            }
        })
    }

    /// Number of public inputs the circuit takes.
    pub fn num_public_inputs(self) -> usize {
        match self {
            CircuitKind::Spend | CircuitKind::PackageSpend => 6,
            CircuitKind::Output | CircuitKind::PackageOutput => 3,
        }
    }
}

impl std::fmt::Display for CircuitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Blake2b-256 (personalised) of a verifying key's compressed bytes: the
/// name under which transactions refer to the key they were proven with.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of `vk`.
    pub fn of(vk: &VerifyingKey<Bls12_381>) -> Self {
        let mut bytes = Vec::new();
        vk.serialize_compressed(&mut bytes)
            .expect("serializing to memory cannot fail");
        let mut hasher = Blake2b256::new();
        hasher.update(b"SuperZK_VK_Fingerprint");
        hasher.update(&bytes);
        Fingerprint(hasher.finalize().into())
    }
}

impl Fingerprint {
    /// All 32 bytes in hex (`Display` shows the first 8, for humans).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A verifying key, prepared for pairing checks, with its fingerprint.
#[derive(Clone, Debug)]
pub struct VerifyingParameters {
    /// Which circuit it verifies.
    pub kind: CircuitKind,
    /// The key.
    pub vk: VerifyingKey<Bls12_381>,
    /// The key prepared for verification (kept across calls).
    pub prepared: PreparedVerifyingKey<Bls12_381>,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
}

impl VerifyingParameters {
    /// Prepares `vk` for `kind`, checking it takes the circuit's number of inputs.
    pub fn new(kind: CircuitKind, vk: VerifyingKey<Bls12_381>) -> Result<Self, KeyError> {
        if vk.gamma_abc_g1.len() != kind.num_public_inputs() + 1 {
            return Err(KeyError::BadParameterFile {
                path: PathBuf::new(),
                reason: format!(
                    "a {kind} verifying key takes {} public inputs, this one {}",
                    kind.num_public_inputs(),
                    vk.gamma_abc_g1.len().saturating_sub(1)
                ),
            });
        }
        let fingerprint = Fingerprint::of(&vk);
        let prepared = prepare_verifying_key(&vk);
        Ok(Self {
            kind,
            vk,
            prepared,
            fingerprint,
        })
    }
}

/// A proving key and its verifying parameters.
#[derive(Clone, Debug)]
pub struct Parameters {
    /// The proving key.
    pub proving_key: ProvingKey<Bls12_381>,
    /// The verifying side.
    pub verifying: VerifyingParameters,
}

impl Parameters {
    fn new(kind: CircuitKind, proving_key: ProvingKey<Bls12_381>) -> Result<Self, KeyError> {
        let verifying = VerifyingParameters::new(kind, proving_key.vk.clone())?;
        Ok(Self {
            proving_key,
            verifying,
        })
    }

    /// Which circuit these are for.
    pub fn kind(&self) -> CircuitKind {
        self.verifying.kind
    }
}

/// **INSECURE**: parameters whose setup randomness comes from a public seed.
/// Anyone who knows the seed can forge proofs. For tests and the demo only;
/// real deployments use parameters from a multi-party ceremony.
pub fn generate_insecure(kind: CircuitKind, seed: &[u8]) -> Parameters {
    let mut hasher = Blake2b256::new();
    hasher.update(b"SuperZK INSECURE test parameters");
    hasher.update([kind.id()]);
    hasher.update(seed);
    let mut rng = ChaCha20Rng::from_seed(hasher.finalize().into());
    fn setup<C: ConstraintSynthesizer<Fr>>(c: C, rng: &mut ChaCha20Rng) -> ProvingKey<Bls12_381> {
        Groth16::<Bls12_381>::generate_random_parameters_with_reduction(c, rng)
            .expect("the circuits synthesize for any witness")
    }
    let pk = match kind {
        CircuitKind::Spend => setup(SpendCircuit::blank(), &mut rng),
        CircuitKind::Output => setup(OutputCircuit::blank(), &mut rng),
        CircuitKind::PackageSpend => setup(PackageSpendCircuit::blank(), &mut rng),
        CircuitKind::PackageOutput => setup(PackageOutputCircuit::blank(), &mut rng),
    };
    Parameters::new(kind, pk).expect("freshly generated keys match their circuit")
}

const PROVING_MAGIC: &[u8; 4] = b"SZKP";
const VERIFYING_MAGIC: &[u8; 4] = b"SZKV";
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 1 + 1 + 32 + 32 + 8;

fn write_file_bytes(
    magic: &[u8; 4],
    kind: CircuitKind,
    compress: Compress,
    fingerprint: &Fingerprint,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(magic);
    out.push(FORMAT_VERSION);
    out.push(kind.id());
    out.push(matches!(compress, Compress::Yes) as u8);
    out.extend_from_slice(&fingerprint.0);
    out.extend_from_slice(&Blake2b256::digest(payload));
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

struct Header<'a> {
    kind: CircuitKind,
    compress: Compress,
    fingerprint: Fingerprint,
    payload: &'a [u8],
}

fn parse_file_bytes<'a>(magic: &[u8; 4], bytes: &'a [u8]) -> Result<Header<'a>, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "too short ({} bytes) to be a SuperZK key file",
            bytes.len()
        ));
    }
    if &bytes[..4] != magic {
        return Err(format!(
            "not a SuperZK {} key file (wrong magic bytes)",
            if magic == PROVING_MAGIC {
                "proving"
            } else {
                "verifying"
            }
        ));
    }
    if bytes[4] != FORMAT_VERSION {
        return Err(format!(
            "format version {} is not supported (this build reads {FORMAT_VERSION})",
            bytes[4]
        ));
    }
    let kind =
        CircuitKind::from_id(bytes[5]).ok_or_else(|| format!("unknown circuit id {}", bytes[5]))?;
    let compress = match bytes[6] {
        0 => Compress::No,
        1 => Compress::Yes,
        b => return Err(format!("unknown compression flag {b}")),
    };
    let fingerprint = Fingerprint(bytes[7..39].try_into().expect("32 bytes"));
    let checksum: [u8; 32] = bytes[39..71].try_into().expect("32 bytes");
    let len = u64::from_le_bytes(bytes[71..79].try_into().expect("8 bytes"));
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != len {
        return Err(format!(
            "truncated or padded: header says {len} payload bytes, file has {}",
            payload.len()
        ));
    }
    if <[u8; 32]>::from(Blake2b256::digest(payload)) != checksum {
        return Err("checksum mismatch: the file is corrupt".into());
    }
    Ok(Header {
        kind,
        compress,
        fingerprint,
        payload,
    })
}

/// Serializes a proving key file.
pub fn proving_key_to_bytes(params: &Parameters, compress: Compress) -> Vec<u8> {
    let mut payload = Vec::new();
    params
        .proving_key
        .serialize_with_mode(&mut payload, compress)
        .expect("serializing to memory cannot fail");
    write_file_bytes(
        PROVING_MAGIC,
        params.kind(),
        compress,
        &params.verifying.fingerprint,
        &payload,
    )
}

/// Parses a proving key file. With `Validate::Yes` every point is checked to
/// be on its curve and in the prime-order subgroup (slow, for files from
/// elsewhere); `Validate::No` trusts the file's points and relies on its
/// checksum against corruption (for the local cache).
pub fn proving_key_from_bytes(bytes: &[u8], validate: Validate) -> Result<Parameters, KeyError> {
    let bad = |reason: String| KeyError::BadParameterFile {
        path: PathBuf::new(),
        reason,
    };
    let header = parse_file_bytes(PROVING_MAGIC, bytes).map_err(bad)?;
    let pk =
        ProvingKey::<Bls12_381>::deserialize_with_mode(header.payload, header.compress, validate)?;
    let params = Parameters::new(header.kind, pk)?;
    if params.verifying.fingerprint != header.fingerprint {
        return Err(bad(
            "the key does not match the fingerprint in its header".into()
        ));
    }
    Ok(params)
}

/// Serializes a verifying key file.
pub fn verifying_key_to_bytes(vp: &VerifyingParameters, compress: Compress) -> Vec<u8> {
    let mut payload = Vec::new();
    vp.vk
        .serialize_with_mode(&mut payload, compress)
        .expect("serializing to memory cannot fail");
    write_file_bytes(
        VERIFYING_MAGIC,
        vp.kind,
        compress,
        &vp.fingerprint,
        &payload,
    )
}

/// Parses a verifying key file; points are always checked (the key is small).
pub fn verifying_key_from_bytes(bytes: &[u8]) -> Result<VerifyingParameters, KeyError> {
    let bad = |reason: String| KeyError::BadParameterFile {
        path: PathBuf::new(),
        reason,
    };
    let header = parse_file_bytes(VERIFYING_MAGIC, bytes).map_err(bad)?;
    let vk = VerifyingKey::<Bls12_381>::deserialize_with_mode(
        header.payload,
        header.compress,
        Validate::Yes,
    )?;
    let vp = VerifyingParameters::new(header.kind, vk)?;
    if vp.fingerprint != header.fingerprint {
        return Err(bad(
            "the key does not match the fingerprint in its header".into()
        ));
    }
    Ok(vp)
}

fn with_path(path: &Path, e: KeyError) -> KeyError {
    match e {
        KeyError::BadParameterFile { reason, .. } => KeyError::BadParameterFile {
            path: path.to_path_buf(),
            reason,
        },
        other => other,
    }
}

/// Reads a file into memory, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| KeyError::Io {
            context: format!("reading {}", path.display()),
            source,
        })?;
    Ok(bytes)
}

/// Writes a file atomically (temporary file, then rename), so a crash never
/// leaves a half-written key where a whole one is expected.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let io = |context: String| move |source| KeyError::Io { context, source };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(io(format!("creating {}", tmp.display())))?;
    f.write_all(bytes)
        .map_err(io(format!("writing {}", tmp.display())))?;
    f.sync_all()
        .map_err(io(format!("syncing {}", tmp.display())))?;
    fs::rename(&tmp, path).map_err(io(format!(
        "renaming {} to {}",
        tmp.display(),
        path.display()
    )))
}

/// What the cache did, for progress reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheEvent {
    /// Loaded from disk.
    Loaded(CircuitKind),
    /// Not cached: generating (this takes seconds).
    Generating(CircuitKind),
    /// Generated and written to disk.
    Generated(CircuitKind),
}

/// An on-disk cache of insecure test parameters, so that a second run does
/// not regenerate them.
#[derive(Clone, Debug)]
pub struct ParameterCache {
    dir: PathBuf,
}

impl ParameterCache {
    /// A cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default location: `$SUPERZK_PARAMS_DIR` if set, else the user's
    /// cache directory (`~/.cache/superzk/params` on Linux).
    pub fn default_location() -> Self {
        if let Some(dir) = std::env::var_os("SUPERZK_PARAMS_DIR") {
            return Self::new(dir);
        }
        let dir = directories::ProjectDirs::from("", "", "superzk")
            .map(|d| d.cache_dir().join("params"))
            .unwrap_or_else(|| PathBuf::from(".superzk-cache/params"));
        Self::new(dir)
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, kind: CircuitKind, seed: &[u8]) -> PathBuf {
        let seed_tag = hex_prefix(&Blake2b256::digest(seed));
        let shape_tag = hex_prefix(&kind.shape_digest());
        self.dir.join(format!(
            "insecure-{}-{seed_tag}-{shape_tag}.pk",
            kind.name()
        ))
    }

    /// **INSECURE** seeded parameters for `kind`: loaded from the cache, or
    /// generated and stored. A corrupt cache file is replaced.
    pub fn load_or_generate(
        &self,
        kind: CircuitKind,
        seed: &[u8],
        mut on_event: impl FnMut(CacheEvent),
    ) -> Result<Parameters, KeyError> {
        self.load_or_generate_reporting(kind, seed, &mut on_event)
    }

    // Not generic, unlike its caller: key generation and decoding are
    // compiled once here, not again in every crate and test that loads keys.
    fn load_or_generate_reporting(
        &self,
        kind: CircuitKind,
        seed: &[u8],
        on_event: &mut dyn FnMut(CacheEvent),
    ) -> Result<Parameters, KeyError> {
        let path = self.path(kind, seed);
        if path.exists() {
            match read_file(&path).and_then(|b| proving_key_from_bytes(&b, Validate::No)) {
                Ok(params) if params.kind() == kind => {
                    on_event(CacheEvent::Loaded(kind));
                    return Ok(params);
                }
                Ok(_) | Err(_) => {
                    tracing::warn!(path = %path.display(), "cached parameters unreadable; regenerating");
                }
            }
        }
        on_event(CacheEvent::Generating(kind));
        let params = generate_insecure(kind, seed);
        write_file_atomic(&path, &proving_key_to_bytes(&params, Compress::No))
            .map_err(|e| with_path(&path, e))?;
        on_event(CacheEvent::Generated(kind));
        Ok(params)
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes[..8].iter().map(|b| format!("{b:02x}")).collect()
}
