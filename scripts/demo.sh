#!/usr/bin/env bash
# make demo: builds the demo model (a small CNN with dynamic batch, height and
# width), compiles it ONCE to a .so and runs that .so at two input shapes (the
# reference interpreter's checksum printed beside it).
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
so="$build/demo/small_cnn.so"
echo
echo "== compile once: $model -> $so"
"$sb" compile "$model" -o "$so" --verbose
for shape in 1x3x32x32 4x3x48x64; do
  echo
  echo "== run $so at input=$shape"
  "$sb" run "$so" --input "input=$shape" --repeat 3 --stats
  echo "-- the reference interpreter on the same input"
  "$sb" run "$model" --engine reference --input "input=$shape" | grep -v '^input'
done
