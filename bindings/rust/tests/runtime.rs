//! The 0.2 runtime options reach the library: max_model_bytes,
//! memory_limit, bf16 precision. Threads stay at the default that
//! `common::tiny` uses: libtorch's pool is process-wide.

mod common;

use vec2face::{GenOptions, Model, Precision, RuntimeOptions, Status, VECTOR_DIM};

#[test]
fn max_model_bytes_refuses_a_bigger_part() {
    let Some(dir) = common::model_dir("tiny") else {
        return;
    };
    let opts = RuntimeOptions {
        max_model_bytes: 1000,
        ..RuntimeOptions::default()
    };
    let e = Model::load_with(&dir, &opts).unwrap_err();
    assert_eq!(e.status(), Status::Model, "{e}");
    assert!(e.message().contains("max_model_bytes"), "{e}");
}

#[test]
fn memory_limit_caps_a_call() {
    let Some(dir) = common::model_dir("tiny") else {
        return;
    };
    let v = vec![0.5f32; VECTOR_DIM];
    let small = RuntimeOptions {
        memory_limit: 1 << 20,
        ..RuntimeOptions::default()
    };
    let m = Model::load_with(&dir, &small).unwrap();
    let e = m.generate(&v, &GenOptions::default()).unwrap_err();
    assert_eq!(e.status(), Status::NoMemory, "{e}");
    assert!(e.message().contains("memory_limit"), "{e}");
    let none = RuntimeOptions {
        memory_limit: u64::MAX,
        ..small
    };
    let m = Model::load_with(&dir, &none).unwrap();
    assert_eq!(
        m.generate(&v, &GenOptions::default()).unwrap().len(),
        vec2face::IMAGE_BYTES
    );
}

#[test]
fn bf16_is_accepted_or_unsupported() {
    // bf16 needs AVX512-BF16/AMX or CUDA: a model that loads reports it.
    let Some(dir) = common::model_dir("tiny") else {
        return;
    };
    let opts = RuntimeOptions {
        precision: Precision::Bf16,
        ..RuntimeOptions::default()
    };
    match Model::load_with(&dir, &opts) {
        Ok(m) => assert_eq!(
            m.info().unwrap().precision,
            vec2face::sys::V2F_PRECISION_BF16
        ),
        Err(e) => assert_eq!(e.status(), Status::Unsupported, "{e}"),
    }
}

#[test]
fn attrop_disabled_same_images_no_attrop() {
    // 0.3: disable_attrop loads without the autograd copies.
    let Some(dir) = common::model_dir("tiny") else {
        return;
    };
    let v: Vec<f32> = (0..VECTOR_DIM)
        .map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.25)
        .collect();
    let on = Model::load_with(&dir, &RuntimeOptions::default()).unwrap();
    let off_opts = RuntimeOptions {
        disable_attrop: true,
        ..RuntimeOptions::default()
    };
    let off = Model::load_with(&dir, &off_opts).unwrap();
    let (i_on, i_off) = (on.info().unwrap(), off.info().unwrap());
    assert!(i_on.attrop && !i_off.attrop);
    assert_eq!(i_on.default_batch_size, 8);
    assert_eq!(i_off.default_batch_size, 8);
    let o = GenOptions {
        seed: 3,
        ..GenOptions::default()
    };
    assert_eq!(on.generate(&v, &o).unwrap(), off.generate(&v, &o).unwrap());
    let e = vec2face::AttrOp::new(&off, &v, None, &vec2face::AttrOpOptions::default())
        .err()
        .expect("AttrOp on a model without autograd copies");
    assert_eq!(e.status(), Status::Unsupported, "{e}");
    assert!(e.message().contains("V2F_ATTROP_DISABLED"), "{e}");
}
