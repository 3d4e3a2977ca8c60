//! What the CLI's process tests share: running `superzk` commands with
//! deadlines, and a `superzk node run` process that dies with its guard.
#![allow(dead_code)] // each test binary uses a different part

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Output, Stdio},
    time::{Duration, Instant},
};

use rand_core::{OsRng, RngCore};
use superzk_node::proto;
use tonic::transport::Channel;

pub type Light = proto::light_client_client::LightClientClient<Channel>;
pub type ChainApi = proto::chain_client::ChainClient<Channel>;

pub fn superzk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_superzk"))
}

/// `$SUPERZK_PARAMS_DIR`, else where the other CLI tests and the demo
/// cache the demo parameters.
pub fn params_dir() -> PathBuf {
    std::env::var_os("SUPERZK_PARAMS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params"))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Polls `f` every 50 ms until it gives a value; panics after `limit`.
pub fn wait_for<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for `child` to exit; panics after `limit` (its guard kills it).
pub fn wait_exit(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    wait_for(limit, what, || child.try_wait().ok().flatten())
}

/// Runs `cmd` to its end within `limit`, its output captured in files
/// (a pipe left unread could stall it).
pub fn run_bounded(mut cmd: Command, dir: &Path, limit: Duration) -> Output {
    let (out, err) = (dir.join("cmd.stdout"), dir.join("cmd.stderr"));
    let mut child = cmd
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} ran over {limit:?}; stderr: {}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: std::fs::read(&out).unwrap(),
        stderr: std::fs::read(&err).unwrap(),
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A running `superzk node run`, killed (SIGKILL) when dropped.
pub struct NodeProcess {
    pub child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl NodeProcess {
    /// Starts a devnet node on `data` (listening on a port the system
    /// picks) with `flags`, and waits for it to publish its address.
    pub fn start(data: &Path, flags: &[&str]) -> Self {
        std::fs::create_dir_all(data).unwrap();
        let addr_file = data.join("node.addr");
        // A previous run's address must not be taken for this one's.
        let _ = std::fs::remove_file(&addr_file);
        let log = data.with_extension(format!("log-{}", OsRng.next_u32()));
        let child = superzk()
            .args(["node", "run", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(flags)
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut node = Self {
            child,
            url: String::new(),
            log,
        };
        node.url = wait_for(Duration::from_secs(30), "the node's address", || {
            if let Ok(Some(status)) = node.child.try_wait() {
                panic!("the node exited ({status}): {}", node.log_text());
            }
            let addr = std::fs::read_to_string(&addr_file).ok()?;
            addr.ends_with('\n').then(|| addr.trim().to_string())
        });
        node
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits (bounded) for the exit.
    pub fn terminate(mut self, limit: Duration) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        wait_exit(&mut self.child, limit, "the node to stop after SIGTERM")
    }

    /// SIGKILL, now.
    pub fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The API's two clients.
    pub async fn connect(&self) -> (Light, ChainApi) {
        superzk_node::rpc::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.url))
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A deadline for wallet commands, long enough for proving a few actions on
/// a 2-core machine.
pub const WALLET_COMMAND_LIMIT: Duration = Duration::from_secs(300);

/// One wallet directory driven through `superzk wallet`; each test file
/// adds the readings and payments it needs in its own `impl WalletCli`.
pub struct WalletCli {
    pub dir: PathBuf,
    pub scratch: PathBuf,
    pub node: String,
}

impl WalletCli {
    /// Restores a wallet from the mnemonic of `entropy`, through `node`.
    pub fn restore(root: &Path, name: &str, entropy: [u8; 32], node: &str) -> Self {
        let w = Self {
            dir: root.join(name),
            scratch: root.join(format!("{name}-scratch")),
            node: node.to_string(),
        };
        std::fs::create_dir_all(&w.scratch).unwrap();
        let phrase = superzk_keys::hd::Mnemonic::from_entropy(&entropy)
            .unwrap()
            .phrase();
        let file = w.scratch.join("mnemonic.txt");
        std::fs::write(&file, phrase.as_bytes()).unwrap();
        w.ok(&[
            "restore",
            "--node",
            node,
            "--mnemonic-file",
            file.to_str().unwrap(),
        ]);
        w
    }

    /// `superzk wallet --wallet-dir DIR ARGS`, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = superzk();
        cmd.env("SUPERZK_PARAMS_DIR", params_dir())
            .arg("wallet")
            .arg("--wallet-dir")
            .arg(&self.dir)
            .args(args);
        cmd
    }

    /// Runs `args` with the wallet deadline.
    pub fn run(&self, args: &[&str]) -> Output {
        run_bounded(self.command(args), &self.scratch, WALLET_COMMAND_LIMIT)
    }

    /// Runs `args`, which must succeed; returns what it printed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let report = text(&out);
        assert!(out.status.success(), "wallet {args:?}: {report}");
        report
    }
}
