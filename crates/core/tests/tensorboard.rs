//! The TensorBoard writer: CRC-32C against published vectors, one event byte for byte against
//! Python's protobuf, and a written file parsed back (framing, checksums, protobuf fields).
//! `scripts/check_tensorboard.py` checks the same kind of file with TensorBoard's own reader.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use st_core::train::tensorboard::{
    SummaryWriter, crc32c, default_log_dir, encode_record, encode_scalar_event, masked_crc32c,
};

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn crc32c_matches_known_vectors() {
    assert_eq!(crc32c(b""), 0);
    assert_eq!(crc32c(b"a"), 0xc1d0_4330);
    assert_eq!(crc32c(b"123456789"), 0xe306_9283);
    // RFC 3720 (iSCSI), appendix B.4.
    assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa);
    assert_eq!(crc32c(&[0xffu8; 32]), 0x62a8_ab43);
    let ascending: Vec<u8> = (0..32).collect();
    assert_eq!(crc32c(&ascending), 0x46dd_794e);
    let descending: Vec<u8> = (0..32).rev().collect();
    assert_eq!(crc32c(&descending), 0x113f_db5c);
}

/// Values from TensorBoard's own pure-Python implementation:
/// `tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c(b"123456789")`.
#[test]
fn masked_crc_matches_tensorboard() {
    assert_eq!(masked_crc32c(b"123456789"), 0xc78a_b0e5);
    assert_eq!(masked_crc32c(b""), 0xa282_ead8);
}

/// Generated with tensorboard 2.21 / protobuf 7:
///
/// ```python
/// import struct
/// from tensorboard.compat.proto.event_pb2 import Event
/// from tensorboard.compat.proto.summary_pb2 import Summary
/// from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
/// e = Event(wall_time=1700000000.5, step=300,
///           summary=Summary(value=[Summary.Value(tag="eval_loss", simple_value=0.25)]))
/// d = e.SerializeToString()
/// print(d.hex())
/// h = struct.pack("<Q", len(d))
/// print((h + struct.pack("<I", masked_crc32c(h)) + d + struct.pack("<I", masked_crc32c(d))).hex())
/// ```
#[test]
fn scalar_event_matches_python_bytes() {
    let event = encode_scalar_event(1_700_000_000.5, 300, "eval_loss", 0.25);
    let expected_event = "0900002040fc54d94110ac022a120a100a096576616c5f6c6f7373150000803e";
    assert_eq!(event, unhex(expected_event));

    let expected_record = "200000000000000029eda950\
                           0900002040fc54d94110ac022a120a100a096576616c5f6c6f7373150000803e\
                           6146ed9d";
    assert_eq!(encode_record(&event), unhex(expected_record));
}

/// One field of a protobuf message, by wire type.
#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Bytes(&'a [u8]),
    Fixed32([u8; 4]),
}

fn read_varint(buf: &mut &[u8]) -> u64 {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first().expect("varint runs past the end");
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return value;
        }
    }
    panic!("varint longer than 10 bytes");
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    head
}

/// The fields of a protobuf message in order, as (field number, value).
fn decode(mut buf: &[u8]) -> Vec<(u64, Field<'_>)> {
    let mut fields = Vec::new();
    while !buf.is_empty() {
        let key = read_varint(&mut buf);
        let field = match key & 7 {
            0 => Field::Varint(read_varint(&mut buf)),
            1 => Field::Fixed64(take(&mut buf, 8).try_into().unwrap()),
            2 => {
                let len = read_varint(&mut buf) as usize;
                Field::Bytes(take(&mut buf, len))
            }
            5 => Field::Fixed32(take(&mut buf, 4).try_into().unwrap()),
            wire => panic!("unexpected wire type {wire}"),
        };
        fields.push((key >> 3, field));
    }
    fields
}

/// The records of a TFRecord file, checking both checksums of each.
fn read_records(mut file: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    while !file.is_empty() {
        let len_bytes = take(&mut file, 8);
        let len_crc = u32::from_le_bytes(take(&mut file, 4).try_into().unwrap());
        assert_eq!(len_crc, masked_crc32c(len_bytes), "length checksum");
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
        let data = take(&mut file, len);
        let data_crc = u32::from_le_bytes(take(&mut file, 4).try_into().unwrap());
        assert_eq!(data_crc, masked_crc32c(data), "data checksum");
        records.push(data);
    }
    records
}

/// What an event carries, as far as this writer writes it.
#[derive(Debug, Default)]
struct Event {
    wall_time: f64,
    step: u64,
    file_version: Option<String>,
    scalars: Vec<(String, f32)>,
}

fn parse_event(data: &[u8]) -> Event {
    let mut event = Event::default();
    for (number, field) in decode(data) {
        match (number, field) {
            (1, Field::Fixed64(b)) => event.wall_time = f64::from_le_bytes(b),
            (2, Field::Varint(v)) => event.step = v,
            (3, Field::Bytes(b)) => {
                event.file_version = Some(String::from_utf8(b.to_vec()).unwrap())
            }
            (5, Field::Bytes(summary)) => event.scalars.extend(parse_summary(summary)),
            other => panic!("unexpected Event field {other:?}"),
        }
    }
    event
}

