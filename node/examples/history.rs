//! Node memory with a long devnet history: builds (or reuses) a data
//! directory holding N blocks, then opens a node on it in a fresh process
//! state and reports the time to open and the resident memory (the block
//! index, the recent-transaction map, redb's caches).
//!
//! ```text
//! cargo run --release -p superzk-node --example history -- DIR 100000
//! ```
//!
//! Building appends empty devnet blocks (the pool has no tickets, so they
//! need no votes) through `Node::submit_block`, the daemon's own path.
//! Opening is measured in a child process (`history DIR N --open`) so the
//! figure is the node's, not the builder's.

use std::{path::PathBuf, time::Instant};

use superzk_node::{
    network::Network,
    node::{Node, NodeOptions},
};

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn open(dir: &std::path::Path) -> std::sync::Arc<Node> {
    let (options, genesis) =
        NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).expect("devnet");
    Node::open(options, genesis).expect("the node opens")
}

fn build(dir: &std::path::Path, blocks: u64) {
    let node = open(dir);
    let start = Instant::now();
    let mut height = node.tip().expect("tip").height;
    while height < blocks {
        let time = 1_700_000_000 + 10 * (height + 1);
        node.mine_block([9; 32], time).expect("a block");
        height += 1;
        if height % 10_000 == 0 {
            eprintln!("{height} blocks ({:.0} s)", start.elapsed().as_secs_f64());
        }
    }
    eprintln!(
        "built {blocks} blocks in {:.0} s",
        start.elapsed().as_secs_f64()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: history DIR BLOCKS [--open]"));
    let blocks: u64 = args
        .next()
        .and_then(|b| b.parse().ok())
        .expect("usage: history DIR BLOCKS [--open]");
    if args.next().as_deref() == Some("--open") {
        let before = rss_kib("VmRSS:");
        let start = Instant::now();
        let node = open(&dir);
        let took = start.elapsed();
        let tip = node.tip().expect("tip");
        println!(
            "opened {} blocks in {:.2} s; resident {} MiB (peak {} MiB, {} MiB before opening)",
            tip.height,
            took.as_secs_f64(),
            rss_kib("VmRSS:") / 1024,
            rss_kib("VmHWM:") / 1024,
            before / 1024
        );
        return;
    }
    build(&dir, blocks);
    let store = std::fs::metadata(Node::store_path(&dir)).map_or(0, |m| m.len());
    println!("store: {} MiB", store >> 20);
    let status = std::process::Command::new(std::env::current_exe().expect("this program"))
        .arg(&dir)
        .arg(blocks.to_string())
        .arg("--open")
        .status()
        .expect("the measuring child runs");
    assert!(status.success());
}
