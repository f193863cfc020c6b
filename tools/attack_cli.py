#!/usr/bin/env python3
"""Runs the built command line over a corpus of bad inputs and tallies how each one ended.

Usage: python3 tools/attack_cli.py [path/to/Backprop.Cli.dll] [--quick]

Every input is one `dotnet Backprop.Cli.dll ...` run, limited to 120 s. Outcomes, by exit code and stderr shape:
  clear error  non-zero exit, stderr with no stack trace ("   at " frames)
  stack trace  stderr shows a .NET stack trace (an unhandled exception)
  abort        killed by a signal or exit code >= 128 other than 130 (stack overflow prints 134)
  timeout      still running after the limit
  accepted     exit 0 (for a bad input this needs a look: the category says which are expected to load)
Peak memory is the largest resident set of any run in the category (wait4's ru_maxrss).
"""
import gzip, json, os, random, shutil, struct, subprocess, sys, tempfile, time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = next((a for a in sys.argv[1:] if a.endswith(".dll")),
           os.path.join(ROOT, "src/Backprop.Cli/bin/Release/net10.0/Backprop.Cli.dll"))
QUICK = "--quick" in sys.argv
LIMIT = 120
rng = random.Random(9)
work = tempfile.mkdtemp(prefix="backprop-attack-")
results = defaultdict(lambda: defaultdict(int))
peak = defaultdict(int)
longest = defaultdict(float)
failures = []
accepted = []  # bad checkpoints that loaded: each needs a look


def run(category, args, note=""):
    start = time.time()
    with open(os.path.join(work, "err"), "wb") as err:
        p = subprocess.Popen(["dotnet", CLI] + args, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, cwd=work)
        deadline = start + LIMIT
        status = None
        while status is None:
            pid, st, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                status = st
                break
            if time.time() > deadline:
                p.kill()
                _, st, usage = os.wait4(p.pid, 0)
                status = "timeout"
                break
            time.sleep(0.02)
    elapsed = time.time() - start
    stderr = open(os.path.join(work, "err"), "rb").read().decode("utf-8", "replace")
    if status == "timeout":
        outcome = "timeout"
    elif os.WIFSIGNALED(status) or (os.WEXITSTATUS(status) >= 128 and os.WEXITSTATUS(status) != 130):
        outcome = "abort"
    elif "\n   at " in stderr:
        outcome = "stack trace"
    elif os.WEXITSTATUS(status) == 0:
        outcome = "accepted"
    else:
        outcome = "clear error"
    results[category][outcome] += 1
    results[category]["tried"] += 1
    peak[category] = max(peak[category], usage.ru_maxrss)
    longest[category] = max(longest[category], elapsed)
    if outcome in ("abort", "stack trace", "timeout"):
        failures.append((category, note or " ".join(args)[:120], outcome, stderr.strip().splitlines()[:1]))
    elif outcome == "accepted" and category.startswith("checkpoint"):
        accepted.append((category, note))
    return outcome


