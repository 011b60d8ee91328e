//! Dataset reports: a tiny dataset made through `DatasetJob`, its report,
//! the summary against report.json of the same call and against
//! measurements made here with the crate's estimators.

mod common;

use common::json::{self, Json};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use vec2face::{
    DatasetJob, DatasetRecipe, IMAGE_BYTES, Model, Part, Progress, ReportMeasured, ReportOptions,
    Status, VECTOR_DIM, dataset_report, image_read, npy_write,
};

const IDS: usize = 3;
const PER_ID: usize = 2;

/// A fresh dataset of IDS identities x PER_ID perturbation images; returns
/// (folder, identity vectors).
fn make_dataset(model: &Model, name: &str) -> (PathBuf, Vec<f32>) {
    let dir = common::tmp_dir(name);
    let ids = dir.join("ids.npy");
    let vectors: Vec<f32> = common::randn(31, IDS * VECTOR_DIM)
        .iter()
        .map(|x| 2.0 * x)
        .collect();
    npy_write(&ids, &vectors, IDS, VECTOR_DIM).unwrap();
    let out = dir.join("out");
    let recipe = DatasetRecipe::new(&ids, &out)
        .seed(3)
        .perturb_images(PER_ID as i32)
        .batch_size(4);
    let stats = DatasetJob::new(model, &recipe).unwrap().run(None).unwrap();
    assert_eq!(stats.images_written, (IDS * PER_ID) as u64);
    (out, vectors)
}

fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{path:?} is not a PNG");
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

fn unit(v: &[f32]) -> Vec<f64> {
    let n = common::norm(v);
    v.iter().map(|&x| x as f64 / n).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn report_flags_match_the_header() {
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/vec2face/dataset.h");
    let text = std::fs::read_to_string(&header).unwrap();
    let mut found = Vec::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 3 && w[0] == "#define" && w[1].starts_with("V2F_REPORT_") {
            found.push((
                w[1].to_string(),
                w[2].trim_end_matches('u').parse::<u32>().unwrap(),
            ));
        }
    }
    let ours = [
        ("V2F_REPORT_CONSISTENCY", ReportMeasured::CONSISTENCY),
        ("V2F_REPORT_INPUT", ReportMeasured::INPUT),
        ("V2F_REPORT_QUALITY", ReportMeasured::QUALITY),
        ("V2F_REPORT_YAW", ReportMeasured::YAW),
        ("V2F_REPORT_SEPARABILITY", ReportMeasured::SEPARABILITY),
    ];
    let ours: Vec<(String, u32)> = ours.iter().map(|(n, f)| (n.to_string(), f.0)).collect();
    assert_eq!(found, ours);
}

