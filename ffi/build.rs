//! Writes `include/outbox.h` from this crate's declarations (cbindgen,
//! settings in `cbindgen.toml`) and gives the shared library its SONAME.
//! `make test` fails when the header it writes differs from the committed
//! one, so the committed header always matches the code.

use std::path::Path;

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let crate_dir = Path::new(&crate_dir);
    let header = crate_dir.join("../include/outbox.h");

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed={}", header.display());
    // The ABI major version: bump with any incompatible change.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liboutbox.so.0");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen can read ffi/src");
    // Writes only when the content changed, so builds stay incremental.
    bindings.write_to_file(&header);
}
