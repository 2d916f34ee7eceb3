//! The cargo-fuzz targets of `fuzz/fuzz_targets/`, compiled on stable as
//! part of the normal test build and run once over their committed seeds.
//!
//! cargo-fuzz needs a nightly toolchain (or `RUSTC_BOOTSTRAP=1`) and builds
//! libFuzzer, so CI never ran `cargo fuzz build`, and a target could rot
//! unseen when the engine's API changed. Here each target's file is
//! included as a module; `fuzz_target!` is defined below to turn its body
//! into a plain function, and `libfuzzer_sys` names this crate, so the
//! files compile unchanged. Fuzzing itself is still `cargo fuzz run` (see
//! `fuzz/README.md`).

// `use libfuzzer_sys::fuzz_target;` in each target finds the macro below.
extern crate self as libfuzzer_sys;

/// Turns `fuzz_target!(|data: &[u8]| { … })` into `pub fn run(data: &[u8])`.
#[macro_export]
macro_rules! fuzz_target {
    (|$data:ident: &[u8]| $body:block) => {
        pub fn run($data: &[u8]) $body
    };
}

macro_rules! targets {
    ($($name:ident => $file:literal),* $(,)?) => {
        $(
            // Each file's #![no_main], and its import of the macro, which the
            // textual scope of the one above already provides.
            #[allow(unused_attributes, unused_imports)]
            #[path = $file]
            mod $name;
        )*

        /// Every target with its name, in the order of `fuzz/Cargo.toml`.
        const TARGETS: &[(&str, fn(&[u8]))] = &[$((stringify!($name), $name::run)),*];
    };
}

targets!(
    answer => "../fuzz/fuzz_targets/answer.rs",
    settings_json => "../fuzz/fuzz_targets/settings_json.rs",
    validators => "../fuzz/fuzz_targets/validators.rs",
    sms_config => "../fuzz/fuzz_targets/sms_config.rs",
    headers => "../fuzz/fuzz_targets/headers.rs",
    config_toml => "../fuzz/fuzz_targets/config_toml.rs",
);

#[test]
fn every_fuzz_target_is_built_and_accepts_its_seeds_and_edge_inputs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let declared = manifest.matches("[[bin]]").count();
    assert_eq!(
        TARGETS.len(),
        declared,
        "fuzz/Cargo.toml declares {declared} targets"
    );
    for (name, run) in TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
        let seeds = root.join("seeds").join(name);
        let mut count = 0;
        for entry in std::fs::read_dir(&seeds).unwrap() {
            let path = entry.unwrap().path();
            run(&std::fs::read(&path).unwrap());
            count += 1;
        }
        assert!(count > 0, "no seeds in {}", seeds.display());
        for edge in [&b""[..], b"\0", b"\xff\xfe", b"{}", b"[", b"\x01-1"] {
            run(edge);
        }
    }
}
