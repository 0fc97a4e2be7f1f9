//! Text encodings by their Python codec names, decoded strictly.
//!
//! Python's `open(path, encoding=...)` raises on the first undecodable byte (`errors="strict"`),
//! and so does everything here: a decoder that replaced bad bytes with U+FFFD would let a file
//! saved in the wrong encoding train silently on garbage.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding};

/// Bytes that Python's `cp1252` codec leaves undefined. WHATWG's `windows-1252` (what
/// `encoding_rs` implements) maps them to C1 controls instead, so they are rejected before
/// `encoding_rs` sees them, to fail where Python fails.
const CP1252_UNDEFINED: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// Python codec names (normalised by [`normalise`]) that are decoded without `encoding_rs`,
/// or whose WHATWG meaning differs from Python's and must be intercepted before the WHATWG
/// label lookup: WHATWG reads `latin-1`, `iso-8859-1` and `ascii` as windows-1252, and
/// `utf-16` as little-endian without looking for a byte-order mark.
const PYTHON_NAMES: &[(&str, Kind)] = &[
    ("utf-8", Kind::Utf8),
    ("utf8", Kind::Utf8),
    ("u8", Kind::Utf8),
    ("utf", Kind::Utf8),
    ("cp65001", Kind::Utf8),
    ("utf-8-sig", Kind::Utf8Sig),
    ("utf8-sig", Kind::Utf8Sig),
    ("latin-1", Kind::Latin1),
    ("latin1", Kind::Latin1),
    ("latin", Kind::Latin1),
    ("l1", Kind::Latin1),
    ("iso-8859-1", Kind::Latin1),
    ("iso8859-1", Kind::Latin1),
    ("iso88591", Kind::Latin1),
    ("iso8859", Kind::Latin1),
    ("8859", Kind::Latin1),
    ("cp819", Kind::Latin1),
    ("ibm819", Kind::Latin1),
    ("iso-ir-100", Kind::Latin1),
    ("csisolatin1", Kind::Latin1),
    ("ascii", Kind::Ascii),
    ("us-ascii", Kind::Ascii),
    ("us", Kind::Ascii),
    ("646", Kind::Ascii),
    ("cp1252", Kind::Cp1252),
    ("windows-1252", Kind::Cp1252),
    ("1252", Kind::Cp1252),
    ("utf-16", Kind::Utf16),
    ("utf16", Kind::Utf16),
    ("u16", Kind::Utf16),
    ("utf-16-le", Kind::Utf16Le),
    ("utf-16le", Kind::Utf16Le),
    ("utf16le", Kind::Utf16Le),
    ("utf16-le", Kind::Utf16Le),
    ("utf-16-be", Kind::Utf16Be),
    ("utf-16be", Kind::Utf16Be),
    ("utf16be", Kind::Utf16Be),
    ("utf16-be", Kind::Utf16Be),
];

/// Python aliases that are not WHATWG labels, mapped to the WHATWG label of the same
/// encoding, so that names a Python user would write keep working.
const PYTHON_ALIASES: &[(&str, &str)] = &[
    ("cp932", "shift_jis"),
    ("mskanji", "shift_jis"),
    ("cp936", "gbk"),
    ("cp949", "euc-kr"),
    ("uhc", "euc-kr"),
    ("cp950", "big5"),
    ("iso2022-jp", "iso-2022-jp"),
    ("koi8r", "koi8-r"),
    ("koi8u", "koi8-u"),
];

/// The decoders, one per distinct behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Utf8,
    Utf8Sig,
    /// True ISO-8859-1: every byte is the code point of the same value.
    Latin1,
    /// 7-bit ASCII; bytes from 0x80 are errors.
    Ascii,
    /// WHATWG windows-1252 minus the five bytes Python leaves undefined.
    Cp1252,
    /// UTF-16 whose byte order a byte-order mark must give.
    Utf16,
    Utf16Le,
    Utf16Be,
    /// Any other encoding `encoding_rs` knows by a WHATWG label.
    Whatwg(&'static Encoding),
}

/// A text encoding chosen by a Python codec name (see [`TextEncoding::from_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEncoding {
    kind: Kind,
}

/// Undecodable bytes: where they start in the decoded buffer, what they are, and the 1-based
/// line they are on (counted in the text decoded before them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub offset: usize,
    pub bytes: Vec<u8>,
    pub line: usize,
}

