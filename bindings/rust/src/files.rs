//! Image files (PNG, JPEG) and float32 arrays (.npy, .npz).

use crate::error::{Error, Result, Status, check};
use crate::{IMAGE_BYTES, ensure_abi, path_cstring, str_cstring, sys};
use core::ptr;
use std::path::Path;

/// Options of [`image_read_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageReadOptions {
    /// false (default): an image that is not 112x112 is
    /// [`Status::Format`]; true: resize any size to 112x112 (bilinear).
    pub resize: bool,
}

/// Options of [`image_write_with`]. `Default` takes the library's defaults
/// (JPEG quality 95, PNG level -1 = 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageWriteOptions {
    /// JPEG quality 1..=100.
    pub jpeg_quality: i32,
    /// PNG zlib level 0..=9, or -1 for the library's default (6); changes
    /// file sizes, never pixels (since 0.3).
    pub png_level: i32,
}

impl Default for ImageWriteOptions {
    fn default() -> Self {
        let mut o = core::mem::MaybeUninit::<sys::v2f_image_write_opts>::zeroed();
        // SAFETY: fills the whole struct.
        let o = unsafe {
            sys::v2f_image_write_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_image_write_opts>());
            o.assume_init()
        };
        ImageWriteOptions {
            jpeg_quality: o.jpeg_quality,
            png_level: o.png_level,
        }
    }
}

/// Reads a PNG or JPEG file (by content) as one 112x112 RGB image
/// ([`IMAGE_BYTES`] bytes).
pub fn image_read(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    image_read_with(path, &ImageReadOptions::default())
}

/// As [`image_read`], with options.
pub fn image_read_with(path: impl AsRef<Path>, opts: &ImageReadOptions) -> Result<Vec<u8>> {
    ensure_abi()?;
    let p = path_cstring(path.as_ref())?;
    let o = sys::v2f_image_read_opts {
        struct_size: size_of::<sys::v2f_image_read_opts>() as u32,
        resize: opts.resize as i32,
    };
    let mut rgb = vec![0u8; IMAGE_BYTES];
    // SAFETY: IMAGE_BYTES out.
    check(unsafe { sys::v2f_image_read(p.as_ptr(), &o, rgb.as_mut_ptr()) })?;
    Ok(rgb)
}

/// Writes one RGB image (`width * height * 3` bytes); the format comes
/// from the extension (.png, .jpg, .jpeg). Atomic: a failure leaves no file.
pub fn image_write(path: impl AsRef<Path>, rgb: &[u8], width: u32, height: u32) -> Result<()> {
    image_write_with(path, rgb, width, height, &ImageWriteOptions::default())
}

/// As [`image_write`], with options.
pub fn image_write_with(
    path: impl AsRef<Path>,
    rgb: &[u8],
    width: u32,
    height: u32,
    opts: &ImageWriteOptions,
) -> Result<()> {
    ensure_abi()?;
    let p = path_cstring(path.as_ref())?;
    let (w, h) = match (i32::try_from(width), i32::try_from(height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => {
            return Err(Error::invalid(format!(
                "image size {width}x{height} is too large"
            )));
        }
    };
    let want = (width as usize)
        .checked_mul(height as usize)
        .and_then(|p| p.checked_mul(3));
    if want != Some(rgb.len()) {
        return Err(Error::invalid(format!(
            "image_write: {} bytes for a {width}x{height} RGB image (need {})",
            rgb.len(),
            want.map_or("too many".to_owned(), |w| w.to_string())
        )));
    }
    let o = sys::v2f_image_write_opts {
        struct_size: size_of::<sys::v2f_image_write_opts>() as u32,
        jpeg_quality: opts.jpeg_quality,
        png_level: opts.png_level,
    };
    // SAFETY: rgb holds width*height*3 bytes.
    check(unsafe { sys::v2f_image_write(p.as_ptr(), rgb.as_ptr(), w, h, &o) })
}

/// A 2-D float32 array read from .npy/.npz (copied out of the library).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Array {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// `rows * cols` floats, row-major.
    pub data: Vec<f32>,
}

impl Array {
    /// Copies and frees a library-owned array.
    ///
    /// # Safety
    /// `a` must be a valid `v2f_array` owned by the caller (or NULL).
    pub(crate) unsafe fn take(a: *mut sys::v2f_array) -> Result<Array> {
        if a.is_null() {
            return Err(Error::new(
                Status::Internal,
                "the library returned a NULL array",
            ));
        }
        // SAFETY: valid array; data holds rows*cols floats until freed.
        unsafe {
            let rows = sys::v2f_array_rows(a);
            let cols = sys::v2f_array_cols(a);
            let p = sys::v2f_array_data(a);
            let data = if rows * cols == 0 || p.is_null() {
                Vec::new()
            } else {
                core::slice::from_raw_parts(p, rows * cols).to_vec()
            };
            sys::v2f_array_free(a);
            Ok(Array { rows, cols, data })
        }
    }

    /// Row `i` (`cols` floats).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Writes this array as .npy (see [`npy_write`]).
    pub fn write_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        npy_write(path, &self.data, self.rows, self.cols)
    }
}

/// Reads a 2-D (or 1-D, as one row) little-endian float32 C-order .npy.
pub fn npy_read(path: impl AsRef<Path>) -> Result<Array> {
    ensure_abi()?;
    let p = path_cstring(path.as_ref())?;
    let mut out = ptr::null_mut();
    // SAFETY: valid C string.
    check(unsafe { sys::v2f_npy_read(p.as_ptr(), &mut out) })?;
    // SAFETY: fresh array owned by us.
    unsafe { Array::take(out) }
}

/// Reads member `name` (with or without ".npy") of an .npz archive.
pub fn npz_read(path: impl AsRef<Path>, name: &str) -> Result<Array> {
    ensure_abi()?;
    let p = path_cstring(path.as_ref())?;
    let name = str_cstring(name, "member name")?;
    let mut out = ptr::null_mut();
    // SAFETY: valid C strings.
    check(unsafe { sys::v2f_npz_read(p.as_ptr(), name.as_ptr(), &mut out) })?;
    // SAFETY: fresh array owned by us.
    unsafe { Array::take(out) }
}

/// Writes `data` as a 2-D float32 .npy `[rows][cols]` (atomically); rows
/// and cols must be > 0 and `data.len() == rows * cols`.
pub fn npy_write(path: impl AsRef<Path>, data: &[f32], rows: usize, cols: usize) -> Result<()> {
    ensure_abi()?;
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(Error::invalid(format!(
            "npy_write: {} floats for a {rows} x {cols} array",
            data.len()
        )));
    }
    let p = path_cstring(path.as_ref())?;
    // SAFETY: rows*cols floats.
    check(unsafe { sys::v2f_npy_write(p.as_ptr(), data.as_ptr(), rows, cols) })
}
