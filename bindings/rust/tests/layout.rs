//! The `#[repr(C)]` mirrors, enum values and constants of `vec2face::sys`
//! against the C compiler's view: the output of `v2f_print_layout`
//! (generated from the header), whose path is in `$V2F_PRINT_LAYOUT`.
//! Every printed line must match a Rust entry and every Rust entry must be
//! printed, so a new or changed field in the header fails here.

use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::process::Command;
use vec2face::sys::*;

fn field_size<S, F>(_: fn(&S) -> &F) -> usize {
    size_of::<F>()
}

/// Key: "STRUCT FIELD" / "STRUCT sizeof" / "enum ENUM NAME" / "const NAME";
/// value: (number, size).
fn rust_side() -> BTreeMap<String, (i64, i64)> {
    let mut m = BTreeMap::new();
    macro_rules! s {
        ($t:ident { $($f:ident),* $(,)? }) => {
            m.insert(format!("{} sizeof", stringify!($t)), (size_of::<$t>() as i64, 0));
            $(
                m.insert(
                    format!("{} {}", stringify!($t), stringify!($f)),
                    (offset_of!($t, $f) as i64, field_size(|s: &$t| &s.$f) as i64),
                );
            )*
        };
    }
    macro_rules! e {
        ($e:literal: $($c:ident),* $(,)?) => {
            $( m.insert(format!("enum {} {}", $e, stringify!($c)), ($c as i64, 0)); )*
        };
    }
    macro_rules! c {
        ($($c:ident),* $(,)?) => {
            $( m.insert(format!("const {}", stringify!($c)), ($c as i64, 0)); )*
        };
    }
    e!("v2f_status": V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_FORMAT, V2F_E_UNSUPPORTED,
       V2F_E_MODEL, V2F_E_BACKEND, V2F_E_NO_MEMORY, V2F_E_CANCELLED, V2F_E_OVERFLOW,
       V2F_E_INTERNAL, V2F_E_BUSY);
    e!("v2f_log_level": V2F_LOG_ERROR, V2F_LOG_WARN, V2F_LOG_INFO, V2F_LOG_DEBUG);
    e!("v2f_part": V2F_PART_GENERATOR, V2F_PART_POSE_GENERATOR, V2F_PART_POSE_COND,
       V2F_PART_ARCFACE, V2F_PART_MAGFACE, V2F_PART_HEADPOSE, V2F_PART_COUNT);
    e!("v2f_precision": V2F_PRECISION_FP32, V2F_PRECISION_BF16, V2F_PRECISION_FP16);
    e!("v2f_attrop_mode": V2F_ATTROP_ENABLED, V2F_ATTROP_DISABLED);
    e!("v2f_dataset_format": V2F_DATASET_PNG, V2F_DATASET_JPEG);
    e!("v2f_dataset_measure": V2F_DATASET_MEASURE_SIMILARITY, V2F_DATASET_MEASURE_QUALITY,
       V2F_DATASET_MEASURE_YAW);
    e!("v2f_dataset_filter": V2F_DATASET_FILTER_NONE, V2F_DATASET_FILTER_DROP,
       V2F_DATASET_FILTER_REGENERATE);
    e!("v2f_dataset_pose_order": V2F_DATASET_POSE_CYCLE, V2F_DATASET_POSE_SAMPLE);
    c!(
        V2F_VERSION_MAJOR,
        V2F_VERSION_MINOR,
        V2F_VERSION_PATCH,
        V2F_ABI_VERSION,
        V2F_VECTOR_DIM,
        V2F_IMAGE_SIZE,
        V2F_IMAGE_BYTES,
        V2F_NUM_TOKENS,
        V2F_COND_DIM,
        V2F_SEPARABILITY_BINS,
        V2F_PNG_LEVEL_DEFAULT
    );
    s!(v2f_runtime_opts {
        struct_size,
        device,
        threads,
        precision,
        max_model_bytes,
        memory_limit,
        attrop
    });
    s!(v2f_model_info {
        struct_size,
        parts,
        vector_dim,
        image_size,
        cond_dim,
        threads,
        precision,
        device,
        default_batch_size,
        attrop
    });
    s!(v2f_part_info {
        struct_size,
        present,
        format_version,
        kind,
        source_sha256,
        exporter,
        mask_ratio_min,
        mask_ratio_max,
        mask_ratio_mu,
        mask_ratio_std,
        num_dropped,
        lora_rank,
        lora_alpha
    });
    s!(v2f_gen_opts {
        struct_size,
        seed,
        identity_index,
        identity_base,
        image_index,
        image_base,
        mask_ratio_min,
        mask_ratio_max,
        mask_ratio_mu,
        mask_ratio_std,
        dropped,
        masked,
        batch_size,
        raw_out,
        progress,
        progress_user
    });
    s!(v2f_attrop_opts {
        struct_size,
        lr,
        target_sim,
        quality_target,
        yaw_target,
        identity_model,
        quality_model,
        max_retries,
        seed,
        identity_index,
        identity_base,
        image_base,
        landmarks,
        condition,
        dropped,
        masked
    });
    s!(v2f_attrop_losses {
        struct_size,
        identity,
        quality,
        pose,
        total,
        counted,
        steps,
        retries,
        identity_per_vector,
        quality_per_vector,
        pose_per_vector
    });
    s!(v2f_perturb_opts {
        struct_size,
        seed,
        dim,
        images_per_vector,
        identity_index,
        identity_base,
        image_index,
        image_base,
        eps,
        eps_shares,
        eps_count,
        eps_out
    });
    s!(v2f_sampler_fit_opts {
        struct_size,
        shrinkage
    });
    s!(v2f_sample_opts {
        struct_size,
        seed,
        max_similarity,
        threads,
        exclude,
        exclude_rows,
        exclude_dim,
        resume_kept,
        resume_candidates,
        max_candidates,
        block_size,
        progress,
        progress_user
    });
    s!(v2f_sample_stats {
        struct_size,
        kept,
        candidates,
        rejected_similar,
        rejected_excluded,
        rejected_invalid,
        comparisons,
        flops,
        seconds,
        gflops
    });
    s!(v2f_centres_opts {
        struct_size,
        normalize,
        counts_out,
        resize,
        progress,
        progress_user
    });
    s!(v2f_separability_opts {
        struct_size,
        threads,
        nn_out,
        progress,
        progress_user
    });
    s!(v2f_separability_report {
        struct_size,
        n,
        separated,
        threshold,
        nn_min,
        nn_mean,
        nn_max,
        histogram
    });
    s!(v2f_dataset_recipe {
        struct_size,
        identities,
        out_dir,
        seed,
        perturb_images,
        eps_count,
        eps,
        eps_shares,
        pose_images,
        pose_templates,
        pose_points,
        pose_eps,
        format,
        jpeg_quality,
        batch_size,
        measure,
        filter,
        filter_threshold,
        filter_max_attempts,
        attrop_images,
        attrop_quality,
        attrop_yaw_count,
        attrop_yaw,
        attrop_iterations,
        attrop_max_retries,
        pose_order,
        pose_landmark_count,
        pose_landmarks,
        png_level,
        wait_lock
    });
    s!(v2f_dataset_stats {
        struct_size,
        identity_first,
        identity_end,
        identities_total,
        identities_skipped,
        identities_done,
        images_total,
        images_written,
        images_skipped,
        rows_added,
        images_measured,
        filter_rejected,
        filter_regenerated,
        images_dropped
    });
    s!(v2f_dataset_report {
        struct_size,
        identities,
        identities_complete,
        images_expected,
        images_ok,
        images_missing,
        images_corrupt,
        manifest_parts,
        manifest_rows,
        problems,
        first_problem,
        images_dropped
    });
    s!(v2f_dataset_merge_opts {
        struct_size,
        link,
        verify,
        progress,
        progress_user
    });
    s!(v2f_dataset_merge_stats {
        struct_size,
        sources,
        files_copied,
        parts_merged,
        files_skipped
    });
    s!(v2f_dataset_report_opts {
        struct_size,
        out_prefix,
        identities,
        batch_size,
        histogram_bins,
        threshold,
        sheet_identities,
        sheet_images,
        sheet_tile,
        per_image,
        progress,
        progress_user
    });
    s!(v2f_dataset_summary {
        struct_size,
        measured,
        identities,
        identities_measured,
        identities_complete,
        images_expected,
        images_read,
        images_missing,
        images_unreadable,
        images_dropped,
        cos_mean_centre_mean,
        cos_mean_centre_min,
        cos_input_mean,
        cos_input_min,
        separability_n,
        separated,
        threshold,
        quality_mean,
        quality_min,
        quality_max,
        yaw_mean,
        yaw_min,
        yaw_max,
        abs_yaw_mean,
        sheet_width,
        sheet_height
    });
    s!(v2f_image_read_opts {
        struct_size,
        resize
    });
    s!(v2f_image_write_opts {
        struct_size,
        jpeg_quality,
        png_level
    });
    m
}

