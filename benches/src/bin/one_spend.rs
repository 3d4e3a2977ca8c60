//! Loads the Spend parameters from the cache and makes one Spend proof, then
//! exits: the peak memory of this process is what a phone needs for one
//! proof. `compare` measures it (as a child process); by hand, read
//! `VmHWM` in `/proc/<pid>/status` or use `/usr/bin/time -v`.

fn main() {
    let (loaded, proved) = superzk_benches::one_spend_proof();
    println!("parameters loaded in {loaded:?}; one Spend proof in {proved:?}");
}