fn parse_summary(data: &[u8]) -> Vec<(String, f32)> {
    decode(data)
        .into_iter()
        .map(|(number, field)| match (number, field) {
            (1, Field::Bytes(value)) => parse_value(value),
            other => panic!("unexpected Summary field {other:?}"),
        })
        .collect()
}

fn parse_value(data: &[u8]) -> (String, f32) {
    let (mut tag, mut value) = (None, None);
    for (number, field) in decode(data) {
        match (number, field) {
            (1, Field::Bytes(b)) => tag = Some(String::from_utf8(b.to_vec()).unwrap()),
            (2, Field::Fixed32(b)) => value = Some(f32::from_le_bytes(b)),
            other => panic!("unexpected Summary.Value field {other:?}"),
        }
    }
    (tag.expect("a tag"), value.expect("a simple_value"))
}

fn event_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("events.out.tfevents.")
        })
        .collect();
    files.sort();
    files
}

/// Set `TENSORBOARD_CHECK_DIR` to keep the file this test writes, for
/// `python scripts/check_tensorboard.py $TENSORBOARD_CHECK_DIR/runs/test_run`.
#[test]
fn written_file_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root =
        std::env::var_os("TENSORBOARD_CHECK_DIR").map_or(tmp.path().to_path_buf(), PathBuf::from);
    let log_dir = root.join("runs").join("test_run");
    let mut writer = SummaryWriter::new(&log_dir).unwrap();
    writer.add_scalar("lr", 4e-5, 0).unwrap();
    writer.add_scalar("loss", 0.7123, 50).unwrap();
    writer.add_scalar("lr", 2e-5, 50).unwrap();
    let results = BTreeMap::from([("mcc".to_owned(), 0.5), ("loss".to_owned(), 0.25)]);
    writer.add_scalars_flat("eval_", &results, 100).unwrap();
    writer.add_scalars_flat("", &results, 200).unwrap();
    let path = writer.path().to_path_buf();
    // No explicit flush: dropping the writer must write everything.
    drop(writer);

    assert_eq!(event_files(&log_dir), vec![path.clone()]);
    let name = path.file_name().unwrap().to_str().unwrap();
    let seconds = name
        .strip_prefix("events.out.tfevents.")
        .and_then(|rest| rest.split('.').next())
        .unwrap();
    let seconds: f64 = seconds.parse().expect("unix seconds in the file name");

    let bytes = std::fs::read(&path).unwrap();
    let events: Vec<Event> = read_records(&bytes).into_iter().map(parse_event).collect();

    let first = &events[0];
    assert_eq!(first.file_version.as_deref(), Some("brain.Event:2"));
    assert!(first.scalars.is_empty());
    assert_eq!(first.wall_time.floor(), seconds);

    let scalars: Vec<(String, u64, f32)> = events[1..]
        .iter()
        .flat_map(|event| {
            assert!(event.file_version.is_none());
            assert!(event.wall_time >= first.wall_time);
            event
                .scalars
                .iter()
                .map(|(tag, value)| (tag.clone(), event.step, *value))
        })
        .collect();
    let expected = [
        ("lr", 0, 4e-5),
        ("loss", 50, 0.7123),
        ("lr", 50, 2e-5),
        ("eval_loss", 100, 0.25),
        ("eval_mcc", 100, 0.5),
        ("loss", 200, 0.25),
        ("mcc", 200, 0.5),
    ];
    let expected: Vec<(String, u64, f32)> = expected
        .iter()
        .map(|&(tag, step, value)| (tag.to_owned(), step, value as f32))
        .collect();
    assert_eq!(scalars, expected);
}

#[test]
fn second_writer_never_overwrites_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut first = SummaryWriter::new(tmp.path()).unwrap();
    let mut second = SummaryWriter::new(tmp.path()).unwrap();
    first.add_scalar("a", 1.0, 1).unwrap();
    second.add_scalar("b", 2.0, 2).unwrap();
    first.flush().unwrap();
    second.flush().unwrap();
    assert_ne!(first.path(), second.path());

    let files = event_files(tmp.path());
    assert_eq!(files.len(), 2);
    for (path, tag) in [(first.path(), "a"), (second.path(), "b")] {
        let bytes = std::fs::read(path).unwrap();
        let records = read_records(&bytes);
        assert_eq!(records.len(), 2);
        assert_eq!(parse_event(records[1]).scalars[0].0, tag);
    }
}

#[test]
fn default_log_dir_has_python_shape() {
    let dir = default_log_dir();
    let mut parts = dir.components();
    assert_eq!(parts.next().unwrap().as_os_str(), "runs");
    let name = parts
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(parts.next().is_none());

    // `Nov21_08-15-02_host`: a month abbreviation, then fixed-width digits and separators.
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    assert!(months.contains(&&name[..3]), "{name}");
    let digits_and_separators = &name.as_bytes()[3..15];
    for (i, &c) in digits_and_separators.iter().enumerate() {
        match i {
            2 | 11 => assert_eq!(c, b'_', "{name}"),
            5 | 8 => assert_eq!(c, b'-', "{name}"),
            _ => assert!(c.is_ascii_digit(), "{name}"),
        }
    }
    assert!(name.len() > 15, "a hostname follows: {name}");
}