/// An encoding name that names no supported encoding; the message names the `encoding`
/// argument because that is where the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown encoding {value:?} given as argument `encoding`; use a Python codec name such as \
     utf-8, utf-8-sig, latin-1, cp1252, ascii, utf-16, utf-16-le, utf-16-be, shift_jis, gbk, \
     big5 or euc-kr"
)]
pub struct UnknownEncoding {
    pub value: String,
}

/// Lower case, spaces and underscores as hyphens: Python's codec lookup ignores case and
/// treats `-`, `_` and spaces alike, so `UTF_8`, `utf 8` and `Latin-1` must all be found.
fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl TextEncoding {
    /// UTF-8, the default when no encoding is given (Python's `encoding=None` on the systems
    /// Simple Transformers runs on).
    pub const UTF_8: TextEncoding = TextEncoding { kind: Kind::Utf8 };

    /// The encoding Python calls `name`: its own spellings for UTF-8, latin-1, ASCII, cp1252
    /// and UTF-16, and otherwise any label `encoding_rs` knows (shift_jis, gbk, euc-kr, …).
    /// WHATWG's "replacement" encoding (what it makes of iso-2022-kr and similar labels) is
    /// refused, since it decodes every input to U+FFFD.
    pub fn from_name(name: &str) -> Result<Self, UnknownEncoding> {
        let key = normalise(name);
        if let Some(&(_, kind)) = PYTHON_NAMES.iter().find(|(n, _)| *n == key) {
            return Ok(Self { kind });
        }
        let alias = PYTHON_ALIASES
            .iter()
            .find(|(n, _)| *n == key)
            .map(|&(_, label)| label);
        let found = [Some(name.trim()), Some(key.as_str()), alias]
            .into_iter()
            .flatten()
            .find_map(|label| Encoding::for_label(label.as_bytes()));
        let kind = match found {
            Some(e) if e == encoding_rs::UTF_8 => Kind::Utf8,
            Some(e) if e == encoding_rs::UTF_16LE => Kind::Utf16Le,
            Some(e) if e == encoding_rs::UTF_16BE => Kind::Utf16Be,
            Some(e) if e != encoding_rs::REPLACEMENT => Kind::Whatwg(e),
            _ => {
                return Err(UnknownEncoding {
                    value: name.to_string(),
                });
            }
        };
        Ok(Self { kind })
    }

    /// The `encoding` argument as the args hold it: `None` is UTF-8.
    pub fn from_arg(encoding: Option<&str>) -> Result<Self, UnknownEncoding> {
        encoding.map_or(Ok(Self::UTF_8), Self::from_name)
    }

    /// The name used in messages: Python's spelling where this module decodes itself,
    /// `encoding_rs`'s name otherwise.
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Utf8 => "utf-8",
            Kind::Utf8Sig => "utf-8-sig",
            Kind::Latin1 => "latin-1",
            Kind::Ascii => "ascii",
            Kind::Cp1252 => "cp1252",
            Kind::Utf16 => "utf-16",
            Kind::Utf16Le => "utf-16-le",
            Kind::Utf16Be => "utf-16-be",
            Kind::Whatwg(encoding) => encoding.name(),
        }
    }

    /// Whether every ASCII byte means its ASCII character and never occurs inside a
    /// multi-byte sequence, so that a `\n` byte is always a line end. Lazy readers split files
    /// at `\n` bytes and index their offsets, which is only sound for such encodings (not for
    /// UTF-16 or the stateful ISO-2022-JP).
    pub fn is_ascii_compatible(&self) -> bool {
        match self.kind {
            Kind::Utf8 | Kind::Utf8Sig | Kind::Latin1 | Kind::Ascii | Kind::Cp1252 => true,
            Kind::Utf16 | Kind::Utf16Le | Kind::Utf16Be => false,
            Kind::Whatwg(encoding) => encoding.is_ascii_compatible(),
        }
    }

    /// Whether the encoding is only known once the start of the file is seen: `utf-16` needs
    /// its byte-order mark, which only a whole-file read has.
    pub(crate) fn needs_bom(&self) -> bool {
        self.kind == Kind::Utf16
    }

    /// Decodes `bytes` strictly. A byte-order mark is not special here (it decodes to
    /// U+FEFF), except for `utf-16`, which requires one at the start of `bytes` to choose the
    /// byte order and errs without it, as Python's own choice of the machine's byte order
    /// would silently read a big-endian file as garbage.
    pub fn decode<'b>(&self, bytes: &'b [u8]) -> Result<Cow<'b, str>, Malformed> {
        match self.kind {
            Kind::Utf8 | Kind::Utf8Sig => decode_utf8(bytes),
            Kind::Latin1 => Ok(decode_latin1(bytes)),
            Kind::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
                Some(at) => Err(malformed_at(bytes, at, 1)),
                None => decode_utf8(bytes),
            },
            Kind::Cp1252 => match bytes.iter().position(|b| CP1252_UNDEFINED.contains(b)) {
                Some(at) => Err(malformed_at(bytes, at, 1)),
                None => decode_whatwg(encoding_rs::WINDOWS_1252, bytes),
            },
            Kind::Utf16 => {
                let (encoding, rest) = match bytes {
                    [] => return Ok(Cow::Borrowed("")),
                    [0xFF, 0xFE, rest @ ..] => (encoding_rs::UTF_16LE, rest),
                    [0xFE, 0xFF, rest @ ..] => (encoding_rs::UTF_16BE, rest),
                    _ => return Err(malformed_at(bytes, 0, bytes.len().min(2))),
                };
                decode_whatwg(encoding, rest).map_err(|mut bad| {
                    bad.offset += 2;
                    bad
                })
            }
            Kind::Utf16Le => decode_whatwg(encoding_rs::UTF_16LE, bytes),
            Kind::Utf16Be => decode_whatwg(encoding_rs::UTF_16BE, bytes),
            Kind::Whatwg(encoding) => decode_whatwg(encoding, bytes),
        }
    }

    /// [`TextEncoding::decode`] for a buffer the caller gives up, so that UTF-8 (the common
    /// case) reuses it instead of copying a whole data file.
    pub fn decode_owned(&self, bytes: Vec<u8>) -> Result<String, Malformed> {
        match self.kind {
            Kind::Utf8 | Kind::Utf8Sig => String::from_utf8(bytes)
                .map_err(|error| utf8_malformed(error.as_bytes(), error.utf8_error())),
            _ => self.decode(&bytes).map(Cow::into_owned),
        }
    }
}

