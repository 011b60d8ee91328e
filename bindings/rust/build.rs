//! Finds libvec2face for linking.
//!
//! 1. `VEC2FACE_LIB_DIR=/dir/with/libvec2face.so`: link from there and add an
//!    rpath to it (no pkg-config involved, no version check here; the
//!    crate's ABI check runs at the first call).
//! 2. Otherwise ask the `pkg-config` program (`$PKG_CONFIG`, default
//!    `pkg-config`) for `vec2face`, whose version must be in this crate's
//!    range (>= 0.3.0, < 0.4.0 for crate 0.3.x: in 0.x a minor release
//!    breaks). An installed `vec2face.pc` gives `-L<libdir>`: when libdir is
//!    not one of the dynamic loader's default directories (a prefix such as
//!    /opt/vec2face or $HOME/.local), an rpath to it is added, so programs
//!    run without `LD_LIBRARY_PATH`. With `PKG_CONFIG_PATH=<cmake build
//!    dir>` pkg-config finds `vec2face-uninstalled.pc`, which points at the
//!    build tree and carries its own rpath.
//!
//! `VEC2FACE_NO_RPATH=1` adds no rpath (for packagers installing into the
//! loader's path). The rpath directories used are published to dependents'
//! build scripts as `DEP_VEC2FACE_RPATH` (colon-separated), because
//! `rustc-link-arg` applies to this crate's own tests and examples only, not
//! to other crates' binaries (see the crate docs).
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Directories the loader searches without an rpath, ld.so.cache or
/// LD_LIBRARY_PATH (glibc's built-in list, with Debian's multiarch ones).
fn loader_default_dir(dir: &Path) -> bool {
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let triplet = format!("{arch}-linux-gnu");
    let defaults = [
        "/lib".to_owned(),
        "/lib64".to_owned(),
        "/usr/lib".to_owned(),
        "/usr/lib64".to_owned(),
        format!("/lib/{triplet}"),
        format!("/usr/lib/{triplet}"),
    ];
    defaults.iter().any(|d| {
        let d = Path::new(d);
        // Compare resolved paths: /lib may be a link to /usr/lib.
        d == dir || std::fs::canonicalize(d).is_ok_and(|c| c == dir)
    })
}

/// "0.3.1" (or "0.3.1-dev", "0.3") as (major, minor, patch).
fn parse_version(s: &str) -> Option<(u64, u64, u64)> {
    let core = s.split(['-', '+', '~']).next()?;
    let mut it = core.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    let patch = match it.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    Some((major, minor, patch))
}

/// The library versions this crate accepts: [lower, upper). The crate's
/// version follows the library's; 0.x minors and x.0 majors break.
fn accepted_range() -> ((u64, u64, u64), (u64, u64, u64)) {
    let num = |var: &str| -> u64 {
        env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{var} is not a number"))
    };
    let (major, minor) = (
        num("CARGO_PKG_VERSION_MAJOR"),
        num("CARGO_PKG_VERSION_MINOR"),
    );
    let upper = if major == 0 {
        (0, minor + 1, 0)
    } else {
        (major + 1, 0, 0)
    };
    ((major, minor, 0), upper)
}

fn show((a, b, c): (u64, u64, u64)) -> String {
    format!("{a}.{b}.{c}")
}

fn pkg_config(program: &str, args: &[&str]) -> Result<String, String> {
    match Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => {
            String::from_utf8(o.stdout).map_err(|_| format!("`{program}` printed non-UTF-8"))
        }
        Ok(o) => Err(format!(
            "\n`{program} {}` failed:\n{}\nInstall libvec2face (so that vec2face.pc is on \
             pkg-config's path), or set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig of an \
             installed libvec2face or to a CMake build directory (vec2face-uninstalled.pc), \
             or set VEC2FACE_LIB_DIR to the directory holding libvec2face.so.\n",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!(
            "\ncannot run `{program}` ({e}): install pkg-config, or set VEC2FACE_LIB_DIR \
             to the directory holding libvec2face.so.\n"
        )),
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "VEC2FACE_LIB_DIR",
        "VEC2FACE_NO_RPATH",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let no_rpath = env::var_os("VEC2FACE_NO_RPATH").is_some_and(|v| !v.is_empty() && v != "0");
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
        let get = |args: &[&str]| pkg_config(&program, args).unwrap_or_else(|e| panic!("{e}"));
        let found = get(&["--modversion", "vec2face"]).trim().to_owned();
        let pc_dir = pkg_config(&program, &["--variable=pcfiledir", "vec2face"])
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let (lower, upper) = accepted_range();
        match parse_version(&found) {
            Some(v) if v >= lower && v < upper => {}
            _ => panic!(
                "\npkg-config found libvec2face {found} (vec2face.pc in {pc_dir}), but the \
                 vec2face crate {} needs libvec2face >= {}, < {}. Install a matching \
                 libvec2face, or point PKG_CONFIG_PATH at one (<prefix>/lib/pkgconfig), or use \
                 the crate version that matches the installed library.\n",
                env::var("CARGO_PKG_VERSION").unwrap_or_default(),
                show(lower),
                show(upper)
            ),
        }
        let libs = get(&["--libs", "vec2face"]);
        let mut linked = false;
        let mut search: Vec<String> = Vec::new();
        for flag in libs.split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={dir}");
                search.push(dir.to_owned());
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
        // The directory that holds libvec2face.so gets an rpath unless the
        // loader finds it anyway (or the .pc gave one already).
        if !no_rpath {
            for dir in &search {
                let Ok(real) = std::fs::canonicalize(dir) else {
                    continue;
                };
                if !real.join("libvec2face.so").exists() || loader_default_dir(&real) {
                    continue;
                }
                let known = rpaths
                    .iter()
                    .any(|r| std::fs::canonicalize(r).is_ok_and(|c| c == real));
                if !known {
                    rpaths.push(path_str(real));
                }
            }
        }
    }
    if no_rpath {
        rpaths.clear();
    }
    for dir in &rpaths {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    // Metadata for dependents (DEP_VEC2FACE_RPATH).
    println!("cargo:rpath={}", rpaths.join(":"));
}

fn path_str(p: PathBuf) -> String {
    p.into_os_string()
        .into_string()
        .expect("the library directory must be valid UTF-8")
}
