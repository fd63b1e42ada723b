#!/usr/bin/env bash
# make demo: builds the demo model (a small CNN with dynamic batch, height and
# width) and runs it at two input shapes.
set -euo pipefail
build=${1:-build}
sb="$build/cli/shapebridge"
model="$build/demo/small_cnn.onnx"
mkdir -p "$build/demo"
if [ ! -f "$model" ] || [ scripts/make_demo_model.py -nt "$model" ]; then
  /usr/bin/python3 scripts/make_demo_model.py "$model"
fi
echo "== $model: inputs and outputs"
"$sb" dump "$model" --stage relay | sed -n '1p'
echo
echo "== op counts before and after the relay_like optimizations"
"$sb" dump "$model" --stage onnx --stats | sed -n '1p'
"$sb" dump "$model" --stage relay-opt --stats
for shape in 1x3x32x32 4x3x48x64; do
  echo
  echo "== run at input=$shape"
  "$sb" run "$model" --input "input=$shape" --optimize --repeat 3
done
