#!/usr/bin/env python3
"""Inputs bound at compile time (`--bind`) through the CLI, on a model made
here, Y = ReduceSum(X, axes, keepdims=1) with axes a graph input:

- `compile` without --bind fails (exit 1) naming the input and how to bind it;
- `compile --bind axes=FILE` (.npy and .pb) writes a .so whose inputs are
  still X and axes; run with the bound value its output equals numpy's, run
  with another value it fails (exit 1) with the guard's one line;
- `run MODEL.onnx --bind` feeds the bound value when --input does not;
- `--bind` with a bad spec, on a .so, or naming no input is an error;
- `check --engine compiled` binds axes from test_data_set_0: a folder whose
  sets share the value passes, one whose second set differs fails with the
  guard's message.

usage: bind.py SHAPEBRIDGE
"""
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from cli_harness import check, failures, run




def reduce_model(path):
    g = helper.make_graph(
        [helper.make_node("ReduceSum", ["X", "axes"], ["Y"], keepdims=1)],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [3, 4, 5]),
         helper.make_tensor_value_info("axes", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def write_pb(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def test_folder(root, x, axes_per_set):
    os.makedirs(root)
    reduce_model(os.path.join(root, "model.onnx"))
    for k, axes in enumerate(axes_per_set):
        s = os.path.join(root, f"test_data_set_{k}")
        os.makedirs(s)
        write_pb(os.path.join(s, "input_0.pb"), x, "X")
        write_pb(os.path.join(s, "input_1.pb"), axes, "axes")
        y = x.sum(axis=tuple(int(a) for a in axes_per_set[0]), keepdims=True)
        write_pb(os.path.join(s, "output_0.pb"), y, "Y")


def main():
    with tempfile.TemporaryDirectory(prefix="sbbind") as tmp:
        p = lambda *n: os.path.join(tmp, *n)
        model = p("rs.onnx")
        reduce_model(model)
        x = (np.arange(60, dtype=np.float32).reshape(3, 4, 5) - 20) / 7
        np.save(p("x.npy"), x)
        np.save(p("axes02.npy"), np.array([0, 2], dtype=np.int64))
        np.save(p("axes12.npy"), np.array([1, 2], dtype=np.int64))
        write_pb(p("axes02.pb"), np.array([0, 2], dtype=np.int64), "axes")

        r = run("compile", model, "-o", p("no.so"), expect=1)
        check("axes must be known at compile time; bind it with --bind axes=FILE" in r.stderr,
              f"unbound compile error: {r.stderr}")

        for src in ("axes02.npy", "axes02.pb"):
            so = p(src + ".so")
            run("compile", model, "-o", so, "--bind", "axes=" + p(src))
            r = run("run", so, "--input", "X=" + p("x.npy"), "--input", "axes=" + p("axes02.npy"),
                    "--output", p("out"))
            if r.returncode == 0:
                y = np.load(p("out", "Y.npy"))
                want = x.sum(axis=(0, 2), keepdims=True)
                check(y.shape == want.shape and np.allclose(y, want, rtol=1e-4, atol=1e-4),
                      f"{src}: got {y.shape} {y.ravel()}, want {want.ravel()}")
            r = run("run", so, "--input", "X=" + p("x.npy"), "--input", "axes=" + p("axes12.npy"),
                    expect=1)
            check("input 'axes' was bound at compile time to [0, 2]; got [1, 2]" in r.stderr,
                  f"guard message: {r.stderr}")

        r = run("run", model, "--bind", "axes=" + p("axes02.npy"), "--input", "X=" + p("x.npy"))
        check("input axes: int64[2]" in r.stdout, f"run --bind feeds the bound value: {r.stdout}")
        run("run", model, "--bind", "axes=" + p("axes02.npy"), "--input", "X=" + p("x.npy"),
            "--input", "axes=" + p("axes12.npy"), expect=1)

        r = run("compile", model, "-o", p("bad.so"), "--bind", "axes", expect=2)
        r = run("run", p("axes02.npy.so"), "--bind", "axes=" + p("axes02.npy"), expect=2)
        r = run("compile", model, "-o", p("bad.so"), "--bind", "axis=" + p("axes02.npy"), expect=1)
        check("'axis' is not an input of the model (its inputs: X, axes)" in r.stderr,
              f"unknown input: {r.stderr}")
        r = run("compile", model, "-o", p("bad.so"), "--bind", "axes=" + p("missing.npy"), expect=1)
        check("--bind axes=" in r.stderr, f"missing file: {r.stderr}")

        same = p("same", "rs")
        test_folder(same, x, [np.array([0, 2], dtype=np.int64)] * 2)
        r = run("check", "--engine", "compiled", same)
        check("1 passed, 0 failed" in r.stdout, f"check, same axes: {r.stdout}")
        other = p("other", "rs")
        test_folder(other, x, [np.array([0, 2], dtype=np.int64), np.array([1, 2], dtype=np.int64)])
        r = run("check", "--engine", "compiled", other, expect=1)
        check("test_data_set_1: input 'axes' was bound at compile time to [0, 2]; got [1, 2]"
              in r.stdout, f"check, other axes: {r.stdout}")

    if failures:
        for f in failures:
            print("FAIL", f)
        sys.exit(1)
    print("ok: --bind through compile, run and check")


main()
