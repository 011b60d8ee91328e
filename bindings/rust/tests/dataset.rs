//! Dataset jobs and verification with the tiny model: make, resume, break,
//! refuse a changed recipe.

mod common;

use std::ops::ControlFlow;
use std::sync::Mutex;
use vec2face::{
    DatasetFilter, DatasetFormat, DatasetJob, DatasetMeasure, DatasetRecipe, IMAGE_BYTES,
    PoseOrder, Progress, ReportOptions, Status, VECTOR_DIM, dataset_report, dataset_verify,
    image_read, image_write, npy_write, render_landmarks,
};

#[test]
fn recipe_defaults_come_from_the_library() {
    let r = DatasetRecipe::default();
    assert_eq!(r.perturb_images, 4);
    assert_eq!(r.pose_images, 0);
    assert_eq!(r.pose_eps, 0.7);
    assert_eq!(r.format, DatasetFormat::Png);
    assert_eq!(r.jpeg_quality, 95);
    assert_eq!(r.batch_size, 0); // since 0.3: the model's default batch size
    assert_eq!(r.eps, None);
    assert!(r.identities.as_os_str().is_empty());
    // 0.2: everything off, AttrOP defaults as v2f_attrop_opts
    assert_eq!(r.measure, DatasetMeasure::NONE);
    assert_eq!(r.filter, DatasetFilter::None);
    assert_eq!(r.filter_max_attempts, 3);
    assert_eq!(
        (r.attrop_images, r.attrop_quality, r.attrop_iterations),
        (0, 24.0, 5)
    );
    assert_eq!(r.attrop_max_retries, 30);
    assert_eq!(r.pose_order, PoseOrder::Cycle);
    assert!(r.pose_landmarks.is_empty() && r.attrop_yaw.is_none());
}

/// Rows of every manifest part as (header name -> value) maps.
fn manifest_rows(out: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rows = Vec::new();
    let mut parts: Vec<_> = std::fs::read_dir(out.join("manifest"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    parts.sort();
    for p in parts {
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        for line in lines.filter(|l| !l.is_empty()) {
            rows.push(
                header
                    .iter()
                    .zip(line.split(','))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            );
        }
    }
    rows
}

#[test]
fn filter_drops_everything_below_a_threshold_of_one() {
    // No image is at cosine 1.0 to its identity: each is measured, fails
    // once and is dropped; verify and the report count it as done.
    let Some(model) = common::tiny() else { return };
    let dir = common::tmp_dir("dataset-filter");
    let ids = dir.join("ids.npy");
    npy_write(&ids, &common::randn(13, 2 * VECTOR_DIM), 2, VECTOR_DIM).unwrap();
    let out = dir.join("out");
    let recipe = DatasetRecipe::new(&ids, &out)
        .seed(2)
        .perturb_images(2)
        .measure(DatasetMeasure::QUALITY | DatasetMeasure::YAW)
        .filter(DatasetFilter::Drop, 1.0);
    let stats = DatasetJob::new(model, &recipe).unwrap().run(None).unwrap();
    assert_eq!((stats.images_total, stats.images_written), (4, 0));
    assert_eq!(
        (
            stats.images_measured,
            stats.filter_rejected,
            stats.images_dropped
        ),
        (4, 4, 4)
    );
    assert_eq!(stats.filter_regenerated, 0);
    let rows = manifest_rows(&out);
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert_eq!(r["status"], "dropped", "{r:?}");
        assert!(r["similarity"].parse::<f64>().unwrap() < 1.0, "{r:?}");
        assert!(!r["quality"].is_empty() && !r["yaw"].is_empty(), "{r:?}");
        assert!(!out.join(&r["file"]).exists(), "{r:?}");
    }
    let report = dataset_verify(&out).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.images_dropped, report.images_ok), (4, 0));
    let s = dataset_report(None, &out, &ReportOptions::default()).unwrap();
    assert_eq!(
        (s.images_dropped, s.images_read, s.images_missing),
        (4, 0, 0)
    );
    assert_eq!(s.identities_complete, 2);
    // the same folder with another filter is another recipe
    let e = DatasetJob::new(model, &recipe.filter(DatasetFilter::Regenerate, 1.0)).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg, "{e}");
    assert!(
        e.message().contains("filter is regenerate now, drop there"),
        "{e}"
    );
}

#[test]
fn landmark_templates_sampled_pose_order_and_attrop_images() {
    let Some(model) = common::tiny() else { return };
    let dir = common::tmp_dir("dataset-pose-attrop");
    let ids = dir.join("ids.npy");
    npy_write(&ids, &common::randn(14, VECTOR_DIM), 1, VECTOR_DIM).unwrap();
    let pts = [
        38.0f32, 52.0, 74.0, 52.0, 56.0, 72.0, 42.0, 92.0, 70.0, 92.0,
    ];
    let lm_dir = dir.join("lm");
    std::fs::create_dir_all(&lm_dir).unwrap();
    image_write(
        lm_dir.join("a.png"),
        &render_landmarks(&pts).unwrap(),
        112,
        112,
    )
    .unwrap();
    let shifted: Vec<f32> = pts.iter().map(|x| x + 3.0).collect();
    let yaw = [10.0f32];
    let out = dir.join("out");
    let mut recipe = DatasetRecipe::new(&ids, &out)
        .seed(4)
        .perturb_images(1)
        .pose_images(2, &shifted)
        .pose_landmarks([&lm_dir])
        .pose_order(PoseOrder::Sample)
        .attrop_images(1, 1)
        .measure(DatasetMeasure::SIMILARITY);
    recipe.attrop_quality = 0.0;
    recipe.attrop_yaw = Some(&yaw);
    recipe.attrop_max_retries = 0;
    let stats = DatasetJob::new(model, &recipe).unwrap().run(None).unwrap();
    assert_eq!(
        (
            stats.images_total,
            stats.images_written,
            stats.images_measured
        ),
        (4, 4, 4)
    );
    let mut rows = manifest_rows(&out);
    rows.sort_by_key(|r| r["image"].parse::<u32>().unwrap());
    let sources: Vec<&str> = rows.iter().map(|r| r["source"].as_str()).collect();
    assert_eq!(sources, ["perturb", "pose", "pose", "attrop"]);
    assert!(
        rows.iter()
            .all(|r| r["status"] == "ok" && !r["similarity"].is_empty())
    );
    assert!(rows.iter().all(|r| r["quality"].is_empty()));
    assert!(dataset_verify(&out).unwrap().ok());
    let e = DatasetJob::new(model, &recipe.clone().pose_order(PoseOrder::Cycle)).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg, "{e}");
    assert!(e.message().contains("pose_order is"), "{e}");
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
