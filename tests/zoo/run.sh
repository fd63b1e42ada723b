#!/usr/bin/env bash
# Runs one model of the zoo through `shapebridge check`.  When the zoo folder
# is missing the case fails under CI=true and is skipped (exit 77) otherwise.
# usage: run.sh SHAPEBRIDGE MODEL_DIR [check options...]
set -uo pipefail
sb=$1 dir=$2
shift 2
if [ ! -f "$dir/model.onnx" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "model zoo folder $dir is missing (set -DSB_MODELS_DIR)" >&2
    exit 1
  fi
  echo "skipped: model zoo folder $dir is missing (set -DSB_MODELS_DIR)"
  exit 77
fi
exec "$sb" check "$@" "$dir"