def write(name, data):
    path = os.path.join(work, name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


# ---- programs (explain) -------------------------------------------------------------------------------------------
def programs():
    # (text, values for --at): the big ones are real programs that must be explained, not refused.
    texts = [
        ("(" * 14000 + "x" + ")" * 14000, None), ("-" * 70000 + "x", None), ("2^" * 20000 + "x", None),
        ("exp(" * 10000 + "x" + ")" * 10000, None),
        ("y = " + " + ".join(["x"] * 5000), "x=1"), ("".join("x = x + 1\n" for _ in range(20000)), "x=1"),
        ("y = " + " + ".join(["x"] * 50000), "x=1"), ("y = " + " * ".join(["x"] * 20000), "x=1"),
        ("", None), (";;;", None), ("x = ", None), ("= 1", None), ("x = y = 1", None), ("ln(", None), ("foo(1)", None),
        ("\x1b[31mx\x01", None), ("y = 1e999 * x", "x=1"), ("y = x/0", "x=1"), ("y = ln(x)", "x=0"), ("y = sqrt(x)", "x=-1"),
    ]
    alphabet = "xyab0123456789.+-*/^()=,;# \n\x01\x1b"
    for _ in range(15 if QUICK else 60):
        texts.append(("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))), None))
    for text, values in texts:
        path = write("program.txt", text)
        args = ["explain", "--file", path] + (["--at", values] if values else [])
        run("program text (explain)", args, note=repr(text[:40]))
    sum100 = write("sum100.txt", "y = " + " + ".join(f"x{i}" for i in range(100)))
    run("program text (explain)", ["explain", "--file", sum100, "--at", ",".join(f"x{i}=1" for i in range(100)),
                                   "--out", os.path.join(work, "sum100.svg")], note="100-input sum picture")
    run("program text (explain)", ["solve", "--file", write("sum.txt", "y = " + " + ".join(["x"] * 5000)), "--at", "x=1",
                                   "--target", "7", "--vary", "x"], note="solve a 5000-term sum")


# ---- checkpoints (eval, train --resume) ----------------------------------------------------------------------------
def read_safetensors(raw):
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def write_safetensors(header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def checkpoints():
    base = os.path.join(work, "base")
    subprocess.run(["dotnet", CLI, "train", "--data", "digits", "--model", "mlp:16+bn", "--epochs", "1", "--threads", "1", "--out", base],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    good = open(os.path.join(base, "model.safetensors"), "rb").read()
    header, data = read_safetensors(good)
    meta = header["__metadata__"]
    crafted = []

    def with_meta(**changes):
        h = json.loads(json.dumps(header))
        h["__metadata__"].update(changes)
        return write_safetensors(h, data)

    crafted += [with_meta(model_spec="mlp:30000,30000"), with_meta(num_classes="0"), with_meta(num_classes="2000000000"),
                with_meta(input_shape="[1000000000000]"), with_meta(input_shape="[0]"), with_meta(dtype="float16"),
                with_meta(training_config="{not json"), with_meta(training_config="[" * 200 + "]" * 200),
                with_meta(training_config=json.dumps(dict(json.loads(meta["training_config"]), batch_size=0))),
                with_meta(training_config=json.dumps(dict(json.loads(meta["training_config"]), epochs=-1))),
                with_meta(generator_state="zz"), with_meta(format="other")]
    # An I64 buffer beyond int32.
    h = json.loads(json.dumps(header))
    for name, entry in h.items():
        if name != "__metadata__" and entry["dtype"] == "I64":
            b, e = entry["data_offsets"]
            crafted.append(write_safetensors(h, data[:b] + struct.pack("<q", 1 << 40) + data[e:]))
            break
    crafted += [struct.pack("<Q", 1 << 63) + b"{}", struct.pack("<Q", 10 ** 12) + b"{}", b"", b"\x00" * 7, good[: len(good) // 2]]
    flips = 10 if QUICK else 40
    for i in range(flips):  # bit flips in the tensor data: must be "checkpoint corrupted"
        raw = bytearray(good)
        raw[rng.randrange(len(good) - len(data), len(good))] ^= 1 << rng.randrange(8)
        crafted.append(bytes(raw))
    notes = {}
    for i in range(flips):  # bit flips in the header
        raw = bytearray(good)
        at = rng.randrange(8, len(good) - len(data))
        before = raw[at]
        raw[at] ^= 1 << rng.randrange(8)
        notes[len(crafted)] = f"header byte {at}: {bytes([before])!r} -> {bytes([raw[at]])!r} in ...{good[max(8, at - 20):at + 20]!r}"
        crafted.append(bytes(raw))
    for i, raw in enumerate(crafted):
        path = write("bad.safetensors", raw)
        run("checkpoint (eval)", ["eval", path], note=notes.get(i, f"crafted #{i}"))
        if i % 3 == 0:
            run("checkpoint (train --resume)", ["train", "--resume", path, "--epochs", "2", "--threads", "1", "--out", os.path.join(work, "resumed")], note=f"crafted #{i}")
    for path in ["/dev/zero", work, os.path.join(work, "missing.safetensors")]:
        run("checkpoint (eval)", ["eval", path], note=path)


# ---- CSV and IDX (train) ------------------------------------------------------------------------------------------
def data_files():
    rows = "".join(f"{i % 5}.5,{i % 3},{i % 4}\n" for i in range(400))
    csvs = ["1,0\n2,5000000\n", "1,0\n2,2000000000\n", "1,0\n2,-1\n", "1,NaN,0\n", "a,b\n", "", "1,2,3\n1,2\n", "\x00\x1b[2J,1\n",
            "1," * 100000 + "0\n"]
    for text in csvs:
        run("csv (train)", ["train", "--data", "csv", write("bad.csv", text), "--epochs", "1"], note=repr(text[:30]))
    whole = gzip.compress(rows.encode())
    for cut in [8, 4, len(whole) // 2, 12]:
        run("csv (train)", ["train", "--data", "csv", write("bad.csv.gz", whole[:-cut]), "--epochs", "1"], note=f"gzip cut {cut}")
    for _ in range(10 if QUICK else 40):
        raw = bytearray(rows.encode())
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.choice(b"0123456789,.-e\n \x00")
        run("csv (train)", ["train", "--data", "csv", write("bad.csv", bytes(raw)), "--epochs", "1"], note="mutated csv")

    def idx(magic, dims, payload):
        return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload

    good_images = idx(0x803, [10, 28, 28], bytes(rng.randrange(256) for _ in range(7840)))
    good_labels = idx(0x801, [10], bytes(range(10)))
    cases = [(idx(0x803, [100000, 10000, 10000], b""), good_labels), (good_images, idx(0x801, [4000000000], b"")),
             (good_images[:-1], good_labels), (good_images, good_labels[:-1]), (good_images, idx(0x801, [10], bytes([200] * 10))),
             (gzip.compress(good_images)[:-8], good_labels), (gzip.compress(idx(0x803, [60000, 200, 200], b"")), good_labels)]
    for _ in range(10 if QUICK else 40):
        raw = bytearray(good_images)
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(16)] = rng.randrange(256)
        cases.append((bytes(raw), good_labels))
    for images, labels in cases:
        d = os.path.join(work, "idx")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name in ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte"]:
            write(os.path.join("idx", name), images)
        for name in ["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"]:
            write(os.path.join("idx", name), labels)
        run("idx (train --data mnist)", ["train", "--data", "mnist", d, "--epochs", "1", "--model", "linear"], note="idx case")


try:
    programs()
    checkpoints()
    data_files()
finally:
    print("| category | inputs tried | clear errors | accepted (exit 0) | stack traces | aborts | timeouts | peak memory | longest run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for category, counts in results.items():
        print(f"| {category} | {counts['tried']} | {counts['clear error']} | {counts['accepted']} | {counts['stack trace']} | {counts['abort']} "
              f"| {counts['timeout']} | {peak[category] // 1024} MB | {longest[category]:.1f} s |")
    for failure in failures:
        print("FAILURE", *failure)
    for item in accepted:
        print("ACCEPTED", *item)
    shutil.rmtree(work, ignore_errors=True)
