//! Error mapping: statuses, messages, the ABI check and the log callback.

mod common;

use std::sync::{Arc, Mutex};
use vec2face::*;

#[test]
fn missing_directory_is_an_io_error_naming_it() {
    let Some(dir) = common::model_dir("no-such-model-dir") else {
        return;
    };
    let e = Model::load(&dir).unwrap_err();
    assert_eq!(e.status(), Status::Io, "{e}");
    assert_eq!(e.status().code(), Some(sys::V2F_E_IO));
    assert!(
        e.message().contains(&*dir.to_string_lossy()),
        "message names the path: {e}"
    );
    assert!(e.to_string().contains("input/output error"), "{e}");
}

#[test]
fn gen_only_model_lacks_the_pose_generator() {
    let Some(dir) = common::model_dir("gen_only") else {
        return;
    };
    let model = Model::load(&dir).unwrap();
    let info = model.info().unwrap();
    assert!(info.has(Part::Generator) && !info.has(Part::PoseGenerator));
    assert!(!model.part_info(Part::ArcFace).unwrap().present);
    let vectors = common::randn(3, VECTOR_DIM);
    let landmarks =
        render_landmarks(&[38.0, 52.0, 74.0, 52.0, 56.0, 72.0, 42.0, 92.0, 71.0, 92.0]).unwrap();
    let e = model
        .generate_pose(&vectors, &landmarks, &GenOptions::default())
        .unwrap_err();
    assert_eq!(e.status(), Status::Unsupported, "{e}");
    assert!(e.message().contains("pose_generator.pt"), "{e}");
    let e = model
        .extract_features(Part::ArcFace, &landmarks)
        .unwrap_err();
    assert_eq!(e.status(), Status::Unsupported, "{e}");
    assert!(e.message().contains("arcface.pt"), "{e}");
    let e = model
        .attrop(&vectors, None, &AttrOpOptions::default())
        .unwrap_err();
    assert_eq!(e.status(), Status::Unsupported, "{e}");
}

#[test]
fn rust_side_checks_and_library_checks() {
    // A slice that is not whole rows never reaches C.
    let e = perturb(&[1.0; 10], &PerturbOptions::default()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
    assert!(e.message().contains("not a multiple of 512"), "{e}");
    // n == 0 is the library's own error, with its message.
    let e = separability(&[], 4, 0.4, &SeparabilityOptions::default()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArg);
    assert!(!e.message().is_empty());
    let e = npy_read("bad\0path").unwrap_err();
    assert!(e.message().contains("NUL"), "{e}");
}

#[test]
fn thread_safety_follows_the_header() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Model>();
    send_sync::<Sampler>();
    send::<AttrOp<'static>>();
    send_sync::<Error>();
    // AttrOp is not Sync: see the compile_fail doc-test on AttrOp.
}

#[test]
fn abi_mismatch_message() {
    assert!(check_abi_version(abi_version()).is_ok());
    let e = check_abi_version(ABI_VERSION + 7).unwrap_err();
    assert_eq!(e.status(), Status::AbiMismatch);
    assert_eq!(e.status().code(), None);
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("reports ABI version {}", ABI_VERSION + 7)),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("written for ABI version {ABI_VERSION}")),
        "{msg}"
    );
}

#[test]
fn log_callback_sees_failures() {
    let seen = Arc::new(Mutex::new(Vec::<(LogLevel, String)>::new()));
    let sink = Arc::clone(&seen);
    set_log_callback(LogLevel::Debug, move |level, msg| {
        sink.lock().unwrap().push((level, msg.to_owned()))
    });
    let _ = npy_read("/nonexistent/for-the-log.npy");
    clear_log_callback();
    let _ = npy_read("/nonexistent/after-clear.npy");
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|(l, m)| *l == LogLevel::Debug && m.contains("for-the-log.npy")),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|(_, m)| m.contains("after-clear")));
}
