#!/usr/bin/env python3
"""make-corpus.py - regenerate fuzz/fixed/ (the valid recordings the fuzz
targets put their input into) and fuzz/corpus/ (the seed inputs) from
tests/fixtures and configs. A maintainer tool: run it from the source tree
after building asprof-batch (it uses `asprof-batch dump` to find the symbols
the trimmed recording needs), then commit the result.

    fuzz/make-corpus.py [ASPROF-BATCH]
"""
import glob
import os
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT_FIXED = os.path.join(ROOT, "fuzz", "fixed")
OUT_CORPUS = os.path.join(ROOT, "fuzz", "corpus")
HEAD = 4096  # bytes of each fixture .dat kept as a seed
SYM_LINES = 300

# ------------------------------------------------------------ helpers


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def info_file(text, feat, version=4):
    hdr = b"Ftrace!\0" + struct.pack("<IHBBQQH", version, 40, 1, 2, feat, 0x3FFF, 1024)
    hdr += b"\0" * (40 - len(hdr))
    return hdr + text.encode()


def rec(time, typ, addr, depth=0, more=0):
    w = typ | more << 2 | 5 << 3 | depth << 6 | addr << 16
    return struct.pack("<QQ", time, w)


def payload(items):
    """items: ("int", size, value) | ("str", bytes) - uftrace's layout:
    each value 4-byte aligned, strings as a 16-bit length and the bytes,
    the whole padded to 8 bytes"""
    out = b""
    for it in items:
        if it[0] == "str":
            out += struct.pack("<H", len(it[1])) + it[1]
        else:
            out += it[2]
        if len(out) % 4:
            out += b"\0" * (4 - len(out) % 4)
    if len(out) % 8:
        out += b"\0" * (8 - len(out) % 8)
    return out


def u(size, v):
    return ("int", size, v.to_bytes(size, "little", signed=v < 0))


def f64(x):
    return ("int", 8, struct.pack("<d", x))


def f32(x):
    return ("int", 4, struct.pack("<f", x))


# ------------------------------------------------------------ synthetic

BASE = 0x555500000000
LIBX = 0x7F0000000000
LIBY = 0x7F1000000000
FEAT = 1 | 2 | 8 | 16 | 32 | 64  # plthook, task session, args, retval, rel addr, max stack

SYN_INFO = """exename:/bin/prog
build_id:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
exit_status:0
cmdline:uftrace record -A f_int@arg1/i32 /bin/prog
cpuinfo:lines=2
cpuinfo:nr_cpus=2 / 2 (online/possible)
cpuinfo:desc=fuzz
meminfo:1.0 / 2.0 GB (free / total)
osinfo:lines=3
osinfo:kernel=Linux 6.1
osinfo:hostname=fuzz
osinfo:distro="Debian GNU/Linux 12 (bookworm)"
taskinfo:lines=2
taskinfo:nr_tid=2
taskinfo:tids=100,101
usageinfo:lines=6
usageinfo:systime=0.000001
usageinfo:usrtime=0.000001
usageinfo:ctxsw=1 / 1 (voluntary / involuntary)
usageinfo:maxrss=1000
usageinfo:pagefault=0 / 1 (major / minor)
usageinfo:iops=0 / 0 (read / write)
loadinfo:0.10 / 0.10 / 0.10
argspec:lines=5
argspec:f_int@arg1/i32,arg2/u,arg3/x16,arg4/o,arg5/c;f_str@arg1/s,arg2/S;^f_fl.*@fparg1,fparg2/32,fparg3/80;f_struct@arg1/t24,arg2/e:prot,arg3/p;f_ptr@arg1/p,arg2%rdi;_ZN3foo3barEi@arg1/d64;ly_*@arg1
retspec:f_str@retval/s;f_float@retval/f;f_ptr@retval/x;_ZN3foo3barEi@retval;lx_fn@retval/i16
argauto:strlen@arg1/s
retauto:strlen@retval/u
enumauto:enum prot { NONE, READ, WRITE, EXEC = 4, };
auto-args:1
record_date:Mon Jan  1 00:00:00 2024
elapsed_time:0.001000000 sec
pattern_type:regex
uftrace_version:v0.13 ( x86_64 dwarf python3 luajit tui perf sched dynamic )
"""

SYN_TASK = """SESS timestamp=1.000000000 pid=100 sid=abcd exename="/bin/prog"
TASK timestamp=1.000000100 tid=100 pid=100
TASK timestamp=1.000000200 tid=101 pid=100
DLOP timestamp=1.000000300 tid=100 sid=abcd base=7f1000000000 libname="/lib/liby.so"
"""

