//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod json;

use std::path::PathBuf;
use std::sync::OnceLock;
use vec2face::Model;

/// `$V2F_TEST_MODELS/<name>`, or None (the test is skipped) when ctest did
/// not set the variable.
pub fn model_dir(name: &str) -> Option<PathBuf> {
    match std::env::var_os("V2F_TEST_MODELS") {
        Some(d) => Some(PathBuf::from(d).join(name)),
        None => {
            eprintln!("skipped: V2F_TEST_MODELS is not set (ctest sets it)");
            None
        }
    }
}

/// The tiny model (all six parts), loaded once per test binary and shared
/// by every test thread (`Model` is `Sync`).
pub fn tiny() -> Option<&'static Model> {
    static TINY: OnceLock<Model> = OnceLock::new();
    let dir = model_dir("tiny")?;
    Some(TINY.get_or_init(|| Model::load(&dir).expect("load the tiny model")))
}

/// Deterministic pseudo-random floats in about N(0, 1) (xorshift + sum of
/// uniforms), `n` of them.
pub fn randn(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| ((0..12).map(|_| next()).sum::<f64>() - 6.0) as f32)
        .collect()
}

/// A fresh empty directory under cargo's per-target temporary directory.
pub fn tmp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("v2f-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn norm(v: &[f32]) -> f64 {
    v.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt()
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum();
    dot / (norm(a) * norm(b))
}
