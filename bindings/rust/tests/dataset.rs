//! Dataset jobs and verification with the tiny model: make, resume, break,
//! refuse a changed recipe.

mod common;

use std::ops::ControlFlow;
use std::sync::Mutex;
use vec2face::{
    DatasetFormat, DatasetJob, DatasetRecipe, IMAGE_BYTES, Progress, Status, VECTOR_DIM,
    dataset_verify, image_read, npy_write,
};

#[test]
fn recipe_defaults_come_from_the_library() {
    let r = DatasetRecipe::default();
    assert_eq!(r.perturb_images, 4);
    assert_eq!(r.pose_images, 0);
    assert_eq!(r.pose_eps, 0.7);
    assert_eq!(r.format, DatasetFormat::Png);
    assert_eq!(r.jpeg_quality, 95);
    assert_eq!(r.batch_size, 16);
    assert_eq!(r.eps, None);
    assert!(r.identities.as_os_str().is_empty());
}

#[test]
fn verify_without_recipe_is_an_error() {
    let dir = common::tmp_dir("dataset-empty");
    let e = dataset_verify(&dir).unwrap_err();
    assert_eq!(e.status(), Status::Io, "{e}");
}

#[test]
fn make_resume_verify_and_refuse_another_seed() {
    let Some(model) = common::tiny() else { return };
    let dir = common::tmp_dir("dataset");
    let ids = dir.join("ids.npy");
    npy_write(&ids, &common::randn(11, 2 * VECTOR_DIM), 2, VECTOR_DIM).unwrap();
    let out = dir.join("out");
    let recipe = DatasetRecipe::new(&ids, &out).seed(5).perturb_images(2);

    // First run: everything is made; progress ends at (4, 4).
    let calls = Mutex::new(Vec::new());
    let record = |done: u64, total: u64| {
        calls.lock().unwrap().push((done, total));
        ControlFlow::Continue(())
    };
    let mut job = DatasetJob::new(model, &recipe).unwrap();
    let stats = job.run(Some(Progress(&record))).unwrap();
    assert_eq!(stats, job.stats().unwrap());
    assert_eq!((stats.identity_first, stats.identity_end), (0, 2));
    assert_eq!(stats.identities_total, 2);
    assert_eq!(stats.identities_done, 2);
    assert_eq!(stats.identities_skipped, 0);
    assert_eq!(stats.images_total, 4);
    assert_eq!(stats.images_written, 4);
    assert_eq!(stats.images_skipped, 0);
    assert_eq!(stats.rows_added, 0);
    let calls = calls.into_inner().unwrap();
    assert_eq!(calls.first(), Some(&(0, 4)), "{calls:?}");
    assert_eq!(calls.last(), Some(&(4, 4)), "{calls:?}");
    drop(job);

    assert!(out.join("recipe.txt").is_file());
    assert!(out.join("manifest/part-0-of-1.csv").is_file());
    for id in 0..2 {
        for image in 0..2 {
            let f = out.join(format!("{id:06}/{image:03}.png"));
            assert_eq!(image_read(&f).unwrap().len(), IMAGE_BYTES, "{f:?}");
        }
    }
    assert!(!out.join("000000/002.png").exists());

    let report = dataset_verify(&out).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.first_problem, "");
    assert_eq!(report.identities, 2);
    assert_eq!(report.identities_complete, 2);
    assert_eq!(report.images_expected, 4);
    assert_eq!(report.images_ok, 4);
    assert_eq!((report.images_missing, report.images_corrupt), (0, 0));
    assert_eq!(report.manifest_parts, 1);
    assert_eq!(report.manifest_rows, 4);

    // Second run of the same recipe: nothing left to make.
    let stats = DatasetJob::new(model, &recipe).unwrap().run(None).unwrap();
    assert_eq!(stats.images_written, 0);
    assert_eq!(stats.images_skipped, 4);
    assert_eq!(stats.identities_skipped, 2);
    assert_eq!(stats.identities_done, 2);

    // A missing file: the report (not an error) names it.
    std::fs::remove_file(out.join("000001/001.png")).unwrap();
    let report = dataset_verify(&out).unwrap();
    assert!(!report.ok(), "{report:?}");
    assert!(report.problems >= 1);
    assert_eq!(report.images_missing, 1);
    assert_eq!(report.identities_complete, 1);
    assert!(
        report.first_problem.contains("000001/001.png"),
        "{:?}",
        report.first_problem
    );

    // Another seed on the same folder is refused, naming the seed.
    let e = DatasetJob::new(model, &recipe.clone().seed(6)).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg, "{e}");
    assert!(e.message().contains("seed"), "{e}");
}

#[test]
fn break_in_progress_cancels() {
    let Some(model) = common::tiny() else { return };
    let dir = common::tmp_dir("dataset-cancel");
    let ids = dir.join("ids.npy");
    npy_write(&ids, &common::randn(12, VECTOR_DIM), 1, VECTOR_DIM).unwrap();
    let recipe = DatasetRecipe::new(&ids, dir.join("out")).perturb_images(1);
    let mut job = DatasetJob::new(model, &recipe).unwrap();
    let stop = |_: u64, _: u64| ControlFlow::Break(());
    let e = job.run(Some(Progress(&stop))).unwrap_err();
    assert_eq!(e.status(), Status::Cancelled, "{e}");
    assert_eq!(job.stats().unwrap().images_total, 1);
}
