#!/usr/bin/env python3
"""Fetch Jane Austen's six novels as plain text, for real-data language-model runs.

Source: Debian's `r-cran-janeaustenr` package (bookworm: 1.0.0-1), the CRAN package
`janeaustenr` by Julia Silge (https://github.com/juliasilge/janeaustenr), which ships the
Project Gutenberg texts of the six completed novels as R lazy-load data
(`usr/lib/R/site-library/janeaustenr/data/Rdata.{rdx,rdb}`), one character vector per novel,
one element per printed line (blank lines included as "").

Licence: the package (code and packaging) is MIT, copyright 2016-2017 Julia Silge and 2021
Andreas Tille (see /usr/share/doc/r-cran-janeaustenr/copyright inside the .deb); the novels
themselves (1811-1817) are in the public domain.  Nothing from the package is committed: this
script rebuilds everything under target/ on demand.

How: `apt-get download r-cran-janeaustenr` (falls back to fetching the URI that
`apt-get download --print-uris` names, with urllib), unless `--deb PATH` is given; the .deb is
cached as target/austen/r-cran-janeaustenr.deb.  The .deb (an `ar` archive) is unpacked in
memory, data.tar.xz is read with `tarfile`, Rdata.rdx (gzip'd R serialisation: the index
mapping object names to (offset, length) in Rdata.rdb) and the zlib-compressed entries of
Rdata.rdb are decoded with the small XDR-format R unserialiser below.  Standard library only.

Writes, to --out (default target/austen under the repository root):
  <novel>.txt   one file per novel (sensesensibility, prideprejudice, mansfieldpark, emma,
                northangerabbey, persuasion), the package's lines in order, blank (all
                whitespace) lines dropped, "\\n" line ends, UTF-8
  train.txt     every novel except the held-out one, concatenated in publication order
  eval.txt      the held-out novel (--eval-novel, default persuasion)
and prints line / word / character counts.  The output is deterministic.

Usage: python scripts/fetch_austen.py [--out DIR] [--deb PATH] [--eval-novel NAME]
"""

import argparse
import bz2
import gzip
import hashlib
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zlib

PACKAGE = "r-cran-janeaustenr"
# What bookworm ships; a different .deb only gives a warning.
KNOWN_SHA256 = "df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95"
DATA_DIR = "usr/lib/R/site-library/janeaustenr/data/"
# Publication order (as janeaustenr::austen_books() orders them).
NOVELS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------
# Getting the .deb
# ---------------------------------------------------------------------------------------------


def download_deb(dest):
    """Put the package's .deb at `dest`: `apt-get download`, else urllib on its URI."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["apt-get", "download", PACKAGE], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
            if len(debs) == 1:
                shutil.move(os.path.join(tmp, debs[0]), dest)
                print(f"apt-get download: {debs[0]}")
                return
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"apt-get download failed ({e}); trying the package URI with urllib", file=sys.stderr)
    uri = package_uri()
    print(f"fetching {uri}")
    with urllib.request.urlopen(uri, timeout=60) as resp, open(dest + ".part", "wb") as f:
        shutil.copyfileobj(resp, f)
    os.replace(dest + ".part", dest)


def package_uri():
    """The .deb's URI: from `apt-get download --print-uris`, else the first Debian mirror in
    /etc/apt/sources.list* with the bookworm pool path."""
    try:
        out = subprocess.run(["apt-get", "download", "--print-uris", PACKAGE], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("'"):
                return line.split("'")[1]
    except (OSError, subprocess.CalledProcessError):
        pass
    base = "http://deb.debian.org/debian"
    d = "/etc/apt/sources.list.d"
    extra = sorted(os.path.join(d, f) for f in os.listdir(d)) if os.path.isdir(d) else []
    for path in ["/etc/apt/sources.list"] + [f for f in extra if f.endswith((".list", ".sources"))]:
        try:
            text = open(path, encoding="utf-8").read()
        except OSError:
            continue
        urls = [w for line in text.splitlines() if not line.lstrip().startswith("#")
                for w in line.split() if w.startswith("http") and "security" not in w]
        if urls:
            base = urls[0].rstrip("/")
            break
    return f"{base}/pool/main/r/{PACKAGE}/{PACKAGE}_1.0.0-1_all.deb"


# ---------------------------------------------------------------------------------------------
# .deb = ar archive holding data.tar.{xz,gz,zst,...}
# ---------------------------------------------------------------------------------------------


def ar_members(blob):
    """{name: bytes} of a System V / GNU `ar` archive."""
    if not blob.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    pos, out = 8, {}
    while pos + 60 <= len(blob):
        header = blob[pos:pos + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        pos += 60
        out[name] = blob[pos:pos + size]
        pos += size + (size & 1)
    return out


def deb_data_files(deb_path, prefix):
    """{basename: bytes} of the regular files under `prefix` in the .deb's data tarball."""
    members = ar_members(open(deb_path, "rb").read())
    name = next((n for n in members if n.startswith("data.tar")), None)
    if name is None:
        raise ValueError(f"no data.tar.* in {deb_path}: {sorted(members)}")
    out = {}
    with tarfile.open(fileobj=io.BytesIO(members[name]), mode="r:*") as tar:
        for m in tar.getmembers():
            path = m.name[2:] if m.name.startswith("./") else m.name
            if m.isfile() and path.startswith(prefix):
                out[path[len(prefix):]] = tar.extractfile(m).read()
    return out