/// The malformed sequence of `len` bytes at `at`, with its line counted in `bytes` (valid for
/// the ASCII-compatible decoders that call this).
fn malformed_at(bytes: &[u8], at: usize, len: usize) -> Malformed {
    let end = (at + len).min(bytes.len());
    Malformed {
        offset: at,
        bytes: bytes[at..end].to_vec(),
        line: 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count(),
    }
}

fn utf8_malformed(bytes: &[u8], error: std::str::Utf8Error) -> Malformed {
    let at = error.valid_up_to();
    // `error_len` is `None` for a sequence cut off by the end of the input.
    let len = error.error_len().unwrap_or(bytes.len() - at);
    malformed_at(bytes, at, len)
}

fn decode_utf8(bytes: &[u8]) -> Result<Cow<'_, str>, Malformed> {
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|error| utf8_malformed(bytes, error))
}

/// ISO-8859-1 as Python has it: byte `b` is U+00`b`, 0x80–0x9F included (WHATWG would map
/// those to windows-1252's printable characters instead).
fn decode_latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8; `from_utf8` cannot fail here.
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Cow::Borrowed(text);
        }
    }
    Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
}

/// Decodes with `encoding_rs` without replacement, reporting the first malformed sequence.
fn decode_whatwg(
    encoding: &'static Encoding,
    bytes: &[u8],
) -> Result<Cow<'static, str>, Malformed> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len());
    let mut text = String::with_capacity(capacity);
    let mut read = 0;
    loop {
        let (result, consumed) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += consumed;
        match result {
            DecoderResult::InputEmpty => return Ok(Cow::Owned(text)),
            DecoderResult::OutputFull => {
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(bytes.len() - read)
                    .unwrap_or(4096);
                text.reserve(more.max(4));
            }
            DecoderResult::Malformed(bad, after) => {
                let end = read.saturating_sub(usize::from(after));
                let start = end.saturating_sub(usize::from(bad));
                return Err(Malformed {
                    offset: start,
                    bytes: bytes[start..end].to_vec(),
                    line: 1 + text.matches('\n').count(),
                });
            }
        }
    }
}
