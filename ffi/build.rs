//! Writes `include/outbox.h` from this crate's declarations (cbindgen,
//! settings in `cbindgen.toml`, plus the version macros) and gives the
//! shared library its SONAME. `make test` fails when the header it writes
//! differs from the committed one, so the committed header always matches
//! the code.

use std::path::Path;

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let crate_dir = Path::new(&crate_dir);
    let header = crate_dir.join("../include/outbox.h");
    let version = Version::of_this_crate();

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed={}", header.display());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{}", version.soname());

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml is valid");
    let after_includes = config.after_includes.take().unwrap_or_default();
    config.after_includes = Some(version.macros() + &after_includes);
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen can read ffi/src");
    // Writes only when the content changed, so builds stay incremental.
    bindings.write_to_file(&header);
}

/// The crate's version: the one number of every Outbox package.
struct Version {
    text: String,
    major: u32,
    minor: u32,
    patch: u32,
}

impl Version {
    fn of_this_crate() -> Version {
        let part = |name: &str| -> u32 {
            let value = std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"));
            value.parse().unwrap_or_else(|_| panic!("{name}={value} is a number"))
        };
        Version {
            text: std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION"),
            major: part("CARGO_PKG_VERSION_MAJOR"),
            minor: part("CARGO_PKG_VERSION_MINOR"),
            patch: part("CARGO_PKG_VERSION_PATCH"),
        }
    }

    /// Before 1.0 every minor release may break the ABI (CHANGELOG.md), so
    /// the minor is part of the SONAME: the dynamic loader then refuses a
    /// library of another 0.x line instead of running against it.
    fn soname(&self) -> String {
        match self.major {
            0 => format!("liboutbox.so.0.{}", self.minor),
            major => format!("liboutbox.so.{major}"),
        }
    }

    /// The compile-time version macros, first in the header after the
    /// includes (each documented, as tests/c/check_header_docs.py wants).
    fn macros(&self) -> String {
        let Version { text, major, minor, patch } = self;
        format!(
            "\n\
             // The major version of this header (the library's at run time: outbox_version()).\n\
             #define OUTBOX_VERSION_MAJOR {major}\n\
             // The minor version of this header; before 1.0 a new minor may change the ABI.\n\
             #define OUTBOX_VERSION_MINOR {minor}\n\
             // The patch version of this header.\n\
             #define OUTBOX_VERSION_PATCH {patch}\n\
             // The version of this header as text, e.g. \"0.1.0\": equal to outbox_version() when the\n\
             // program runs against the library it was compiled for.\n\
             #define OUTBOX_VERSION \"{text}\"\n\
             // The version as one number for #if comparisons: 0xMMmmpp, e.g. 0x000100 for 0.1.0.\n\
             #define OUTBOX_VERSION_NUM 0x{major:02x}{minor:02x}{patch:02x}\n"
        )
    }
}
