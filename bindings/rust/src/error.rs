//! Errors: the C status and this thread's `v2f_last_error()` message.

use crate::sys;
use core::ffi::{CStr, c_int};
use std::fmt;

/// The family of a failure: one variant per C status (`v2f_status`), plus
/// [`Status::AbiMismatch`], which this crate reports itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// `V2F_E_INVALID_ARG`: bad pointer, size, option or a NaN input (this
    /// crate also uses it for slices of the wrong length).
    InvalidArg,
    /// `V2F_E_IO`: a file is missing, unreadable or unwritable.
    Io,
    /// `V2F_E_FORMAT`: file content malformed or of another type.
    Format,
    /// `V2F_E_UNSUPPORTED`: missing model part, device or precision.
    Unsupported,
    /// `V2F_E_MODEL`: model file broken or of the wrong kind.
    Model,
    /// `V2F_E_BACKEND`: libtorch failed at run time.
    Backend,
    /// `V2F_E_NO_MEMORY`.
    NoMemory,
    /// `V2F_E_CANCELLED`: a progress callback asked to stop.
    Cancelled,
    /// `V2F_E_OVERFLOW`: a size computation would overflow.
    Overflow,
    /// `V2F_E_INTERNAL`.
    Internal,
    /// `V2F_E_BUSY`: the dataset shard is being made by another process or
    /// job (its lock is held). @since 0.3
    Busy,
    /// Not a C status: the loaded library reports another ABI version than
    /// this crate was written for ([`crate::ABI_VERSION`]).
    AbiMismatch,
    /// A status code this crate does not know (a newer library).
    Unknown(i32),
}

impl Status {
    /// The status for a C code; `None` for `V2F_OK`.
    pub fn from_code(code: i32) -> Option<Status> {
        Some(match code {
            sys::V2F_OK => return None,
            sys::V2F_E_INVALID_ARG => Status::InvalidArg,
            sys::V2F_E_IO => Status::Io,
            sys::V2F_E_FORMAT => Status::Format,
            sys::V2F_E_UNSUPPORTED => Status::Unsupported,
            sys::V2F_E_MODEL => Status::Model,
            sys::V2F_E_BACKEND => Status::Backend,
            sys::V2F_E_NO_MEMORY => Status::NoMemory,
            sys::V2F_E_CANCELLED => Status::Cancelled,
            sys::V2F_E_OVERFLOW => Status::Overflow,
            sys::V2F_E_INTERNAL => Status::Internal,
            sys::V2F_E_BUSY => Status::Busy,
            other => Status::Unknown(other),
        })
    }

    /// The C status code; `None` for [`Status::AbiMismatch`], which has none.
    pub fn code(self) -> Option<i32> {
        Some(match self {
            Status::InvalidArg => sys::V2F_E_INVALID_ARG,
            Status::Io => sys::V2F_E_IO,
            Status::Format => sys::V2F_E_FORMAT,
            Status::Unsupported => sys::V2F_E_UNSUPPORTED,
            Status::Model => sys::V2F_E_MODEL,
            Status::Backend => sys::V2F_E_BACKEND,
            Status::NoMemory => sys::V2F_E_NO_MEMORY,
            Status::Cancelled => sys::V2F_E_CANCELLED,
            Status::Overflow => sys::V2F_E_OVERFLOW,
            Status::Internal => sys::V2F_E_INTERNAL,
            Status::Busy => sys::V2F_E_BUSY,
            Status::Unknown(c) => c,
            Status::AbiMismatch => return None,
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            // The library's own short description ("invalid argument", ...).
            Some(code) => f.write_str(&crate::status_str(code)),
            None => f.write_str("ABI version mismatch"),
        }
    }
}

/// A failure: its [`Status`] and the library's message (which names the
/// call, the file or the index at fault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error made on the Rust side.
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// The status family.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The message (for library failures, `v2f_last_error()` as it was
    /// right after the failing call, on the calling thread).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(Status::InvalidArg, message)
    }

    /// Reads this thread's last error; call right after the failing call.
    fn from_last(code: c_int) -> Error {
        // SAFETY: v2f_last_error never returns NULL; the string is valid
        // until the next failing call on this thread, and is copied here.
        let message = unsafe { CStr::from_ptr(sys::v2f_last_error()) }
            .to_string_lossy()
            .into_owned();
        let status = Status::from_code(code).unwrap_or(Status::Internal);
        Error { status, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{} ({})", self.message, self.status)
        }
    }
}

impl std::error::Error for Error {}

/// Maps a C status to a `Result`, reading the message on this thread at
/// once. Must be called directly after the call that returned `code`.
pub(crate) fn check(code: c_int) -> Result<()> {
    if code == sys::V2F_OK {
        Ok(())
    } else {
        Err(Error::from_last(code))
    }
}
