//! Finds libvec2face for linking.
//!
//! 1. `VEC2FACE_LIB_DIR=/dir/with/libvec2face.so`: link from there and add an
//!    rpath to it (no pkg-config involved).
//! 2. Otherwise ask the `pkg-config` program (`$PKG_CONFIG`, default
//!    `pkg-config`) for `vec2face`. With `PKG_CONFIG_PATH=<cmake build dir>`
//!    it finds `vec2face-uninstalled.pc`, which points at the build tree and
//!    carries an rpath, so tests run without `LD_LIBRARY_PATH`.
//!
//! The rpath directories used are published to dependents' build scripts as
//! `DEP_VEC2FACE_RPATH` (colon-separated), because `rustc-link-arg` does not
//! propagate to other crates.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "VEC2FACE_LIB_DIR",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let mut rpaths: Vec<String> = Vec::new();
    if let Some(dir) = env::var_os("VEC2FACE_LIB_DIR").filter(|d| !d.is_empty()) {
        let dir = dir
            .to_str()
            .expect("VEC2FACE_LIB_DIR must be valid UTF-8")
            .to_owned();
        println!("cargo:rustc-link-search=native={dir}");
        println!("cargo:rustc-link-lib=dylib=vec2face");
        rpaths.push(dir);
    } else {
        let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_owned());
        let output = Command::new(&program).args(["--libs", "vec2face"]).output();
        let output = match output {
            Ok(o) if o.status.success() => o,
            Ok(o) => panic!(
                "\n`{program} --libs vec2face` failed:\n{}\nInstall libvec2face (so that \
                 vec2face.pc is on pkg-config's path), or set PKG_CONFIG_PATH to a \
                 directory holding vec2face.pc / vec2face-uninstalled.pc (a CMake build \
                 directory), or set VEC2FACE_LIB_DIR to the directory holding \
                 libvec2face.so.\n",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!(
                "\ncannot run `{program}` ({e}): install pkg-config, or set VEC2FACE_LIB_DIR \
                 to the directory holding libvec2face.so.\n"
            ),
        };
        let libs = String::from_utf8(output.stdout).expect("pkg-config output is not UTF-8");
        let mut linked = false;
        for flag in libs.split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={dir}");
            } else if let Some(lib) = flag.strip_prefix("-l") {
                println!("cargo:rustc-link-lib={lib}");
                linked |= lib == "vec2face";
            } else if let Some(rest) = flag.strip_prefix("-Wl,") {
                // -Wl,-rpath,DIR (or -Wl,-rpath=DIR): applies to this crate's
                // tests and examples; published to dependents below.
                let parts: Vec<&str> = rest.split(',').collect();
                match parts.as_slice() {
                    ["-rpath", dir] => rpaths.push((*dir).to_owned()),
                    [one] if one.starts_with("-rpath=") => {
                        rpaths.push(one["-rpath=".len()..].to_owned())
                    }
                    _ => println!("cargo:rustc-link-arg={flag}"),
                }
            } else {
                println!("cargo:rustc-link-arg={flag}");
            }
        }
        if !linked {
            println!("cargo:rustc-link-lib=vec2face");
        }
    }
    for dir in &rpaths {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    // Metadata for dependents (DEP_VEC2FACE_RPATH).
    println!("cargo:rpath={}", rpaths.join(":"));
}
