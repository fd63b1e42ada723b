#!/usr/bin/env bash
# Compiles one model of the zoo ONCE with `shapebridge compile` and runs every
# test set against that .so with `shapebridge check --module`.  With
# STATS_INPUT (NAME=SHAPE, or - for none) it also runs the .so with --stats at
# that shape and requires the planned activation memory to be at most half the
# unplanned sum.  When the zoo folder is missing the case fails under CI=true
# and is skipped (exit 77) otherwise.
# usage: run_compiled.sh SHAPEBRIDGE MODEL_DIR STATS_INPUT [check options...]
set -uo pipefail
sb=$1 dir=$2 stats_input=$3
shift 3
if [ ! -f "$dir/model.onnx" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "model zoo folder $dir is missing (set -DSB_MODELS_DIR)" >&2
    exit 1
  fi
  echo "skipped: model zoo folder $dir is missing (set -DSB_MODELS_DIR)"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbzoo-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
so="$tmp/$(basename "$dir").so"
"$sb" compile "$dir/model.onnx" -o "$so" --verbose || exit 1
"$sb" check "$@" --module "$so" "$dir" || exit 1
if [ "$stats_input" != "-" ]; then
  out=$("$sb" run "$so" --input "$stats_input" --stats) || { echo "$out"; exit 1; }
  echo "$out"
  planned=$(sed -n 's/^ *planned activations *\([0-9]*\) bytes.*/\1/p' <<< "$out")
  unplanned=$(sed -n 's/^ *unplanned activations *\([0-9]*\) bytes.*/\1/p' <<< "$out")
  if [ -z "$planned" ] || [ -z "$unplanned" ]; then
    echo "run --stats printed no planned/unplanned figures" >&2
    exit 1
  fi
  if [ $((planned * 2)) -gt "$unplanned" ]; then
    echo "planned activation memory $planned is more than half of the unplanned $unplanned" >&2
    exit 1
  fi
  echo "planned $planned <= unplanned $unplanned / 2 at $stats_input"
fi
