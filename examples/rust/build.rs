// The vec2face crate finds libvec2face (pkg-config or VEC2FACE_LIB_DIR) and
// publishes the directories it needs an rpath to as DEP_VEC2FACE_RPATH (an
// install prefix outside the loader's paths, a build tree). Cargo does not
// pass link arguments from one crate to another, so this binary adds them
// itself; it then runs without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_VEC2FACE_RPATH");
    if let Ok(dirs) = std::env::var("DEP_VEC2FACE_RPATH") {
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
    }
}
