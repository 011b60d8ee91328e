//! dataset_merge with the tiny model: two shard folders made apart merge
//! into one that verifies with the shards' image bytes; again: nothing
//! copied; another seed and a conflicting file are refused with nothing
//! written; a Break from progress leaves no temporary file.

mod common;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use vec2face::{
    DatasetJob, DatasetRecipe, MergeOptions, Progress, Status, VECTOR_DIM, dataset_merge,
    dataset_verify, npy_write,
};

fn shards(model: &vec2face::Model, dir: &Path, seed: u64, n: u32) -> Vec<PathBuf> {
    let ids = dir.join("ids.npy");
    npy_write(&ids, &common::randn(21, 4 * VECTOR_DIM), 4, VECTOR_DIM).unwrap();
    (0..n)
        .map(|k| {
            let out = dir.join(format!("s{k}-seed{seed}"));
            let recipe = DatasetRecipe::new(&ids, &out)
                .seed(seed)
                .perturb_images(2)
                .batch_size(1);
            DatasetJob::shard(model, &recipe, k, n)
                .unwrap()
                .run(None)
                .unwrap();
            out
        })
        .collect()
}

/// Every file under d (relative path, bytes, mtime), sorted.
fn files(d: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut v = Vec::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let m = e.metadata().unwrap().modified().unwrap();
                v.push((
                    e.path().strip_prefix(d).unwrap().into(),
                    std::fs::read(e.path()).unwrap(),
                    m,
                ));
            }
        }
    }
    v.sort();
    v
}

fn images(d: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(d)
        .into_iter()
        .filter(|f| f.0.extension().is_some_and(|e| e == "png"))
        .map(|f| (f.0, f.1))
        .collect()
}

#[test]
fn merge_shards_verify_rerun_refuse_cancel() {
    let Some(model) = common::tiny() else { return };
    let dir = common::tmp_dir("merge");
    let s = shards(model, &dir, 7, 2);
    let dst = dir.join("all");
    let m = dataset_merge(&dst, &s, &MergeOptions::default()).unwrap();
    assert!(m.report.ok(), "{}", m.report.first_problem);
    assert_eq!((m.sources, m.files_copied, m.parts_merged), (2, 10, 0));
    assert_eq!(m.report.identities_complete, 4);
    assert!(dataset_verify(&dst).unwrap().ok());
    let mut want = images(&s[0]);
    want.extend(images(&s[1]));
    want.sort();
    assert_eq!(images(&dst), want);
    let before = files(&dst);
    let again = dataset_merge(&dst, &s, &MergeOptions::default()).unwrap();
    assert_eq!((again.files_copied, again.parts_merged), (0, 0));
    assert_eq!(files(&dst), before);

    // Another seed, and a file of the same name with other bytes: refused
    // before anything is written.
    let other = shards(model, &dir, 8, 1);
    let fresh = dir.join("fresh");
    let e = dataset_merge(&fresh, &[&s[0], &other[0]], &MergeOptions::default()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
    assert!(e.message().contains("seed"), "{}", e.message());
    let bad = dir.join("bad");
    std::fs::create_dir_all(bad.join("000003")).unwrap();
    std::fs::create_dir_all(bad.join("manifest")).unwrap();
    for f in ["recipe.txt", "manifest/part-1-of-2.csv", "000003/000.png"] {
        std::fs::copy(s[1].join(f), bad.join(f)).unwrap();
    }
    let mut png = std::fs::read(s[1].join("000003/001.png")).unwrap();
    let n = png.len();
    png[n - 20] ^= 0xff;
    std::fs::write(bad.join("000003/001.png"), png).unwrap();
    let e = dataset_merge(&fresh, &[&s[1], &bad], &MergeOptions::default()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
    assert!(
        e.message()
            .contains(bad.join("000003/001.png").to_str().unwrap()),
        "{}",
        e.message()
    );
    assert!(!fresh.exists());

    // Break after 3 files: no temporary file; the same call finishes.
    let cut = dir.join("cut");
    let stop = |done: u64, _total: u64| {
        if done >= 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let o = MergeOptions {
        link: true,
        progress: Some(Progress(&stop)),
    };
    assert_eq!(
        dataset_merge(&cut, &s, &o).unwrap_err().status(),
        Status::Cancelled
    );
    assert!(
        files(&cut)
            .iter()
            .all(|f| !f.0.file_name().unwrap().to_str().unwrap().starts_with('.'))
    );
    let m = dataset_merge(
        &cut,
        &s,
        &MergeOptions {
            link: true,
            progress: None,
        },
    )
    .unwrap();
    assert!(m.report.ok());
    assert_eq!(m.files_copied, 7);
}
