//! A TensorBoard scalar writer: the event files that Python's
//! `torch.utils.tensorboard.SummaryWriter` writes during Simple Transformers training (learning
//! rate, loss, evaluation metrics), without a protobuf or TensorFlow dependency.
//!
//! An event file is a sequence of TFRecords, each holding one serialised `tensorflow.Event`
//! protobuf. Only the few fields a scalar needs are encoded, by hand:
//!
//! ```text
//! Event   { wall_time: double = 1; step: int64 = 2; file_version: string = 3; summary: Summary = 5 }
//! Summary { value: repeated Value = 1 }
//! Value   { tag: string = 1; simple_value: float = 2 }
//! ```

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The version string TensorBoard expects in the first event of every file.
const FILE_VERSION: &str = "brain.Event:2";

/// Writes scalars into one TensorBoard event file in a log directory.
///
/// Writes are buffered; call [`SummaryWriter::flush`] to make them visible to a running
/// TensorBoard and to see write errors. Dropping the writer flushes too (through its
/// [`BufWriter`]), but an error there can only be ignored.
#[derive(Debug)]
pub struct SummaryWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl SummaryWriter {
    /// Creates `log_dir` (and its parents) and a new event file
    /// `events.out.tfevents.{unix_seconds}.{hostname}` in it, headed by the `file_version`
    /// event TensorBoard requires.
    ///
    /// An existing file is never overwritten: if two writers start in the same second in the
    /// same directory, the later file gets a `.1`, `.2`, … suffix (TensorBoard reads any file
    /// whose name contains `tfevents`).
    pub fn new(log_dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(log_dir)?;
        let now = now_seconds();
        let stem = format!("events.out.tfevents.{}.{}", now as u64, hostname());
        let (path, file) = create_new_file(log_dir, &stem)?;
        let mut writer = SummaryWriter {
            path,
            out: BufWriter::new(file),
        };
        writer.write_record(&encode_file_version_event(now))?;
        Ok(writer)
    }

    /// The event file this writer appends to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records `value` under `tag` at `step`, stamped with the current time.
    ///
    /// TensorBoard stores scalars as 32-bit floats (`simple_value`), so `value` is rounded to
    /// `f32`, exactly as the Python writer does.
    pub fn add_scalar(&mut self, tag: &str, value: f64, step: u64) -> io::Result<()> {
        let event = encode_scalar_event(now_seconds(), step, tag, value as f32);
        self.write_record(&event)
    }

    /// Records every entry of `results` as `{prefix}{key}` at `step`.
    ///
    /// Simple Transformers logs evaluation results as `eval_{key}` in some tasks and under the
    /// plain key in others, so the prefix is the caller's choice (`""` for none).
    pub fn add_scalars_flat(
        &mut self,
        prefix: &str,
        results: &BTreeMap<String, f64>,
        step: u64,
    ) -> io::Result<()> {
        for (key, &value) in results {
            self.add_scalar(&format!("{prefix}{key}"), value, step)?;
        }
        Ok(())
    }

    /// Writes buffered events to the file, so that TensorBoard sees them and write errors
    /// surface here rather than being lost on drop.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn write_record(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.write_all(&encode_record(data))
    }
}

/// The directory Python's `SummaryWriter()` logs to when given none:
/// `runs/{%b%d_%H-%M-%S}_{hostname}`, e.g. `runs/Nov21_08-15-02_myhost`.
///
/// The time is local time on 64-bit Unix (through the C library's `localtime_r`, which honours
/// `TZ` and `/etc/localtime`, as Python's `datetime.now()` does) and UTC elsewhere or if the
/// conversion fails, to avoid a date-time dependency.
pub fn default_log_dir() -> PathBuf {
    let time = local_time(now_seconds() as i64);
    Path::new("runs").join(format!("{}_{}", run_timestamp(&time), hostname()))
}

/// CRC-32C (Castagnoli) of `data`, the checksum TFRecord framing uses.
pub fn crc32c(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &byte| {
        CRC32C_TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8)
    })
}

/// CRC-32C of `data` masked as TFRecord stores it: rotated and offset, because a CRC of data
/// that itself contains CRCs is weak.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Frames `data` as one TFRecord: length (u64 LE), masked CRC of the length bytes (u32 LE),
/// the data, masked CRC of the data (u32 LE).
pub fn encode_record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(data.len() + 16);
    record.extend_from_slice(&len);
    record.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    record.extend_from_slice(data);
    record.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    record
}

