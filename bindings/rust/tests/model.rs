//! Generation, pose, masks, estimators and AttrOP with the tiny model, and
//! the byte-for-byte comparison with the C example.

mod common;

use common::{randn, tiny, tmp_dir};
use std::ops::ControlFlow;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use vec2face::*;

/// Five landmark points for image `i`: a plausible frontal layout, shifted.
fn points(n: usize) -> Vec<f32> {
    let base = [38.3, 51.7, 73.5, 51.5, 56.0, 71.7, 41.5, 92.4, 70.7, 92.2];
    (0..n)
        .flat_map(|i| {
            base.iter()
                .enumerate()
                .map(move |(k, &v)| v + (i * (k % 2 + 1)) as f32)
        })
        .collect()
}

#[test]
fn generate_matches_the_c_example_bytes() {
    let Some(model) = tiny() else { return };
    let Some(example) = std::env::var_os("V2F_EXAMPLE_GENERATE").filter(|p| !p.is_empty()) else {
        eprintln!("skipped: V2F_EXAMPLE_GENERATE is not set (built examples needed)");
        return;
    };
    let n = 5;
    let seed = 1234;
    let dir = tmp_dir("c-example");
    let vectors = randn(11, n * VECTOR_DIM);
    let npy = dir.join("vectors.npy");
    npy_write(&npy, &vectors, n, VECTOR_DIM).unwrap();
    let out = dir.join("c");
    std::fs::create_dir_all(&out).unwrap();
    // gen_only holds the same generator.pt as tiny and loads faster.
    let gen_only = common::model_dir("gen_only").unwrap();
    let status = Command::new(&example)
        .arg(&gen_only)
        .arg(&npy)
        .arg(&out)
        .args(["--per-id", "1", "--seed", &seed.to_string()])
        .status()
        .expect("run v2f_example_generate");
    assert!(status.success(), "v2f_example_generate failed");

    let opts = GenOptions {
        seed,
        ..Default::default()
    };
    let rgb = model.generate(&vectors, &opts).unwrap();
    assert_eq!(rgb.len(), n * IMAGE_BYTES);
    for (row, image) in rgb.chunks(IMAGE_BYTES).enumerate() {
        let c_png = out.join(format!("{row}_0.png"));
        let c_pixels = image_read(&c_png).unwrap();
        assert!(
            c_pixels == image,
            "image {row}: pixels differ from the C example's"
        );
        // Written by the binding, the PNG file is byte-identical too.
        let ours = dir.join(format!("rust_{row}.png"));
        image_write(&ours, image, IMAGE_SIZE as u32, IMAGE_SIZE as u32).unwrap();
        assert!(
            std::fs::read(&ours).unwrap() == std::fs::read(&c_png).unwrap(),
            "PNG {row}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn info_and_parts() {
    let Some(model) = tiny() else { return };
    let info = model.info().unwrap();
    assert_eq!(info.vector_dim as usize, VECTOR_DIM);
    assert_eq!(info.image_size as usize, IMAGE_SIZE);
    assert_eq!(info.cond_dim as usize, COND_DIM);
    assert_eq!(info.device, "cpu");
    for part in Part::ALL {
        assert!(info.has(part), "{part:?}");
    }
    let g = model.part_info(Part::Generator).unwrap();
    assert!(g.present);
    assert_eq!(g.kind, "generator");
    assert!(g.num_dropped > 0 && g.mask_ratio_min > 0.0);
    assert!(version().starts_with(&format!("{}.", sys::V2F_VERSION_MAJOR)));
    assert_eq!(abi_version(), ABI_VERSION);
}

#[test]
fn raw_output_and_explicit_masks_replay() {
    let Some(model) = tiny() else { return };
    let n = 3;
    let vectors = randn(21, n * VECTOR_DIM);
    let opts = GenOptions {
        seed: 5,
        identity_base: 100,
        ..Default::default()
    };
    let (rgb, raw) = model.generate_with_raw(&vectors, &opts).unwrap();
    assert_eq!(raw.len(), n * RAW_IMAGE_FLOATS);
    assert_eq!(raw_to_rgb(&raw).unwrap(), rgb);

    // The sampled masks, given back explicitly, replay the same images.
    let masks = model.sample_masks(Part::Generator, n, &opts).unwrap();
    assert_eq!(masks.dropped.len(), n * NUM_TOKENS);
    let num_dropped = model.part_info(Part::Generator).unwrap().num_dropped as usize;
    for (d, m) in masks
        .dropped
        .chunks(NUM_TOKENS)
        .zip(masks.masked.chunks(NUM_TOKENS))
    {
        assert_eq!(d.iter().filter(|&&x| x == 1).count(), num_dropped);
        assert!(
            d.iter().zip(m).all(|(&d, &m)| d <= m),
            "dropped must be within masked"
        );
    }
    let replay = GenOptions {
        masks: Some(masks.as_ref()),
        ..opts
    };
    assert_eq!(model.generate(&vectors, &replay).unwrap(), rgb);

    // Identity index = identity_base + i, whatever the batch split.
    let last = model
        .generate(
            &vectors[2 * VECTOR_DIM..],
            &GenOptions {
                identity_base: 102,
                ..opts
            },
        )
        .unwrap();
    // Same masks; pixels within the documented batch-split contract of
    // 1/255 (float sums round differently for another batch shape).
    assert!(within_split_contract(&last, &rgb[2 * IMAGE_BYTES..]));

    // Progress reports every image; Break cancels.
    let seen = AtomicU64::new(0);
    let count = |done: u64, total: u64| {
        assert_eq!(total, n as u64);
        seen.store(done, Ordering::Relaxed);
        ControlFlow::Continue(())
    };
    let with_progress = GenOptions {
        batch_size: 1,
        progress: Some(Progress(&count)),
        ..opts
    };
    let one_by_one = model.generate(&vectors, &with_progress).unwrap();
    assert!(within_split_contract(&one_by_one, &rgb));
    assert_eq!(seen.load(Ordering::Relaxed), n as u64);
    let stop = |_: u64, _: u64| ControlFlow::Break(());
    let cancelled = GenOptions {
        batch_size: 1,
        progress: Some(Progress(&stop)),
        ..opts
    };
    let e = model.generate(&vectors, &cancelled).unwrap_err();
    assert_eq!(e.status(), Status::Cancelled, "{e}");
}

/// Same length and every byte within 1/255: the documented batch-split
/// contract (float sums round differently for another batch shape).
fn within_split_contract(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x.abs_diff(y) <= 1)
}

#[test]
fn two_threads_share_one_model() {
    let Some(model) = tiny() else { return };
    let vectors = randn(31, 2 * VECTOR_DIM);
    let opts = GenOptions {
        seed: 9,
        ..Default::default()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| model.generate(&vectors, &opts).unwrap());
        let b = s.spawn(|| model.generate(&vectors, &opts).unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a == b);
}

#[test]
fn pose_generation() {
    let Some(model) = tiny() else { return };
    let n = 2;
    let landmarks = render_landmarks(&points(n)).unwrap();
    assert_eq!(landmarks.len(), n * IMAGE_BYTES);
    assert!(landmarks.iter().any(|&x| x != 0), "dots drawn");
    let vectors = randn(41, n * VECTOR_DIM);
    let opts = GenOptions {
        seed: 3,
        ..Default::default()
    };
    let (rgb, raw) = model
        .generate_pose_with_raw(&vectors, &landmarks, &opts)
        .unwrap();
    assert_eq!(rgb.len(), n * IMAGE_BYTES);
    assert_eq!(raw_to_rgb(&raw).unwrap(), rgb);
    assert_eq!(
        model.generate_pose(&vectors, &landmarks, &opts).unwrap(),
        rgb
    );
    // One landmark image per vector.
    let e = model
        .generate_pose(&vectors, &landmarks[..IMAGE_BYTES], &opts)
        .unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
}

#[test]
fn estimators() {
    let Some(model) = tiny() else { return };
    let n = 2;
    let rgb = model
        .generate(&randn(51, n * VECTOR_DIM), &GenOptions::default())
        .unwrap();
    let arc = model.extract_features(Part::ArcFace, &rgb).unwrap();
    assert_eq!(arc.len(), n * VECTOR_DIM);
    assert!(arc.iter().all(|x| x.is_finite()));
    let mag = model.extract_features(Part::MagFace, &rgb).unwrap();
    let quality = model.estimate_quality(&rgb).unwrap();
    assert_eq!(quality.len(), n);
    // Quality is the norm of the MagFace feature.
    for (q, f) in quality.iter().zip(mag.chunks(VECTOR_DIM)) {
        let norm = common::norm(f);
        assert!(
            ((*q as f64) - norm).abs() <= 1e-3 * norm.max(1.0),
            "{q} vs {norm}"
        );
    }
    let pose = model.estimate_pose(&rgb).unwrap();
    assert_eq!(pose.len(), n);
    assert!(
        pose.iter()
            .flatten()
            .all(|a| a.is_finite() && a.abs() <= 360.0)
    );
    let e = model
        .extract_features(Part::ArcFace, &rgb[1..])
        .unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
}

#[test]
fn attrop_one_step() {
    let Some(model) = tiny() else { return };
    let n = 2;
    let vectors = randn(61, n * VECTOR_DIM);
    let opts = AttrOpOptions {
        seed: 4,
        ..Default::default()
    };
    assert_eq!(opts.identity_model, Part::ArcFace);
    assert_eq!(opts.quality_model, Part::MagFace);
    let mut op = model.attrop(&vectors, None, &opts).unwrap();
    assert_eq!(op.len(), n);
    let losses = op.step().unwrap();
    assert_eq!(losses.steps, 1);
    assert!(losses.total.is_finite());
    assert!(
        (losses.total - (losses.identity + losses.quality + losses.pose)).abs()
            <= 1e-4 * losses.total.abs().max(1.0)
    );
    assert_eq!(losses.identity_per_vector.len(), n);
    let grad = op.gradient().unwrap();
    assert_eq!(grad.len(), n * VECTOR_DIM);
    assert!(grad.iter().all(|g| g.is_finite()));
    let moved = op.vectors().unwrap();
    assert_eq!(moved.len(), n * VECTOR_DIM);
    assert!(moved != vectors, "one Adam step moves the vectors");
    assert_eq!(op.images().unwrap().len(), n * IMAGE_BYTES);
    // AttrOp is Send: it can move to another thread.
    std::thread::scope(|s| s.spawn(move || drop(op)).join().unwrap());
}

#[test]
fn centres_from_a_folder() {
    let Some(model) = tiny() else { return };
    let root = tmp_dir("folder-centres");
    let rgb = model
        .generate(&randn(71, 4 * VECTOR_DIM), &GenOptions::default())
        .unwrap();
    let images: Vec<&[u8]> = rgb.chunks(IMAGE_BYTES).collect();
    for (i, image) in images.iter().enumerate() {
        let dir = root.join(format!("id{}", i / 2));
        std::fs::create_dir_all(&dir).unwrap();
        image_write(dir.join(format!("{}.png", i % 2)), image, 112, 112).unwrap();
    }
    let (centres, counts) = model
        .identity_centres_from_folder(&root, &FolderCentresOptions::default())
        .unwrap();
    assert_eq!(
        (centres.rows, centres.cols, counts),
        (2, VECTOR_DIM, vec![2, 2])
    );
    let features = model.extract_features(Part::ArcFace, &rgb).unwrap();
    let (expect, _) = identity_centres(&features, VECTOR_DIM, &[0, 0, 1, 1], 2, false).unwrap();
    for (a, b) in centres.data.iter().zip(&expect.data) {
        assert!((a - b).abs() <= 1e-4 * b.abs().max(1.0), "{a} vs {b}");
    }
    let e = model
        .identity_centres_from_folder(root.join("missing"), &FolderCentresOptions::default())
        .unwrap_err();
    assert_eq!(e.status(), Status::Io, "{e}");
    let _ = std::fs::remove_dir_all(&root);
}

/// generate_into writes into the caller's buffer exactly what generate
/// returns, and refuses a buffer of the wrong length without touching it.
#[test]
fn generate_into_a_caller_buffer() {
    let Some(model) = tiny() else { return };
    let n = 3;
    let vectors = randn(31, n * VECTOR_DIM);
    let opts = GenOptions {
        seed: 77,
        ..GenOptions::default()
    };
    let want = model.generate(&vectors, &opts).unwrap();
    // Filled with a marker first: every byte must be overwritten.
    let mut buf = vec![0xA5u8; n * IMAGE_BYTES];
    model.generate_into(&vectors, &mut buf, &opts).unwrap();
    assert!(buf == want, "generate_into differs from generate");

    for len in [n * IMAGE_BYTES - 1, n * IMAGE_BYTES + IMAGE_BYTES, 0] {
        let mut wrong = vec![7u8; len];
        let err = model
            .generate_into(&vectors, &mut wrong, &opts)
            .unwrap_err();
        assert_eq!(err.status(), Status::InvalidArg, "length {len}: {err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{len} bytes")) && msg.contains(&(n * IMAGE_BYTES).to_string()),
            "length {len}: message does not give both lengths: {msg}"
        );
        assert!(
            wrong.iter().all(|&b| b == 7),
            "length {len}: buffer was written"
        );
    }
    // A vector slice that is not whole rows is refused as well.
    let mut buf = vec![0u8; IMAGE_BYTES];
    let err = model
        .generate_into(&vectors[..VECTOR_DIM - 1], &mut buf, &opts)
        .unwrap_err();
    assert_eq!(err.status(), Status::InvalidArg);
}