/// Parses the printer's lines into the same keys.
fn c_side(text: &str) -> BTreeMap<String, (i64, i64)> {
    let mut m = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let w: Vec<&str> = line.split_whitespace().collect();
        let num = |s: &str| {
            s.parse::<i64>()
                .unwrap_or_else(|_| panic!("bad number in {line:?}"))
        };
        let (key, val) = match w.as_slice() {
            ["enum", e, name, v] => (format!("enum {e} {name}"), (num(v), 0)),
            ["const", name, v, _] => (format!("const {name}"), (num(v), 0)),
            [s, f, off, size] => (format!("{s} {f}"), (num(off), num(size))),
            _ => panic!("unexpected line from v2f_print_layout: {line:?}"),
        };
        assert!(m.insert(key, val).is_none(), "duplicate line {line:?}");
    }
    m
}

#[test]
fn mirrors_match_the_c_layout() {
    let Some(printer) = std::env::var_os("V2F_PRINT_LAYOUT") else {
        eprintln!("skipped: V2F_PRINT_LAYOUT is not set (ctest sets it)");
        return;
    };
    let out = Command::new(&printer)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", printer.to_string_lossy()));
    assert!(out.status.success(), "v2f_print_layout failed");
    let c = c_side(&String::from_utf8(out.stdout).unwrap());
    let rust = rust_side();
    assert!(
        c.len() > 150,
        "suspiciously short layout output ({} lines)",
        c.len()
    );
    let mut problems = Vec::new();
    for (key, cv) in &c {
        match rust.get(key) {
            None => problems.push(format!("{key}: in the C header but not mirrored in sys.rs")),
            Some(rv) if rv != cv => problems.push(format!(
                "{key}: C (offset/value {}, size {}) but Rust (offset/value {}, size {})",
                cv.0, cv.1, rv.0, rv.1
            )),
            Some(_) => {}
        }
    }
    for key in rust.keys().filter(|k| !c.contains_key(*k)) {
        problems.push(format!(
            "{key}: in sys.rs but not printed from the C header"
        ));
    }
    assert!(
        problems.is_empty(),
        "layout mismatches:\n{}",
        problems.join("\n")
    );
}