SYN_MAP = """555500000000-555500002000 r-xp 00000000 08:01 123                        /bin/prog build-id:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
7f0000000000-7f0000010000 r-xp 00000000 08:01 456                        /lib/libx.so build-id:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
7f0000200000-7f0000210000 r-xp 00000000 08:01 789                        /lib/libmissing.so
7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0                          [stack]
"""

SYN_SYMS = [
    (0x100, "d", "data_thing"),
    (0x1000, "T", "main"),
    (0x1100, "T", "f_int"),
    (0x1200, "T", "f_str"),
    (0x1300, "T", "f_float"),
    (0x1400, "T", "f_struct"),
    (0x1500, "t", "f_ptr"),
    (0x1600, "W", "_ZN3foo3barEi"),
    (0x1700, "T", "_RNvCs1234_7mycrate3baz"),
    (0x1780, "T", "_ZN5tokio7runtime4task3raw4poll17h0123456789abcdefE"),
    (0x1800, "P", "strlen"),
    (0x1900, "?", "__func_end"),
]


def syn_sym():
    lines = ["# symbols: %d" % len(SYN_SYMS), "# path name: /bin/prog",
             "# build-id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    lines += ["%016x %s %s" % s for s in SYN_SYMS]
    return "\n".join(lines) + "\n"


def sized_sym(path, bid, syms):
    """the newer format: address, size, type, name"""
    lines = ["# symbols: %d" % len(syms), "# path name: %s" % path]
    if bid:
        lines.append("# build-id: %s" % bid)
    lines += ["%016x %08x %s %s" % s for s in syms]
    return "\n".join(lines) + "\n"


def syn_dat100():
    t = 1000001000
    out = b""

    def step():
        nonlocal t
        t += 100
        return t

    main, fint, fstr, ffl = BASE + 0x1000, BASE + 0x1100, BASE + 0x1200, BASE + 0x1300
    fst, fptr, foo, rust, strlen_ = BASE + 0x1400, BASE + 0x1500, BASE + 0x1600, BASE + 0x1700, BASE + 0x1800
    out += rec(step(), 0, main, 0)
    out += rec(step(), 0, fint, 1, 1) + payload([u(4, -7), u(8, 42), u(2, 0xBEEF), u(8, 0o755), u(1, 0x41)])
    out += rec(step(), 1, fint, 1)
    out += rec(step(), 0, fstr, 1, 1) + payload([("str", b"hello \"world\"\n"), ("str", b"std\xff\xfe")])
    out += rec(step(), 1, fstr, 1, 1) + payload([("str", b"ret")])
    out += rec(step(), 0, ffl, 1, 1) + payload([f64(1.5), f32(-2.25), ("int", 10, b"\x01" * 10)])
    out += rec(step(), 1, ffl, 1, 1) + payload([f64(3.0e300)])
    out += rec(step(), 0, fst, 1, 1) + payload([("int", 24, bytes(range(24))), u(4, 5), u(8, BASE)])
    out += rec(step(), 1, fst, 1)
    out += rec(step(), 0, fptr, 1, 1) + payload([u(8, 0x7FFD00000010), u(8, 9)])
    out += rec(step(), 1, fptr, 1, 1) + payload([u(8, 0xDEADBEEF)])
    out += rec(step(), 0, foo, 1, 1) + payload([u(8, -1)])
    out += rec(step(), 1, foo, 1, 1) + payload([u(8, 77)])
    out += rec(step(), 0, rust, 1)
    out += rec(step(), 0, BASE + 0x1780, 2)
    out += rec(step(), 1, BASE + 0x1780, 2)
    out += rec(step(), 1, rust, 1)
    out += rec(step(), 0, strlen_, 1, 1) + payload([("str", b"abc")])
    out += rec(step(), 1, strlen_, 1, 1) + payload([u(8, 3)])
    out += rec(step(), 0, LIBX + 0x1010, 1)
    out += rec(step(), 1, LIBX + 0x1010, 1, 1) + payload([u(2, 0x7FFF)])
    out += rec(step(), 0, LIBY + 0x20, 1, 1) + payload([u(8, 1)])
    out += rec(step(), 1, LIBY + 0x20, 1)
    out += rec(step(), 0, LIBX + 0x200010, 1)  # libmissing.so: no symbols
    out += rec(step(), 1, LIBX + 0x200010, 1)
    out += rec(step(), 0, BASE + 0x1000 + 0x80, 1, 1) + b"\x11" * 16  # data without a layout
    out += rec(step(), 1, BASE + 0x1000 + 0x80, 1)
    out += rec(step(), 2, 3, 1)  # LOST, 3 records
    ev = b"sched-out"
    out += rec(step(), 3, 200001, 1, 1) + struct.pack("<H", len(ev)) + ev + b"\0" * ((-(len(ev) + 2)) % 8)
    out += rec(step(), 0, 0x1234, 1)  # unmapped
    out += rec(step(), 1, 0x1234, 1)
    out += rec(step(), 1, main, 0)
    return out


def syn_dat101():
    t = 1000001050
    out = rec(t, 0, BASE + 0x1100, 0, 1) + payload([u(4, 1), u(8, 2), u(2, 3), u(8, 4), u(1, 0x7A)])
    out += rec(t + 300, 1, BASE + 0x1100, 0)
    out += rec(t + 400, 0, BASE + 0x1200, 0, 1) + payload([("str", b""), ("str", b"x" * 40)])
    out += rec(t + 500, 1, BASE + 0x1200, 0, 1) + payload([("str", b"y")])
    return out


def make_synthetic():
    d = os.path.join(OUT_FIXED, "synthetic")
    shutil.rmtree(d, ignore_errors=True)
    write(os.path.join(d, "info"), info_file(SYN_INFO, FEAT))
    write(os.path.join(d, "task.txt"), SYN_TASK)
    write(os.path.join(d, "sid-abcd.map"), SYN_MAP)
    write(os.path.join(d, "prog.sym"), syn_sym())
    write(os.path.join(d, "libx.so.sym"), sized_sym("/lib/libx.so", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                                                   [(0x1000, 0x40, "T", "lx_fn"), (0x1040, 0x20, "t", "lx_local"),
                                                    (0x1040, 0x20, "t", "lx_alias")]))
    write(os.path.join(d, "liby.so.sym"), sized_sym("/lib/liby.so", None,
                                                   [(0x10, 0x30, "T", "ly_open"), (0x40, 0x10, "W", "ly_close")]))
    write(os.path.join(d, "100.dat"), syn_dat100())
    write(os.path.join(d, "101.dat"), syn_dat101())
    return d


# ------------------------------------------------------------ tokio (real, trimmed)


def make_tokio(asprof):
    src = os.path.join(FIX, "tokio_mt_args")
    d = os.path.join(OUT_FIXED, "tokio")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    info = read(os.path.join(src, "info"))
    text = b"".join(l for l in info[40:].splitlines(True) if not l.startswith(b"cmdline:"))
    write(os.path.join(d, "info"), info[:40] + text)
    for name in ["task.txt"] + [os.path.basename(p) for p in glob.glob(os.path.join(src, "sid-*.map"))]:
        shutil.copy(os.path.join(src, name), d)
    for p in glob.glob(os.path.join(src, "[0-9]*.dat")):
        write(os.path.join(d, os.path.basename(p)), read(p)[:HEAD])
    # only the symbols those heads use, each with the next line (its end)
    shutil.copy(os.path.join(src, "tokio_mt.sym"), d)
    out = subprocess.run([asprof, "dump", "--mangled", d], capture_output=True, check=True).stdout
    used = {l.split(b"\t")[0].split(b" ", 4)[4] for l in out.splitlines() if l.count(b" ") >= 4}
    sym = read(os.path.join(src, "tokio_mt.sym")).splitlines(True)
    keep = set(range(3))
    for i, l in enumerate(sym):
        parts = l.rstrip(b"\n").split(b" ", 2)
        if len(parts) == 3 and parts[2] in used:
            keep.update((i, i + 1))
    write(os.path.join(d, "tokio_mt.sym"), b"".join(sym[i] for i in sorted(keep) if i < len(sym)))
    return d


# ------------------------------------------------------------ seeds


SYN_DBG = (b"# path name: /bin/prog\n# build-id: " + b"a" * 40 + b"\n"
           b"F: 1000 main\nL: 3 src/main.rs\nF: 1100 f_int\nL: 10 src/main.rs\nA: arg1/i32\n"
           b"F: 1600 foo::bar(int)\nL: 22 src/foo.cc\nF: 1700 _RNvCs1234_7mycrate3baz\n"
           b"L: 41 mycrate/src/lib.rs\nE: enum e {A=0,B=1}\n")


def seed(target, name, data):
    write(os.path.join(OUT_CORPUS, target, name), data)


def make_corpus(syn, tok):
    shutil.rmtree(OUT_CORPUS, ignore_errors=True)
    fixtures = sorted(p for p in glob.glob(os.path.join(FIX, "*")) if os.path.isfile(os.path.join(p, "info")))
    argspecs = set()
    syms_seen = set()
    for fx in fixtures:
        n = os.path.basename(fx)
        info = read(os.path.join(fx, "info"))
        seed("fuzz-info", n, info)
        for line in info[40:].splitlines():
            for key in (b"argspec:", b"retspec:", b"argauto:", b"retauto:"):
                if line.startswith(key) and not line.startswith(b"argspec:lines"):
                    for item in line[len(key):].split(b";"):
                        if b"@" in item:
                            argspecs.add(item.rsplit(b"@", 1)[1])
        seed("fuzz-task", n, read(os.path.join(fx, "task.txt")))
        for m in glob.glob(os.path.join(fx, "sid-*.map")):
            seed("fuzz-map", n, read(m))
        for p in sorted(glob.glob(os.path.join(fx, "[0-9]*.dat"))):
            seed("fuzz-dat", "%s-%s" % (n, os.path.basename(p)), read(p)[:HEAD])
        for p in sorted(glob.glob(os.path.join(fx, "perf-cpu*.dat"))):
            if os.path.getsize(p):
                seed("fuzz-perf", "%s-%s" % (n, os.path.basename(p)), read(p)[:HEAD])
        for p in sorted(glob.glob(os.path.join(fx, "*.sym"))):
            b = os.path.basename(p)
            if b in syms_seen:
                continue
            syms_seen.add(b)
            seed("fuzz-sym", b, b"".join(read(p).splitlines(True)[:SYM_LINES]))
        for p in sorted(glob.glob(os.path.join(fx, "*.dbg"))):
            if os.path.getsize(p) > 200:  # more than the header
                seed("fuzz-dbg", "%s-%s" % (n, os.path.basename(p)),
                     b"".join(read(p).splitlines(True)[:SYM_LINES]))
    for p in sorted(glob.glob(os.path.join(tok, "*.dat"))):
        seed("fuzz-dat", "tokio-" + os.path.basename(p), read(p))
    for p in sorted(glob.glob(os.path.join(FIX, "*_args", "[0-9]*.dat"))):
        seed("fuzz-dat-args", "%s-%s" % (os.path.basename(os.path.dirname(p)), os.path.basename(p)),
             read(p)[:HEAD])
    seed("fuzz-dat-args", "synthetic-100.dat", read(os.path.join(syn, "100.dat")))
    seed("fuzz-dat-args", "synthetic-101.dat", read(os.path.join(syn, "101.dat")))
    seed("fuzz-dat", "synthetic-100.dat", read(os.path.join(syn, "100.dat")))
    seed("fuzz-info", "synthetic", read(os.path.join(syn, "info")))
    seed("fuzz-task", "synthetic", read(os.path.join(syn, "task.txt")))
    seed("fuzz-map", "synthetic", read(os.path.join(syn, "sid-abcd.map")))
    for s in ("prog.sym", "libx.so.sym", "liby.so.sym"):
        seed("fuzz-sym", "synthetic-" + s, read(os.path.join(syn, s)))
    # source lines of the synthetic program (its symbols' addresses)
    seed("fuzz-dbg", "synthetic-prog.dbg", SYN_DBG)
    # argspec: "SPEC\nPAYLOAD"
    body = payload([u(4, -3), ("str", b"hi"), u(8, 1 << 40), f64(0.5), ("int", 24, bytes(24))])
    specs = sorted(argspecs) + [b"arg1/i32,arg2/s,arg3,fparg1,arg4/t24,retval/x16",
                                b"arg1/c,arg2/S,arg3/e:prot,fparg2/80,retval/f32", b"arg1%rdi,arg2/o64,retval/u8"]
    for i, s in enumerate(specs):
        seed("fuzz-argspec", "spec-%02d" % i, s + b"\n" + body)
    for p in sorted(glob.glob(os.path.join(ROOT, "configs", "*.yaml"))):
        seed("fuzz-rules", os.path.basename(p), read(p))
    seed("fuzz-rules", "anchors.yaml",
         b"blocking: &b {warning: 5ms, error: 50ms}\noverrides:\n  - match: \"*Handler*\"\n"
         b"    <<: *b\n  - {match: 'x', ignore: true}\ncompare: {metric: p99, min_change: 5%}\n"
         b"fail_on: [warning, regression]\n")


def summary_seeds(asprof):
    """fuzz-summary: a run's summary.json and a batch's of two runs"""
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        subprocess.run([asprof, "-q", "-o", t, "--outputs", "run-summary,summary",
                        os.path.join(FIX, "tokio_ct"), os.path.join(FIX, "smol")],
                       check=False, stdout=subprocess.DEVNULL)
        seed("fuzz-summary", "run-tokio_ct.json", read(os.path.join(t, "runs", "tokio_ct", "summary.json")))
        seed("fuzz-summary", "batch.json", read(os.path.join(t, "summary.json")))


def main():
    asprof = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "asprof-batch")
    syn = make_synthetic()
    tok = make_tokio(asprof)
    make_corpus(syn, tok)
    summary_seeds(asprof)
    total = sum(os.path.getsize(os.path.join(dp, f)) for top in (OUT_FIXED, OUT_CORPUS)
                for dp, _, fs in os.walk(top) for f in fs)
    print("fuzz/fixed + fuzz/corpus: %d bytes" % total)


if __name__ == "__main__":
    main()
