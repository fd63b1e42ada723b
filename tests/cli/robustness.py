#!/usr/bin/python3
"""Bad input never crashes shapebridge.

Feeds corrupted models (truncated at many offsets, byte-flipped, fields of
the wrong wire type, semantically broken graphs) to `dump`, `run` and
`check`, and inputs of the wrong rank, dtype or size to `run` and `check`.
Every case must exit with code 1 and print a one-line message on stderr that
says what was wrong; a signal, exit code 0 or a multi-line dump fails the
test.  Corruptions that still decode to a valid, runnable model may exit 0:
they are counted separately.

usage: robustness.py SHAPEBRIDGE MODEL_DIR... (a folder with model.onnx and
test_data_set_0, e.g. the zoo's mobilenet_v2 and bert_mini)
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

failures = []
counts = {"error": 0, "ok": 0}


def run(args, what, allow_ok=False, timeout=300):
    p = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout)
    err = p.stderr.strip()
    if p.returncode == 0 and allow_ok:
        counts["ok"] += 1
        return
    problem = None
    if p.returncode < 0 or p.returncode > 2:
        problem = f"exit code {p.returncode} (crash?)"
    elif p.returncode != 1:
        problem = f"exit code {p.returncode}, expected 1"
    elif not err:
        problem = "no message on stderr"
    elif len(err.splitlines()) != 1:
        problem = f"message is {len(err.splitlines())} lines"
    if problem:
        failures.append(f"{what}: {problem}; stderr: {err[:400]!r}")
    else:
        counts["error"] += 1


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    sb = sys.argv[1]
    dirs = [d for d in sys.argv[2:] if os.path.isfile(os.path.join(d, "model.onnx"))]
    if not dirs:
        print("no model folders given or found")
        return 1 if os.environ.get("CI") == "true" else 77
    rng = random.Random(1234)
    tmp = tempfile.mkdtemp(prefix="sb-robust-")
    try:
        for d in dirs:
            name = os.path.basename(os.path.normpath(d))
            blob = open(os.path.join(d, "model.onnx"), "rb").read()
            bad = os.path.join(tmp, "bad.onnx")
            # Truncations: the head (where the graph structure is) densely,
            # then spread over the rest.
            offsets = sorted(set([0, 1, 2, 5, 10, 17, 50, 100, 500, 1000, 5000] +
                                 [rng.randrange(len(blob)) for _ in range(20)] + [len(blob) - 1]))
            for off in offsets:
                write(bad, blob[:off])
                run([sb, "dump", bad, "--stage", "relay"], f"{name} truncated at {off}",
                    allow_ok=False)
            # Byte flips in the first 64 KiB (graph structure, names, attributes).
            for i in range(40):
                data = bytearray(blob)
                for _ in range(rng.randint(1, 4)):
                    pos = rng.randrange(min(len(data), 65536))
                    data[pos] ^= 1 << rng.randrange(8)
                write(bad, bytes(data))
                run([sb, "dump", bad, "--stage", "relay"], f"{name} byte flips #{i}", allow_ok=True)
            # Wrong wire type for ModelProto.graph (field 7): length-delimited
            # tag 0x3a rewritten as a varint tag 0x38.
            pos = blob.find(b"\x3a")
            if pos >= 0:
                data = bytearray(blob)
                data[pos] = 0x38
                write(bad, bytes(data))
                run([sb, "dump", bad, "--stage", "relay"], f"{name} graph field with wrong wire type")

            model = onnx.load(os.path.join(d, "model.onnx"))
            semantic_cases(sb, tmp, name, model)
            input_cases(sb, tmp, d, name, model)
        demo_graph_cases(sb, tmp)
    finally:
        shutil.rmtree(tmp)
    print(f"{counts['error']} bad inputs rejected with a one-line message, "
          f"{counts['ok']} corruptions still formed a valid model")
    for f in failures:
        print("FAIL", f)
    print(f"{counts['error'] + counts['ok']} passed, {len(failures)} failed")
    return 1 if failures else 0


def save(model, path):
    onnx.save(model, path)


def semantic_cases(sb, tmp, name, model):
    bad = os.path.join(tmp, "sem.onnx")
    g = model.graph

    def case(what, mutate):
        m = onnx.ModelProto()
        m.CopyFrom(model)
        mutate(m)
        save(m, bad)
        run([sb, "dump", bad, "--stage", "relay"], f"{name}: {what}")

    def undefined_input(m):
        m.graph.node[len(m.graph.node) // 2].input[0] = "no_such_tensor"
    case("node reads an undefined tensor", undefined_input)

    def wrong_attr_type(m):
        for n in m.graph.node:
            for a in n.attribute:
                if a.type == onnx.AttributeProto.INTS:
                    a.type = onnx.AttributeProto.FLOAT
                    a.f = 1.5
                    del a.ints[:]
                    return
                if a.type == onnx.AttributeProto.INT:
                    a.type = onnx.AttributeProto.STRING
                    a.s = b"x"
                    return
    case("attribute of the wrong type", wrong_attr_type)

    def short_raw_data(m):
        for t in m.graph.initializer:
            if t.raw_data:
                t.raw_data = t.raw_data[: len(t.raw_data) // 2]
                return
    case("initializer raw_data shorter than its dims", short_raw_data)

    def negative_dim(m):
        for t in m.graph.initializer:
            if len(t.dims):
                t.dims[0] = -3
                return
    case("initializer with a negative dim", negative_dim)

    def bad_elem_type(m):
        m.graph.input[0].type.tensor_type.elem_type = 99
    case("input of an unknown element type", bad_elem_type)

    def unknown_op(m):
        m.graph.node[0].op_type = "FrobnicateV2"
        m.graph.node[-1].op_type = "Quux"
    case("unsupported ops", unknown_op)

    def no_outputs(m):
        del m.graph.output[:]
    case("graph with no outputs", no_outputs)


def input_cases(sb, tmp, d, name, model):
    model_path = os.path.join(d, "model.onnx")
    inp = model.graph.input[0]
    tt = inp.type.tensor_type
    rank = len(tt.shape.dim)
    np_dtype = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[tt.elem_type]
    # A valid shape from the first test set.
    ref = onnx.TensorProto()
    ref.ParseFromString(open(os.path.join(d, "test_data_set_0", "input_0.pb"), "rb").read())
    shape = list(ref.dims)
    spec = "x".join(str(s) for s in shape)
    # Wrong rank, wrong static dim (via shape spec), wrong dtype (via .npy),
    # through both engines: the model compiled once to a .so, and the
    # reference interpreter.
    so = os.path.join(tmp, name + ".so")
    p = subprocess.run([sb, "compile", model_path, "-o", so], capture_output=True, text=True,
                       errors="replace", timeout=1200)
    if p.returncode != 0:
        failures.append(f"{name}: compile failed: {p.stderr[-400:]!r}")
        return
    for target, engine in ((so, "compiled"), (model_path, "reference")):
        pre = [sb, "run", target] + (["--engine", "reference"] if engine == "reference" else [])
        run(pre + ["--input", f"{inp.name}={spec}x2"], f"{name} ({engine}): run with rank {rank + 1}")
        run(pre + ["--input", f"{inp.name}=" + "x".join(str(s) for s in shape[:-1])],
            f"{name} ({engine}): run with rank {rank - 1}")
        wrong_dtype = np.float64 if np_dtype != np.float64 else np.float32
        npy = os.path.join(tmp, "x.npy")
        np.save(npy, np.zeros(shape, dtype=wrong_dtype))
        run(pre + ["--input", f"{inp.name}={npy}"],
            f"{name} ({engine}): run with dtype {np.dtype(wrong_dtype).name}")
        for dim, val in enumerate(tt.shape.dim):
            if val.HasField("dim_value"):
                s2 = list(shape)
                s2[dim] = val.dim_value + 1
                run(pre + ["--input", f"{inp.name}=" + "x".join(map(str, s2))],
                    f"{name} ({engine}): run with dim {dim} = {s2[dim]} (model says {val.dim_value})")
                break
        run(pre + ["--input", "no_such_input=1x2"], f"{name} ({engine}): run with an unknown input name")
        open(npy, "wb").write(b"\x93NUMPY garbage")
        run(pre + ["--input", f"{inp.name}={npy}"], f"{name} ({engine}): run with a corrupt .npy")
    os.unlink(so)
    # check with a test set whose input has the wrong dtype/size.
    case_dir = os.path.join(tmp, "case")
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(os.path.join(case_dir, "test_data_set_0"))
    shutil.copy(model_path, os.path.join(case_dir, "model.onnx"))
    for f in os.listdir(os.path.join(d, "test_data_set_0")):
        shutil.copy(os.path.join(d, "test_data_set_0", f), os.path.join(case_dir, "test_data_set_0", f))
    t = numpy_helper.from_array(np.zeros(shape + [1], dtype=np_dtype), inp.name)
    open(os.path.join(case_dir, "test_data_set_0", "input_0.pb"), "wb").write(t.SerializeToString())
    p = subprocess.run([sb, "check", case_dir], capture_output=True, text=True, errors="replace", timeout=300)
    if p.returncode != 1 or "FAIL" not in p.stdout or "rank" not in p.stdout:
        failures.append(f"{name}: check with a wrong-rank input: exit {p.returncode}, stdout {p.stdout[-300:]!r}")
    else:
        counts["error"] += 1
    open(os.path.join(case_dir, "test_data_set_0", "input_0.pb"), "wb").write(b"\x0a\xff\xff\xff")
    p = subprocess.run([sb, "check", case_dir], capture_output=True, text=True, errors="replace", timeout=300)
    if p.returncode != 1 or "FAIL" not in p.stdout:
        failures.append(f"{name}: check with a corrupt input_0.pb: exit {p.returncode}, stdout {p.stdout[-300:]!r}")
    else:
        counts["error"] += 1


def demo_graph_cases(sb, tmp):
    """Small graphs whose shapes disagree: the error must name the node."""
    bad = os.path.join(tmp, "shape.onnx")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 5])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, None)
    g = helper.make_graph([helper.make_node("Add", ["x", "y"], ["z"], name="bad_add")], "g", [x, y], [z])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), bad)
    run([sb, "dump", bad, "--stage", "relay"], "Add of [2,3] and [4,5]")
    g = helper.make_graph([helper.make_node("MatMul", ["x", "x"], ["z"], name="bad_mm")], "g", [x], [z])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), bad)
    run([sb, "dump", bad, "--stage", "relay"], "MatMul of [2,3] and [2,3]")


if __name__ == "__main__":
    sys.exit(main())
