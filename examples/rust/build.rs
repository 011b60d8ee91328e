// The vec2face crate finds libvec2face (pkg-config or VEC2FACE_LIB_DIR) and
// publishes the directories it linked from as DEP_VEC2FACE_RPATH; link-time
// rpaths do not propagate between crates, so add them to this binary (it
// then runs from a build tree without LD_LIBRARY_PATH).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_VEC2FACE_RPATH");
    if let Ok(dirs) = std::env::var("DEP_VEC2FACE_RPATH") {
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        }
    }
}