/// The serialised `Event` holding one scalar, byte for byte what Python's protobuf writes for
/// `Event(wall_time=…, step=…, summary=Summary(value=[Summary.Value(tag=…, simple_value=…)]))`.
///
/// `step` is written as the bits of an `int64`, so steps above `i64::MAX` read back negative.
pub fn encode_scalar_event(wall_time: f64, step: u64, tag: &str, value: f32) -> Vec<u8> {
    let mut summary_value = Proto::default();
    summary_value.bytes(1, tag.as_bytes());
    summary_value.float(2, value);
    let mut summary = Proto::default();
    summary.bytes(1, &summary_value.0);

    let mut event = Proto::default();
    event.double(1, wall_time);
    event.int64(2, step);
    event.bytes(5, &summary.0);
    event.0
}

/// The serialised first `Event` of a file: `Event(wall_time=…, file_version="brain.Event:2")`.
fn encode_file_version_event(wall_time: f64) -> Vec<u8> {
    let mut event = Proto::default();
    event.double(1, wall_time);
    event.bytes(3, FILE_VERSION.as_bytes());
    event.0
}

/// A protobuf message being serialised, fields appended in field-number order as Python's
/// protobuf does, so that the bytes match its output exactly.
#[derive(Default)]
struct Proto(Vec<u8>);

impl Proto {
    const VARINT: u32 = 0;
    const FIXED64: u32 = 1;
    const LEN: u32 = 2;
    const FIXED32: u32 = 5;

