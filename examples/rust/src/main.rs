//! v2f-generate: identity vectors from an .npy file -> PNG face images,
//! with the `vec2face` crate (the Rust twin of examples/generate.c).
//!
//!     v2f-generate MODEL_DIR VECTORS.npy OUT_DIR [--per-id K] [--seed S]
//!
//! Writes OUT_DIR/<row>_<k>.png: K images (different masks) per vector.

use std::path::PathBuf;
use std::process::ExitCode;
use vec2face::{GenOptions, IMAGE_BYTES, IMAGE_SIZE, Model, VECTOR_DIM};

const USAGE: &str = "usage: v2f-generate MODEL_DIR VECTORS.npy OUT_DIR [--per-id K] [--seed S]
  MODEL_DIR    directory made by python3 -m vec2face_torch.export (needs generator.pt)
  VECTORS.npy  float32 [n,512] identity vectors (ArcFace-style features)
  OUT_DIR      directory for <row>_<k>.png (created if missing)
  --per-id K   images per vector (default 1), each with its own masks
  --seed S     seed of the mask randomness (default 0)";

struct Args {
    model: PathBuf,
    vectors: PathBuf,
    out: PathBuf,
    per_id: u64,
    seed: u64,
}

fn parse() -> Result<Args, String> {
    let mut pos = Vec::new();
    let (mut per_id, mut seed) = (1u64, 0u64);
    let mut it = std::env::args_os().skip(1);
    while let Some(a) = it.next() {
        match a.to_str() {
            Some("-h" | "--help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Some(flag @ ("--per-id" | "--seed")) => {
                let v = it.next().and_then(|v| v.to_str()?.parse::<u64>().ok());
                let v = v.ok_or(format!("{flag} needs a number"))?;
                if flag == "--seed" {
                    seed = v
                } else {
                    per_id = v
                }
            }
            Some(s) if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => pos.push(PathBuf::from(a)),
        }
    }
    let [model, vectors, out] =
        <[PathBuf; 3]>::try_from(pos).map_err(|_| "need 3 paths".to_owned())?;
    if per_id == 0 || per_id > 1000 {
        return Err("--per-id must be in 1..=1000".into());
    }
    Ok(Args {
        model,
        vectors,
        out,
        per_id,
        seed,
    })
}

fn run(a: &Args) -> Result<usize, vec2face::Error> {
    let arr = vec2face::npy_read(&a.vectors)?;
    if arr.cols != VECTOR_DIM {
        return Err(vec2face::Error::new(
            vec2face::Status::Format,
            format!(
                "{}: {} columns, need {VECTOR_DIM}",
                a.vectors.display(),
                arr.cols
            ),
        ));
    }
    // Each vector repeated per_id times; keys (identity = row, image = k).
    let k = a.per_id as usize;
    let n = arr.rows * k;
    let mut vectors = Vec::with_capacity(n * VECTOR_DIM);
    let (mut ids, mut imgs) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for row in 0..arr.rows {
        for j in 0..k {
            vectors.extend_from_slice(arr.row(row));
            ids.push(row as u64);
            imgs.push(j as u64);
        }
    }
    let model = Model::load(&a.model)?;
    let opts = GenOptions {
        seed: a.seed,
        identity_index: Some(&ids),
        image_index: Some(&imgs),
        ..GenOptions::default()
    };
    let rgb = model.generate(&vectors, &opts)?;
    std::fs::create_dir_all(&a.out).map_err(|e| {
        vec2face::Error::new(vec2face::Status::Io, format!("{}: {e}", a.out.display()))
    })?;
    for (i, image) in rgb.chunks(IMAGE_BYTES).enumerate() {
        let path = a.out.join(format!("{}_{}.png", i / k, i % k));
        vec2face::image_write(&path, image, IMAGE_SIZE as u32, IMAGE_SIZE as u32)?;
    }
    Ok(n)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("v2f-generate: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(n) => {
            println!("wrote {n} images to {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("v2f-generate: {e}");
            ExitCode::FAILURE
        }
    }
}
