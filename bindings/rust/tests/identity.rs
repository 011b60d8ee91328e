//! Perturbation, samplers, centres, separability and the file formats (no
//! model needed).

mod common;

use common::{cosine, norm, randn, tmp_dir};
use std::ops::ControlFlow;
use vec2face::*;

#[test]
fn perturbation_preserves_norms() {
    let (n, dim, k) = (3, 64, 4);
    let v: Vec<f32> = randn(1, n * dim).iter().map(|x| x * 2.0).collect();
    let opts = PerturbOptions {
        seed: 8,
        dim: dim as u32,
        images_per_vector: k as u32,
        ..Default::default()
    };
    let (out, eps) = perturb_with_eps(&v, &opts).unwrap();
    assert_eq!(out.len(), n * k * dim);
    assert_eq!(eps.len(), n * k);
    assert!(
        eps.iter().all(|e| [0.3f32, 0.5, 0.7].contains(e)),
        "{eps:?}"
    );
    for (r, row) in out.chunks(dim).enumerate() {
        let src = &v[(r / k) * dim..(r / k + 1) * dim];
        let (a, b) = (norm(row), norm(src));
        assert!((a - b).abs() <= 1e-4 * b, "row {r}: norm {a} vs {b}");
        assert!(row != src, "row {r} is perturbed");
    }
    // Same keys, same output, whatever the split.
    let second = PerturbOptions {
        identity_base: 1,
        ..opts
    };
    assert_eq!(perturb(&v[dim..], &second).unwrap(), out[k * dim..]);
    // Explicit mixture.
    let one = PerturbOptions {
        eps: Some(&[0.1]),
        ..opts
    };
    let (_, eps) = perturb_with_eps(&v, &one).unwrap();
    assert!(eps.iter().all(|&e| e == 0.1));
    let bad = PerturbOptions {
        eps: Some(&[0.1, 0.2]),
        eps_shares: Some(&[1.0]),
        ..opts
    };
    assert_eq!(perturb(&v, &bad).unwrap_err().status(), Status::InvalidArg);
    let zero = vec![0.0f32; dim];
    let e = perturb(
        &zero,
        &PerturbOptions {
            dim: dim as u32,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg, "{e}");
}

#[test]
fn isotropic_sampling_separates_every_pair() {
    let dim = 24;
    let s = Sampler::isotropic(dim, 10.0, 1.0).unwrap();
    assert_eq!(s.dim(), dim);
    assert!(s.mean().is_none() && s.cov().is_none());
    let n = 40;
    let thr = 0.3f32;
    let opts = SampleOptions {
        seed: 77,
        max_similarity: thr,
        threads: 2,
        ..Default::default()
    };
    let got = s.sample(n, &opts).unwrap();
    assert_eq!(got.vectors.len(), n * dim);
    assert_eq!(got.stats.kept, n as u64);
    assert!(got.stats.candidates >= n as u64);
    let rows: Vec<&[f32]> = got.vectors.chunks(dim).collect();
    for i in 0..n {
        for j in 0..i {
            let c = cosine(rows[i], rows[j]);
            assert!(c < thr as f64 + 1e-6, "pair ({i}, {j}): cosine {c}");
        }
    }
    // Kept vectors are candidates of the stream, in order.
    let cands = s.candidates(77, 0, got.stats.candidates as usize).unwrap();
    assert_eq!(&cands[..dim], rows[0]);
    // Resumed in two calls (the first stopped by the progress callback)
    // equals one call.
    let stop = |kept: u64, _: u64| {
        if kept >= 10 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let first = SampleOptions {
        block_size: 8,
        progress: Some(Progress(&stop)),
        ..opts
    };
    let mut state = Sampled::default();
    let e = s.sample_resume(n, &first, &mut state).unwrap_err();
    assert_eq!(e.status(), Status::Cancelled, "{e}");
    let kept = state.stats.kept as usize;
    assert!(kept >= 10 && kept < n, "kept {kept}");
    assert_eq!(state.vectors.len(), kept * dim);
    s.sample_resume(
        n,
        &SampleOptions {
            block_size: 8,
            ..opts
        },
        &mut state,
    )
    .unwrap();
    assert_eq!(state.vectors, got.vectors);
    assert_eq!(state.stats.candidates, got.stats.candidates);
    // Exclusion set: nothing kept close to it.
    let excl = &got.vectors[..2 * dim];
    let other = s
        .sample(
            5,
            &SampleOptions {
                seed: 78,
                exclude: Some(excl),
                ..opts
            },
        )
        .unwrap();
    for row in other.vectors.chunks(dim) {
        for e in excl.chunks(dim) {
            assert!(cosine(row, e) < thr as f64 + 1e-6);
        }
    }
    assert_eq!(
        Sampler::isotropic(0, 1.0, 0.1).unwrap_err().status(),
        Status::InvalidArg
    );
}

#[test]
fn fitted_sampler_save_load_and_npz() {
    let (n, dim) = (40, 8);
    let centres = randn(5, n * dim);
    let s = Sampler::fit(&centres, dim, 0.1).unwrap();
    let mean = s.mean().unwrap();
    for j in 0..dim {
        let m: f64 = (0..n).map(|i| centres[i * dim + j] as f64).sum::<f64>() / n as f64;
        assert!((mean[j] as f64 - m).abs() < 1e-4, "mean[{j}]");
    }
    assert_eq!(s.cov().unwrap().len(), dim * dim);
    let dir = tmp_dir("sampler");
    let path = dir.join("sampler.npz");
    s.save(&path).unwrap();
    let t = Sampler::load(&path).unwrap();
    assert_eq!(
        t.candidates(3, 10, 5).unwrap(),
        s.candidates(3, 10, 5).unwrap()
    );
    let m = npz_read(&path, "mean").unwrap();
    assert_eq!((m.rows, m.cols), (1, dim));
    assert_eq!(m.data, mean);
    let e = npz_read(&path, "nope").unwrap_err();
    assert_eq!(e.status(), Status::Format);
    assert!(e.message().contains("mean"), "lists the members: {e}");
    // Too few rows without shrinkage.
    assert_eq!(
        Sampler::fit(&centres[..4 * dim], dim, 0.0)
            .unwrap_err()
            .status(),
        Status::InvalidArg
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn centres_and_separability() {
    let dim = 4;
    let features = [
        1.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0f32,
    ];
    let (c, counts) = identity_centres(&features, dim, &[0, 0, 1], 2, false).unwrap();
    assert_eq!((c.rows, c.cols), (2, dim));
    assert_eq!(c.row(0), [2.0, 0.0, 0.0, 0.0]);
    assert_eq!(c.row(1), [0.0, 2.0, 0.0, 0.0]);
    assert_eq!(counts, [2, 1]);
    let e = identity_centres(&features, dim, &[0, 0, 5], 2, false).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);

    let v = [
        1.0, 0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0f32,
    ];
    let r = separability(&v, dim, 0.4, &SeparabilityOptions::default()).unwrap();
    assert_eq!((r.n, r.separated), (3, 1));
    assert_eq!(r.nn.len(), 3);
    assert_eq!(r.histogram.len(), SEPARABILITY_BINS);
    assert_eq!(r.histogram.iter().sum::<u64>(), 3);
    assert!(r.nn_max > 0.99 && r.nn_min.abs() < 1e-6);
}

#[test]
fn files_round_trip() {
    let dir = tmp_dir("files");
    let data: Vec<f32> = (0..12).map(|i| i as f32 * 0.5).collect();
    let npy = dir.join("a.npy");
    npy_write(&npy, &data, 3, 4).unwrap();
    let a = npy_read(&npy).unwrap();
    assert_eq!((a.rows, a.cols, &a.data), (3, 4, &data));
    a.write_npy(dir.join("b.npy")).unwrap();
    assert_eq!(
        std::fs::read(&npy).unwrap(),
        std::fs::read(dir.join("b.npy")).unwrap()
    );
    assert_eq!(
        npy_write(&npy, &data, 5, 4).unwrap_err().status(),
        Status::InvalidArg
    );

    let img: Vec<u8> = (0..IMAGE_BYTES).map(|i| (i * 7 % 251) as u8).collect();
    image_write(dir.join("x.png"), &img, 112, 112).unwrap();
    assert_eq!(image_read(dir.join("x.png")).unwrap(), img);
    let q = ImageWriteOptions {
        jpeg_quality: 90,
        ..ImageWriteOptions::default()
    };
    assert_eq!(ImageWriteOptions::default().jpeg_quality, 95);
    image_write_with(dir.join("x.jpg"), &img, 112, 112, &q).unwrap();
    assert_eq!(image_read(dir.join("x.jpg")).unwrap().len(), IMAGE_BYTES);
    // Another size: refused unless resized.
    let small = vec![128u8; 10 * 20 * 3];
    image_write(dir.join("s.png"), &small, 10, 20).unwrap();
    assert_eq!(
        image_read(dir.join("s.png")).unwrap_err().status(),
        Status::Format
    );
    let r = image_read_with(dir.join("s.png"), &ImageReadOptions { resize: true }).unwrap();
    assert!(r.iter().all(|&x| x == 128));
    let e = image_write(dir.join("x.bmp"), &img, 112, 112).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
    let e = npy_read(dir.join("missing.npy")).unwrap_err();
    assert_eq!(e.status(), Status::Io);
    assert!(e.message().contains("missing.npy"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
