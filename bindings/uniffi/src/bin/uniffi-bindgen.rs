//! The UniFFI binding generator, pinned to the same uniffi version as the
//! library so that generated code always matches the scaffolding:
//! `cargo run -p superzk-uniffi --bin uniffi-bindgen -- generate --library <.so> --language python --out-dir <dir>`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
