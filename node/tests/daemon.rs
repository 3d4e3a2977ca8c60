//! The daemon in-process: it mines on its own, serves gRPC, exports
//! Prometheus metrics, stops when asked, and resumes from its data
//! directory. (The daemon as a real process, SIGTERM and SIGKILL:
//! cli/tests/node.rs.)

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use superzk_node::{
    config::NodeConfig,
    daemon::{self, ADDR_FILE},
    proto::{chain_client::ChainClient, StatusRequest},
};
use tokio::sync::oneshot;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("superzk-daemon-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn config(dir: &Path, metrics: Option<u16>) -> NodeConfig {
    let mut c = NodeConfig {
        data_dir: Some(dir.to_path_buf()),
        listen: "127.0.0.1:0".parse().expect("address"),
        metrics: metrics.map(|p| format!("127.0.0.1:{p}").parse().expect("address")),
        ..NodeConfig::default()
    };
    c.mining.enabled = true;
    c.mining.block_interval_ms = Some(150);
    c
}

async fn wait_for_addr(dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(s) = std::fs::read_to_string(dir.join(ADDR_FILE)) {
            return s.trim().to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the daemon never wrote its address"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_height(url: &str, height: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut client = ChainClient::connect(url.to_string())
        .await
        .expect("connects");
    loop {
        let s = client
            .get_status(StatusRequest {})
            .await
            .expect("status")
            .into_inner();
        if s.height >= height {
            assert!(s.mining, "the node says it mines");
            return s.height;
        }
        assert!(Instant::now() < deadline, "stuck at height {}", s.height);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn scrape(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("metrics endpoint listens");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut body = String::new();
    s.read_to_string(&mut body).expect("response");
    body
}

/// Mines, serves, exports metrics, stops on request and resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_mines_serves_stops_and_resumes() {
    let dir = temp_dir("resume");
    let port = free_port();
    let (stop, stopped) = oneshot::channel::<()>();
    let run = tokio::spawn(daemon::run(config(&dir, Some(port)), async {
        let _ = stopped.await;
    }));
    let url = wait_for_addr(&dir).await;
    let reached = wait_for_height(&url, 3).await;
    let metrics = scrape(port);
    assert!(metrics.contains("200 OK"), "{metrics}");
    for name in [
        "superzk_height",
        "superzk_block_validation_seconds",
        "superzk_peers",
    ] {
        assert!(metrics.contains(name), "metric {name} missing:\n{metrics}");
    }
    stop.send(()).expect("the daemon still runs");
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("stops in time")
        .expect("no panic")
        .expect("stops cleanly");

    // A second start resumes: same chain, at least the height reached.
    std::fs::remove_file(dir.join(ADDR_FILE)).expect("address file");
    let (stop, stopped) = oneshot::channel::<()>();
    let run = tokio::spawn(daemon::run(config(&dir, None), async {
        let _ = stopped.await;
    }));
    let url = wait_for_addr(&dir).await;
    let again = wait_for_height(&url, reached).await;
    assert!(again >= reached);
    stop.send(()).expect("running");
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("stops in time")
        .expect("no panic")
        .expect("stops cleanly");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A configuration file with a misspelt field is refused, naming it; the
/// documented example parses.
#[test]
fn config_files_are_strict() {
    let dir = temp_dir("config");
    std::fs::create_dir_all(&dir).expect("dir");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "network = \"devnet\"\nlisten_addr = \"127.0.0.1:1\"\n",
    )
    .expect("write");
    let e = NodeConfig::from_file(&bad).expect_err("unknown field refused");
    assert!(e.to_string().contains("listen_addr"), "{e}");
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        "network = \"testnet\"\ndata_dir = \"/tmp/x\"\nlisten = \"127.0.0.1:8232\"\n\
         [mining]\nenabled = true\nblock_interval_ms = 1000\n[voting]\nkeys = [\"k.hex\"]\n\
         [mempool]\nmax_bytes = 1000000\n",
    )
    .expect("write");
    let c = NodeConfig::from_file(&good).expect("parses");
    assert_eq!(c.network().expect("known").name(), "testnet");
    assert!(c.mining.enabled);
    assert_eq!(c.mempool.max_bytes, 1_000_000);
    let _ = std::fs::remove_dir_all(&dir);
}