# ---------------------------------------------------------------------------------------------
# R serialisation, XDR format (version 2 or 3): just what lazy-load data and indexes use
# ---------------------------------------------------------------------------------------------

NILSXP, SYMSXP, LISTSXP, CLOSXP, ENVSXP, PROMSXP, LANGSXP = 0, 1, 2, 3, 4, 5, 6
CHARSXP, LGLSXP, INTSXP, REALSXP, CPLXSXP, STRSXP, DOTSXP = 9, 10, 13, 14, 15, 16, 17
VECSXP, EXPRSXP, RAWSXP = 19, 20, 24
REFSXP, NILVALUE, GLOBALENV, UNBOUNDVALUE, MISSINGARG, BASENAMESPACE = 255, 254, 253, 252, 251, 250
EMPTYENV, BASEENV, ATTRLANGSXP, ATTRLISTSXP, ALTREP = 242, 241, 240, 239, 238
NA_INT = -2 ** 31


class RObject:
    """A decoded R value: `type` (SEXP type), `value` (list / str / None) and `attrs` (dict)."""

    def __init__(self, type_, value, attrs=None):
        self.type, self.value, self.attrs = type_, value, attrs or {}

    def names(self):
        n = self.attrs.get("names")
        return n.value if n is not None else None


class Unserializer:
    def __init__(self, data):
        self.data, self.pos, self.refs = data, 0, []
        if data[:2] != b"X\n":
            raise ValueError(f"not an XDR R serialisation: {data[:2]!r}")
        self.pos = 2
        self.version = self.int()
        self.int(), self.int()  # writer's R version, minimal reader version
        self.native_encoding = "utf-8"
        if self.version == 3:
            self.native_encoding = self.bytes(self.int()).decode("ascii").lower()
        elif self.version != 2:
            raise ValueError(f"unsupported serialisation version {self.version}")

    def bytes(self, n):
        b = self.data[self.pos:self.pos + n]
        if len(b) != n:
            raise ValueError("truncated R serialisation")
        self.pos += n
        return b

    def int(self):
        return struct.unpack(">i", self.bytes(4))[0]

    def length(self):
        n = self.int()
        if n == -1:  # long vector: two more ints
            hi, lo = self.int(), self.int()
            n = (hi << 32) + (lo & 0xFFFFFFFF)
        return n

    def charsxp(self, levels):
        n = self.int()
        if n == -1:
            return None  # NA_character_
        raw = self.bytes(n)
        if levels & ((1 << 1) | (1 << 2)):  # BYTES, LATIN1
            return raw.decode("latin-1")
        if levels & ((1 << 3) | (1 << 6)):  # UTF8, ASCII
            return raw.decode("utf-8")
        try:
            return raw.decode(self.native_encoding)
        except (LookupError, UnicodeDecodeError):
            return raw.decode("latin-1")

    def pairlist_attrs(self, obj):
        """Turn a decoded attribute pairlist into a {tag: value} dict."""
        return dict(obj.value) if obj is not None and obj.type == LISTSXP else {}

    def item(self):
        flags = self.int()
        t, levels = flags & 0xFF, flags >> 12
        has_attr, has_tag = flags & (1 << 9), flags & (1 << 10)
        if t == NILVALUE:
            return None
        if t in (EMPTYENV, BASEENV, GLOBALENV, UNBOUNDVALUE, MISSINGARG, BASENAMESPACE):
            return RObject(t, None)
        if t == REFSXP:
            idx = flags >> 8
            return self.refs[(idx if idx else self.int()) - 1]
        if t == SYMSXP:
            name = self.item()
            sym = RObject(SYMSXP, name.value if name is not None else None)
            self.refs.append(sym)
            return sym
        if t in (LISTSXP, LANGSXP, CLOSXP, PROMSXP, DOTSXP, ATTRLANGSXP, ATTRLISTSXP):
            # A pairlist, read iteratively along the CDR chain.
            cells, attrs = [], {}
            while True:
                attr = self.pairlist_attrs(self.item()) if has_attr else {}
                if not cells:
                    attrs = attr
                tag = self.item() if has_tag else None
                cells.append((tag.value if tag is not None else None, self.item()))
                flags = self.int()
                t2, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
                if t2 not in (LISTSXP, LANGSXP, ATTRLISTSXP, ATTRLANGSXP):
                    self.pos -= 4
                    self.item()  # the final CDR (normally NILVALUE)
                    return RObject(LISTSXP if t in (LISTSXP, ATTRLISTSXP) else t, cells, attrs)
        if t == ENVSXP:
            env = RObject(ENVSXP, None)
            self.refs.append(env)
            self.int()  # locked
            enclos, frame, hashtab, attrib = self.item(), self.item(), self.item(), self.item()
            env.value = {"enclos": enclos, "frame": frame, "hashtab": hashtab}
            env.attrs = self.pairlist_attrs(attrib)
            return env
        if t == CHARSXP:
            return RObject(CHARSXP, self.charsxp(levels))
        if t == ALTREP:
            info, state, attr = self.item(), self.item(), self.item()
            cls = info.value[0][1].value if info is not None else None
            if cls in ("wrap_string", "wrap_integer", "wrap_real", "wrap_logical", "wrap_list"):
                obj = state.value[0][1] if state.type == LISTSXP else state
            elif cls == "compact_intseq":
                n, start, step = state.value[:3]
                obj = RObject(INTSXP, [int(start + i * step) for i in range(int(n))])
            else:
                raise ValueError(f"unsupported ALTREP class {cls}")
            obj.attrs = self.pairlist_attrs(attr) or obj.attrs
            return obj
        if t in (LGLSXP, INTSXP):
            n = self.length()
            vals = list(struct.unpack(f">{n}i", self.bytes(4 * n)))
            value = [None if v == NA_INT else v for v in vals]
        elif t == REALSXP:
            n = self.length()
            value = list(struct.unpack(f">{n}d", self.bytes(8 * n)))
        elif t == CPLXSXP:
            n = self.length()
            v = struct.unpack(f">{2 * n}d", self.bytes(16 * n))
            value = [complex(v[2 * i], v[2 * i + 1]) for i in range(n)]
        elif t == RAWSXP:
            value = self.bytes(self.length())
        elif t == STRSXP:
            value = []
            for _ in range(self.length()):
                s = self.item()
                value.append(s.value if s is not None else None)
        elif t in (VECSXP, EXPRSXP):
            value = [self.item() for _ in range(self.length())]
        else:
            raise ValueError(f"unsupported SEXP type {t} at byte {self.pos - 4}")
        attrs = self.pairlist_attrs(self.item()) if has_attr else {}
        return RObject(t, value, attrs)