#[test]
fn summary_matches_report_json_and_our_measurements() {
    let Some(model) = common::tiny() else { return };
    let (out, vectors) = make_dataset(model, "report");
    let prefix = out.parent().unwrap().join("r_");
    let calls = Mutex::new(Vec::new());
    let record = |done: u64, total: u64| {
        calls.lock().unwrap().push((done, total));
        ControlFlow::Continue(())
    };
    let opts = ReportOptions {
        out_prefix: Some(prefix.clone()),
        sheet_tile: 28,
        histogram_bins: 7,
        per_image: true,
        progress: Some(Progress(&record)),
        ..ReportOptions::default()
    };
    let s = model.dataset_report(&out, &opts).unwrap();
    let n = (IDS * PER_ID) as u64;
    assert_eq!(calls.lock().unwrap().last(), Some(&(n, n)));
    assert_eq!(s.json_path, out.parent().unwrap().join("r_report.json"));
    for p in [&s.json_path, &s.html_path, &s.sheet_path] {
        assert!(std::fs::metadata(p).unwrap().len() > 0, "{p:?}");
    }
    assert!(!out.join("report.json").exists());

    // counts, from the recipe
    let all = ReportMeasured::CONSISTENCY
        | ReportMeasured::INPUT
        | ReportMeasured::QUALITY
        | ReportMeasured::YAW
        | ReportMeasured::SEPARABILITY;
    assert_eq!(s.measured, all);
    assert_eq!(
        (s.identities, s.identities_measured, s.identities_complete),
        (3, 3, 3)
    );
    assert_eq!((s.images_expected, s.images_read), (n, n));
    assert_eq!(
        (s.images_missing, s.images_unreadable, s.images_dropped),
        (0, 0, 0)
    );
    assert_eq!(
        (s.sheet_width, s.sheet_height),
        (PER_ID as i32 * 28, IDS as i32 * 28)
    );
    assert_eq!(
        png_size(&s.sheet_path),
        (s.sheet_width as u32, s.sheet_height as u32)
    );
    assert_eq!(s.separability_n, IDS as u64);
    assert_eq!(s.threshold, 0.4);

    // the summary is report.json's numbers
    let j = json::parse(&std::fs::read_to_string(&s.json_path).unwrap());
    let c = j.get("counts");
    for (k, v) in [
        ("identities", s.identities),
        ("identities_measured", s.identities_measured),
        ("identities_complete", s.identities_complete),
        ("images_expected", s.images_expected),
        ("images_read", s.images_read),
        ("images_missing", s.images_missing),
        ("images_unreadable", s.images_unreadable),
        ("images_dropped", s.images_dropped),
    ] {
        assert_eq!(c.get(k).u64(), v, "counts.{k}");
    }
    let mc = j.get("consistency").get("mean_centre");
    let ic = j.get("consistency").get("input_centre");
    assert_eq!(mc.get("mean").f32(), s.cos_mean_centre_mean);
    assert_eq!(mc.get("min").f32(), s.cos_mean_centre_min);
    assert_eq!(ic.get("mean").f32(), s.cos_input_mean);
    assert_eq!(ic.get("min").f32(), s.cos_input_min);
    assert_eq!(mc.get("histogram").get("bins").u64(), 7);
    let sep = j.get("separability").get("mean_centres");
    assert_eq!(sep.get("n").u64(), s.separability_n);
    assert_eq!(sep.get("separated").u64(), s.separated);
    assert_eq!(sep.get("threshold").f32(), s.threshold);
    let q = j.get("quality");
    assert_eq!(
        (q.get("mean").f32(), q.get("min").f32(), q.get("max").f32()),
        (s.quality_mean, s.quality_min, s.quality_max)
    );
    let y = j.get("yaw");
    assert_eq!(
        (
            y.get("mean").f32(),
            y.get("min").f32(),
            y.get("max").f32(),
            y.get("abs_mean").f32()
        ),
        (s.yaw_mean, s.yaw_min, s.yaw_max, s.abs_yaw_mean)
    );
    let sheet = j.get("contact_sheet");
    assert_eq!(sheet.get("width").u64(), s.sheet_width as u64);
    assert_eq!(sheet.get("height").u64(), s.sheet_height as u64);
    assert_eq!(j.get("images").len(), IDS * PER_ID);
    assert_eq!(j.get("identities").len(), IDS);
    assert_eq!(j.get("quality").get("measured"), &Json::Bool(true));

    // independent measurements with the crate's estimators
    let mut rgb = Vec::with_capacity(IDS * PER_ID * IMAGE_BYTES);
    for id in 0..IDS {
        for image in 0..PER_ID {
            rgb.extend(image_read(out.join(format!("{id:06}/{image:03}.png"))).unwrap());
        }
    }
    let feats = model.extract_features(Part::ArcFace, &rgb).unwrap();
    let (mut cc, mut ci, mut centres) = (Vec::new(), Vec::new(), Vec::new());
    for id in 0..IDS {
        let rows: Vec<&[f32]> = (0..PER_ID)
            .map(|k| &feats[(id * PER_ID + k) * VECTOR_DIM..][..VECTOR_DIM])
            .collect();
        let mean: Vec<f32> = (0..VECTOR_DIM)
            .map(|d| (rows.iter().map(|r| r[d] as f64).sum::<f64>() / PER_ID as f64) as f32)
            .collect();
        let (uc, ui) = (unit(&mean), unit(&vectors[id * VECTOR_DIM..][..VECTOR_DIM]));
        for r in &rows {
            cc.push(dot(&unit(r), &uc));
            ci.push(dot(&unit(r), &ui));
        }
        centres.push(uc);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let close = |a: f32, b: f64, tol: f64, what: &str| {
        assert!((a as f64 - b).abs() <= tol, "{what}: library {a}, here {b}");
    };
    close(
        s.cos_mean_centre_mean,
        mean(&cc),
        1e-4,
        "cos_mean_centre_mean",
    );
    close(s.cos_mean_centre_min, min(&cc), 1e-4, "cos_mean_centre_min");
    close(s.cos_input_mean, mean(&ci), 1e-4, "cos_input_mean");
    close(s.cos_input_min, min(&ci), 1e-4, "cos_input_min");
    let separated = (0..IDS)
        .filter(|&i| {
            let nn = (0..IDS)
                .filter(|&k| k != i)
                .map(|k| dot(&centres[i], &centres[k]))
                .fold(f64::NEG_INFINITY, f64::max);
            nn <= 0.4
        })
        .count();
    assert_eq!(s.separated, separated as u64);
    let quality: Vec<f64> = model
        .estimate_quality(&rgb)
        .unwrap()
        .iter()
        .map(|&x| x as f64)
        .collect();
    close(
        s.quality_mean,
        mean(&quality),
        1e-4 * max(&quality),
        "quality_mean",
    );
    close(
        s.quality_min,
        min(&quality),
        1e-5 * max(&quality),
        "quality_min",
    );
    close(
        s.quality_max,
        max(&quality),
        1e-5 * max(&quality),
        "quality_max",
    );
    let yaw: Vec<f64> = model
        .estimate_pose(&rgb)
        .unwrap()
        .iter()
        .map(|a| a[1] as f64)
        .collect();
    let abs: Vec<f64> = yaw.iter().map(|y| y.abs()).collect();
    close(s.yaw_mean, mean(&yaw), 1e-3, "yaw_mean");
    close(s.abs_yaw_mean, mean(&abs), 1e-3, "abs_yaw_mean");
    close(s.yaw_min, min(&yaw), 1e-4, "yaw_min");
    close(s.yaw_max, max(&yaw), 1e-4, "yaw_max");
}

#[test]
fn report_without_model_default_prefix_errors_and_cancel() {
    let Some(model) = common::tiny() else { return };
    let (out, _) = make_dataset(model, "report-plain");
    let s = dataset_report(None, &out, &ReportOptions::default()).unwrap();
    assert_eq!(s.measured, ReportMeasured(0));
    assert_eq!(s.json_path, out.join("report.json"));
    for p in [&s.json_path, &s.html_path, &s.sheet_path] {
        assert!(p.is_file(), "{p:?}");
    }
    assert_eq!(
        (s.images_read, s.identities_complete),
        ((IDS * PER_ID) as u64, 3)
    );
    assert_eq!(
        (s.cos_mean_centre_mean, s.quality_mean, s.separability_n),
        (0.0, 0.0, 0)
    );
    // defaults: tiles of 56 px, at most 16 x 8
    assert_eq!(
        (s.sheet_width, s.sheet_height),
        (PER_ID as i32 * 56, IDS as i32 * 56)
    );
    let j = json::parse(&std::fs::read_to_string(&s.json_path).unwrap());
    assert_eq!(j.get("quality").get("measured"), &Json::Bool(false));
    match j.get("quality").get("reason") {
        Json::Str(r) => assert!(r.contains("magface"), "{r}"),
        other => panic!("reason: {other:?}"),
    }

    let e = dataset_report(
        Some(model),
        out.parent().unwrap(),
        &ReportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.status(), Status::Io, "{e}");
    let bad = ReportOptions {
        sheet_tile: 30,
        ..ReportOptions::default()
    };
    let e = model.dataset_report(&out, &bad).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg, "{e}");
    assert!(e.message().contains("sheet_tile"), "{e}");

    let stop = |_: u64, _: u64| ControlFlow::Break(());
    let prefix = out.parent().unwrap().join("cancel_");
    let cancel = ReportOptions {
        out_prefix: Some(prefix.clone()),
        batch_size: 1,
        progress: Some(Progress(&stop)),
        ..ReportOptions::default()
    };
    let e = model.dataset_report(&out, &cancel).unwrap_err();
    assert_eq!(e.status(), Status::Cancelled, "{e}");
    assert!(!out.parent().unwrap().join("cancel_report.json").exists());
}
