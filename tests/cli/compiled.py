#!/usr/bin/env python3
"""The compiled engine through the CLI, on small models made here:

- `compile` once, `run` the .so at two shapes: outputs equal `run --engine
  reference` (and `run MODEL.onnx`, compiled in memory) within 1e-4 / 1e-3;
- a model with two inputs sharing a named dim: wrong rank, dtype, dim and a
  disagreeing shared dim each fail with exit code 1 and one line naming the
  input, the dim and the values;
- a .so whose executable blob has one byte flipped is rejected (checksum);
- `run --stats`: planned <= unplanned activation bytes, kernel calls > 0,
  figures that grow with the input shape;
- `check --engine compiled` and `check --module` on a backend-test folder,
  a wrong expected output failing;
- `dump --stage relax-legal|tir|llvm`; usage errors exit 2.

usage: compiled.py SHAPEBRIDGE DEMO_MODEL_SCRIPT
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from cli_harness import check, failures, run

MAKE_DEMO = sys.argv[2]



def shared_dim_model(path):
    """Z = Relu(X + Y) @ W: X, Y float32[n, 4], W [4, 3]."""
    w = np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.5
    g = helper.make_graph(
        [helper.make_node("Add", ["X", "Y"], ["S"]),
         helper.make_node("Relu", ["S"], ["R"]),
         helper.make_node("MatMul", ["R", "W"], ["Z"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["n", 4]),
         helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("Z", TensorProto.FLOAT, ["n", 3])],
        [numpy_helper.from_array(w, "W")])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return w


def one_line_error(p, *parts):
    lines = p.stderr.strip().splitlines()
    check(len(lines) == 1, f"expected one line on stderr, got: {p.stderr!r}")
    for part in parts:
        check(part in p.stderr, f"'{part}' not in {p.stderr!r}")


def stats_of(out):
    def num(label):
        m = re.search(label + r"\s+(\d+) bytes", out)
        return int(m.group(1)) if m else None
    m = re.search(r"kernel calls per run\s+(\d+)", out)
    return num("planned activations"), num("unplanned activations"), int(m.group(1)) if m else None


def main():
    tmp = tempfile.mkdtemp(prefix="sbcli-")
    demo = os.path.join(tmp, "small_cnn.onnx")
    subprocess.run(["/usr/bin/python3", MAKE_DEMO, demo], check=True, capture_output=True)
    so = os.path.join(tmp, "small_cnn.so")
    run("compile", demo, "-o", so)

    # .so at two shapes == reference == .onnx compiled in memory.
    for shape in ("1x3x32x32", "3x3x40x24"):
        outs = {}
        for tag, args in (("so", [so]), ("ref", [demo, "--engine", "reference"]), ("onnx", [demo])):
            d = os.path.join(tmp, f"out-{tag}-{shape}")
            run("run", *args, "--input", f"input={shape}", "--seed", "3", "--output", d)
            f = os.path.join(d, "logits.npy")
            outs[tag] = np.load(f) if os.path.exists(f) else None
        check(all(v is not None for v in outs.values()), f"missing outputs at {shape}")
        if all(v is not None for v in outs.values()):
            n = int(shape.split("x")[0])
            check(outs["so"].shape == (n, 10), f"shape {outs['so'].shape} at {shape}")
            check(np.allclose(outs["so"], outs["ref"], atol=1e-4, rtol=1e-3),
                  f".so differs from the reference at {shape}")
            check(np.array_equal(outs["so"], outs["onnx"]), f".so differs from .onnx at {shape}")

    # --input takes a TensorProto .pb as well as a .npy: same output.
    x = np.random.default_rng(5).standard_normal((2, 3, 32, 32)).astype(np.float32)
    np.save(os.path.join(tmp, "x.npy"), x)
    with open(os.path.join(tmp, "x.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "input").SerializeToString())
    got = {}
    for ext in ("npy", "pb"):
        d = os.path.join(tmp, f"out-file-{ext}")
        run("run", so, "--input", f"input={os.path.join(tmp, 'x.' + ext)}", "--output", d)
        f = os.path.join(d, "logits.npy")
        got[ext] = np.load(f) if os.path.exists(f) else None
    check(got["npy"] is not None and got["pb"] is not None and
          np.array_equal(got["npy"], got["pb"]), "--input .pb differs from .npy")
    with open(os.path.join(tmp, "bad.pb"), "wb") as f:
        f.write(b"garbage")
    one_line_error(run("run", so, "--input", f"input={os.path.join(tmp, 'bad.pb')}", expect=1),
                   "input 'input'", "bad.pb")

    # --stats at two shapes.
    small = run("run", so, "--input", "input=1x3x32x32", "--stats").stdout
    big = run("run", so, "--input", "input=4x3x64x64", "--stats").stdout
    ps, us, ks = stats_of(small)
    pb, ub, kb = stats_of(big)
    check(None not in (ps, us, ks, pb, ub, kb), f"--stats output incomplete:\n{small}\n{big}")
    if None not in (ps, us, ks, pb, ub, kb):
        check(ps <= us and pb <= ub, f"planned exceeds unplanned:\n{small}\n{big}")
        check(ks > 0 and ks == kb, f"kernel calls {ks} / {kb}")
        check(ub > us and pb > ps, "stats do not grow with the shape")
    one = run("run", so, "--input", "input=1x3x32x32", "--threads", "1").stdout
    check("(1 thread)" in one, f"--threads 1 not in effect:\n{one}")
    run("run", so, "--input", "input=1x3x32x32", "--threads", "0", expect=2)
    onnx_stats = run("run", demo, "--input", "input=1x3x32x32", "--stats").stdout
    check(stats_of(onnx_stats) == (ps, us, ks), f".onnx --stats differs from .so:\n{onnx_stats}")
    run("run", demo, "--engine", "reference", "--stats", expect=2)

    # Input errors on a model with a shared named dim.
    sd = os.path.join(tmp, "shared.onnx")
    w = shared_dim_model(sd)
    sdso = os.path.join(tmp, "shared.so")
    run("compile", sd, "-o", sdso)
    p = run("run", sdso, "--input", "X=3x4x1", "--input", "Y=3x4", expect=1)
    one_line_error(p, "input 'X'", "expected rank 2, got rank 3")
    ints = os.path.join(tmp, "ints.npy")
    np.save(ints, np.ones((3, 4), dtype=np.int32))
    p = run("run", sdso, "--input", "X=3x4", "--input", f"Y={ints}", expect=1)
    one_line_error(p, "input 'Y'", "expected dtype float32, got int32")
    p = run("run", sdso, "--input", "X=3x5", "--input", "Y=3x4", expect=1)
    one_line_error(p, "input 'X' dim 1", "expected 4, got 5")
    p = run("run", sdso, "--input", "X=3x4", "--input", "Y=2x4", expect=1)
    one_line_error(p, "input 'Y' dim 0 (n)", "expected 3, got 2")
    p = run("run", sd, "--input", "X=3x4", "--input", "Y=2x4", expect=1)  # in memory: the same
    one_line_error(p, "input 'Y' dim 0 (n)", "expected 3, got 2")

    # A byte flipped inside the executable blob.
    data = bytearray(open(sdso, "rb").read())
    at = None
    for m in re.finditer(b"SBVM", data):
        length = int.from_bytes(data[m.start() + 8:m.start() + 16], "little")
        if 16 < length and m.start() + 24 + length <= len(data):
            at = m.start() + 24 + length // 2
            break
    check(at is not None, "no executable blob found in the .so")
    if at is not None:
        data[at] ^= 0x5A
        bad = os.path.join(tmp, "corrupt.so")
        open(bad, "wb").write(data)
        p = run("run", bad, "--input", "X=3x4", "--input", "Y=3x4", expect=1)
        one_line_error(p, "checksum mismatch")

    # check: a backend-test folder made from numpy.
    case = os.path.join(tmp, "case")
    for k, n in enumerate((2, 5)):
        sdir = os.path.join(case, f"test_data_set_{k}")
        os.makedirs(sdir)
        rng = np.random.default_rng(k)
        x = rng.standard_normal((n, 4)).astype(np.float32)
        y = rng.standard_normal((n, 4)).astype(np.float32)
        z = np.maximum(x + y, 0) @ w
        for name, arr, f in (("X", x, "input_0"), ("Y", y, "input_1"), ("Z", z, "output_0")):
            open(os.path.join(sdir, f + ".pb"), "wb").write(
                numpy_helper.from_array(arr, name).SerializeToString())
    os.rename(sd, os.path.join(case, "model.onnx"))
    for args in (["--engine", "compiled"], ["--module", sdso], ["--engine", "reference"]):
        p = run("check", case, *args)
        check("1 passed, 0 failed, 0 skipped" in p.stdout, f"check {args}: {p.stdout}")
    z = numpy_helper.to_array(onnx.load_tensor(os.path.join(case, "test_data_set_1/output_0.pb")))
    z = z.copy()
    z[1, 2] += 1.0
    open(os.path.join(case, "test_data_set_1/output_0.pb"), "wb").write(
        numpy_helper.from_array(z, "Z").SerializeToString())
    p = run("check", case, "--module", sdso, expect=1)
    check("FAIL" in p.stdout and "test_data_set_1" in p.stdout and "at [1,2]" in p.stdout,
          f"check of a wrong output: {p.stdout}")

    # dump stages.
    legal = run("dump", demo, "--stage", "relax-legal").stdout
    check("relax.call_tir(@" in legal and "relax.conv2d" not in legal, "relax-legal is not legalized")
    check("@func " in legal, "relax-legal lists no PrimFunc")
    tir = run("dump", demo, "--stage", "tir").stdout
    check("@func " in tir and "for (" in tir, "tir dump has no loops")
    llvm = run("dump", demo, "--stage", "llvm").stdout
    check("define i32 @" in llvm, "llvm dump has no packed entry")

    # --bound: a chain whose intermediates share storage planned for n <= 8;
    # n = 9 is refused with the model's words, not a generated function's name.
    chain = os.path.join(tmp, "chain.onnx")
    g = helper.make_graph(
        [helper.make_node("Relu", ["X"], ["A"]), helper.make_node("Exp", ["A"], ["B"]),
         helper.make_node("Neg", ["B"], ["C"]), helper.make_node("Abs", ["C"], ["Y"])], "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["n", 4])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), chain)
    chain_so = os.path.join(tmp, "chain.so")
    run("compile", chain, "-o", chain_so, "--bound", "n=8")
    run("run", chain_so, "--input", "X=8x4")
    p = run("run", chain_so, "--input", "X=9x4", expect=1)
    one_line_error(p, "shape variable n is larger than 8", "--bound n=8")
    check("_shape" not in p.stderr, f"a generated function's name in {p.stderr!r}")

    # Usage.
    run("compile", demo, expect=2)
    run("compile", "--help")
    run("compile", demo, "-o", os.path.join(tmp, "x.so"), "--bound", "nope", expect=2)
    p = run("compile", demo, "-o", os.path.join(tmp, "x.so"), "--bound", "seq=8", expect=1)
    one_line_error(p, "stage bridge", "no input dim named 'seq'")
    run("run", so, "--engine", "reference", expect=2)
    run("run", so, "--engine", "fast", expect=2)
    run("check", case, "--engine", "fast", expect=2)
    run("dump", demo, "--stage", "nope", expect=2)

    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    print("all CLI checks of the compiled engine passed")
    subprocess.run(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