def unserialize(data):
    return Unserializer(data).item()


def decompress_rdb_entry(blob):
    """An .rdb entry: 4-byte big-endian uncompressed length, then a zlib stream (R's default), or
    a type byte ('Z' zlib, '2' bzip2, 'X' xz, '0' none) and the payload."""
    (n,) = struct.unpack(">I", blob[:4])
    try:
        out = zlib.decompress(blob[4:])
    except zlib.error:
        kind, payload = blob[4:5], blob[5:]
        if kind == b"Z":
            out = zlib.decompress(payload)
        elif kind in (b"2", b"X"):
            out = (bz2 if kind == b"2" else lzma).decompress(payload)
        elif kind == b"0":
            out = payload
        else:
            raise
    if len(out) != n:
        raise ValueError(f"rdb entry: expected {n} bytes, got {len(out)}")
    return out


def lazyload_objects(rdx, rdb):
    """{name: RObject} of every variable in a lazy-load database (.rdx index + .rdb data)."""
    index = unserialize(gzip.decompress(rdx) if rdx[:2] == b"\x1f\x8b" else decompress_rdb_entry(rdx))
    variables = dict(zip(index.names(), index.value))["variables"]
    out = {}
    for name, loc in zip(variables.names(), variables.value):
        offset, length = loc.value
        out[name] = unserialize(decompress_rdb_entry(rdb[offset:offset + length]))
    return out


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def counts(lines):
    return len(lines), sum(len(line.split()) for line in lines), sum(len(line) for line in lines)


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "target", "austen"),
                        help="output directory (default: target/austen under the repository root)")
    parser.add_argument("--deb", help=f"use this {PACKAGE} .deb instead of downloading it")
    parser.add_argument("--eval-novel", default="persuasion", choices=NOVELS,
                        help="the novel held out as eval.txt (default: persuasion)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    deb = args.deb
    if deb is None:
        deb = os.path.join(args.out, f"{PACKAGE}.deb")
        if not os.path.exists(deb):
            download_deb(deb)
    digest = hashlib.sha256(open(deb, "rb").read()).hexdigest()
    print(f"{deb}: sha256 {digest}")
    if digest != KNOWN_SHA256:
        print(f"warning: not the bookworm 1.0.0-1 .deb ({KNOWN_SHA256}); counts may differ", file=sys.stderr)

    files = deb_data_files(deb, DATA_DIR)
    if "Rdata.rdx" not in files or "Rdata.rdb" not in files:
        sys.exit(f"no {DATA_DIR}Rdata.rdx / Rdata.rdb in {deb}: {sorted(files)}")
    objects = lazyload_objects(files["Rdata.rdx"], files["Rdata.rdb"])
    print(f"objects in Rdata.rdb: {', '.join(sorted(objects))}")

    texts = {}
    for novel in NOVELS:
        obj = objects.get(novel)
        if obj is None or obj.type != STRSXP:
            sys.exit(f"{novel}: missing or not a character vector")
        lines = [line for line in obj.value if line is not None and line.strip()]
        texts[novel] = lines
        write_lines(os.path.join(args.out, f"{novel}.txt"), lines)

    train = [line for novel in NOVELS if novel != args.eval_novel for line in texts[novel]]
    write_lines(os.path.join(args.out, "train.txt"), train)
    write_lines(os.path.join(args.out, "eval.txt"), texts[args.eval_novel])

    print(f"{'file':<22}{'lines':>8}{'words':>9}{'chars':>10}  first line")
    for novel in NOVELS:
        n, w, c = counts(texts[novel])
        print(f"{novel + '.txt':<22}{n:>8}{w:>9}{c:>10}  {texts[novel][0]!r}")
    for name, lines in (("train.txt", train), ("eval.txt", texts[args.eval_novel])):
        n, w, c = counts(lines)
        print(f"{name:<22}{n:>8}{w:>9}{c:>10}")
    print(f"written to {args.out} (eval: {args.eval_novel})")


if __name__ == "__main__":
    main()