    fn key(&mut self, field: u32, wire_type: u32) {
        self.varint(u64::from(field << 3 | wire_type));
    }

    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn double(&mut self, field: u32, value: f64) {
        self.key(field, Self::FIXED64);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn float(&mut self, field: u32, value: f32) {
        self.key(field, Self::FIXED32);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    /// An `int64`; zero is left out, as proto3 leaves out every scalar at its default.
    fn int64(&mut self, field: u32, value: u64) {
        if value != 0 {
            self.key(field, Self::VARINT);
            self.varint(value);
        }
    }

    fn bytes(&mut self, field: u32, value: &[u8]) {
        self.key(field, Self::LEN);
        self.varint(value.len() as u64);
        self.0.extend_from_slice(value);
    }
}

/// The byte-at-a-time lookup table of the reflected Castagnoli polynomial, built at compile
/// time.
const CRC32C_TABLE: [u32; 256] = crc32c_table();

const fn crc32c_table() -> [u32; 256] {
    const POLY: u32 = 0x82f6_3b78;
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// Seconds since the Unix epoch; a clock set before 1970 reads as the epoch rather than
/// failing, since a wrong timestamp is harmless in a log.
fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

/// This machine's name, as Python's `socket.gethostname()` gives it for the file and run
/// names: `/etc/hostname`, else `$HOSTNAME`, else `localhost`. Path separators are replaced so
/// that the name can never point outside the log directory.
fn hostname() -> String {
    let from_file = fs::read_to_string("/etc/hostname").ok();
    let from_env = std::env::var("HOSTNAME").ok();
    [from_file, from_env]
        .into_iter()
        .flatten()
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
        .replace(['/', '\\'], "_")
}

/// Creates `dir/stem`, or `dir/stem.1`, `dir/stem.2`, … if it exists, never truncating a file.
fn create_new_file(dir: &Path, stem: &str) -> io::Result<(PathBuf, File)> {
    let mut suffix = 0u32;
    loop {
        let name = match suffix {
            0 => stem.to_owned(),
            n => format!("{stem}.{n}"),
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => suffix += 1,
            Err(e) => return Err(e),
        }
    }
}

/// A calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CivilTime {
    year: i64,
    /// 1 to 12.
    month: u32,
    /// 1 to 31.
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

/// `%b%d_%H-%M-%S` in the C locale, the format of Python's default run names.
fn run_timestamp(t: &CivilTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[(t.month as usize).clamp(1, 12) - 1];
    format!(
        "{month}{:02}_{:02}-{:02}-{:02}",
        t.day, t.hour, t.minute, t.second
    )
}

/// The UTC date and time of a Unix timestamp, by Howard Hinnant's `civil_from_days`.
fn utc_time(unix_seconds: i64) -> CivilTime {
    let days = unix_seconds.div_euclid(86_400);
    let secs_of_day = unix_seconds.rem_euclid(86_400) as u32;
    // Shift to an era-based calendar starting on 0000-03-01, so that leap days fall last.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    CivilTime {
        year,
        month,
        day,
        hour: secs_of_day / 3600,
        minute: secs_of_day / 60 % 60,
        second: secs_of_day % 60,
    }
}

/// Local time where the C library can tell it, UTC otherwise.
fn local_time(unix_seconds: i64) -> CivilTime {
    c_local_time(unix_seconds).unwrap_or_else(|| utc_time(unix_seconds))
}

/// Local time from the C library's `localtime_r`, which every Unix libc has and which already
/// knows the time zone rules; restricted to 64-bit targets, where `time_t` is `i64`.
#[cfg(all(unix, target_pointer_width = "64"))]
fn c_local_time(unix_seconds: i64) -> Option<CivilTime> {
    use std::ffi::{c_char, c_int, c_long};
    use std::mem::MaybeUninit;

    /// POSIX `struct tm` as glibc, musl, macOS and the BSDs lay it out. Libraries without the
    /// last two fields have a smaller struct, so `localtime_r` never writes past this one.
    #[repr(C)]
    struct Tm {
        tm_sec: c_int,
        tm_min: c_int,
        tm_hour: c_int,
        tm_mday: c_int,
        tm_mon: c_int,
        tm_year: c_int,
        tm_wday: c_int,
        tm_yday: c_int,
        tm_isdst: c_int,
        tm_gmtoff: c_long,
        tm_zone: *const c_char,
    }

    unsafe extern "C" {
        fn localtime_r(time: *const i64, result: *mut Tm) -> *mut Tm;
    }

    let mut tm = MaybeUninit::<Tm>::uninit();
    // SAFETY: both pointers are valid for the call; `tm` is at least as large as the C
    // library's `struct tm`, and is read only after `localtime_r` reported filling it.
    let tm = unsafe {
        if localtime_r(&unix_seconds, tm.as_mut_ptr()).is_null() {
            return None;
        }
        tm.assume_init()
    };
    let field = |v: c_int| u32::try_from(v).ok();
    Some(CivilTime {
        year: i64::from(tm.tm_year) + 1900,
        month: field(tm.tm_mon)? + 1,
        day: field(tm.tm_mday)?,
        hour: field(tm.tm_hour)?,
        minute: field(tm.tm_min)?,
        // A leap second (60) would not be a valid name part anywhere else; keep it in range.
        second: field(tm.tm_sec)?.min(59),
    })
}

#[cfg(not(all(unix, target_pointer_width = "64")))]
fn c_local_time(_unix_seconds: i64) -> Option<CivilTime> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> CivilTime {
        CivilTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    #[test]
    fn utc_time_matches_known_dates() {
        assert_eq!(utc_time(0), civil(1970, 1, 1, 0, 0, 0));
        // date -u -d @1700554502 → Tue Nov 21 08:15:02 UTC 2023
        assert_eq!(utc_time(1_700_554_502), civil(2023, 11, 21, 8, 15, 2));
        // A leap day and the day after it.
        assert_eq!(utc_time(951_782_400), civil(2000, 2, 29, 0, 0, 0));
        assert_eq!(utc_time(951_868_799), civil(2000, 2, 29, 23, 59, 59));
        assert_eq!(utc_time(951_868_800), civil(2000, 3, 1, 0, 0, 0));
        // Before the epoch.
        assert_eq!(utc_time(-1), civil(1969, 12, 31, 23, 59, 59));
    }

    #[test]
    fn run_timestamp_is_python_format() {
        assert_eq!(
            run_timestamp(&civil(2023, 11, 21, 8, 15, 2)),
            "Nov21_08-15-02"
        );
        assert_eq!(
            run_timestamp(&civil(2024, 1, 5, 23, 0, 9)),
            "Jan05_23-00-09"
        );
    }

    #[cfg(all(unix, target_pointer_width = "64"))]
    #[test]
    fn local_time_keeps_utc_seconds() {
        // Whatever the time zone, the offset is a whole number of minutes.
        let t = 1_700_554_502;
        let local = c_local_time(t).expect("localtime_r works");
        assert_eq!(local.second, utc_time(t).second);
    }
}
