#!/usr/bin/env bash
# Whole models, side by side in one run: shapebridge compiled (one .so per
# model, compiled once, run at every test set's shape), the reference
# interpreter, and ONNX Runtime (when ORT_NODE_DIR points at an
# onnxruntime-node install; ../shared/tools/ort_bench.mjs times it).
# A benchmark, not a test.
#
#   bench/models.sh [-b BUILD] [-t THREADS] [-r REPEAT] [--no-reference] MODEL_DIR...
#
# MODEL_DIR is a folder in the ONNX backend-test layout (model.onnx and
# test_data_set_K/input_I.pb).  THREADS is a comma list (default 1,2).
# Prints one row per model, set and thread count: median milliseconds of
# each engine and shapebridge's time over ONNX Runtime's (below 1: faster).
set -euo pipefail

build=build threads=1,2 repeat=10 reference=1
models=()
while [ $# -gt 0 ]; do
	case "$1" in
	-b) build=$2; shift 2 ;;
	-t) threads=$2; shift 2 ;;
	-r) repeat=$2; shift 2 ;;
	--no-reference) reference=0; shift ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "models.sh: unknown option $1" >&2; exit 2 ;;
	*) models+=("$1"); shift ;;
	esac
done
[ ${#models[@]} -gt 0 ] || { echo "models.sh: no model folder given (--help)" >&2; exit 2; }
sb=$build/cli/shapebridge
[ -x "$sb" ] || { echo "models.sh: $sb not built (make build)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
ort_tool=$here/../../shared/tools/ort_bench.mjs
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median_of() { sed -n 's/.*run median \([0-9.]*\) ms.*/\1/p'; }

echo "shapebridge bench/models.sh, $(date -u '+%Y-%m-%d %H:%M:%S') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) logical CPUs"
printf '%-14s %-4s %-22s %3s %10s %10s %10s %8s\n' model set inputs thr compiled reference onnxrt sb/ort
for m in "${models[@]}"; do
	name=$(basename "$m")
	so=$tmp/$name.so
	t0=$(date +%s.%N)
	"$sb" compile "$m/model.onnx" -o "$so" >/dev/null
	t1=$(date +%s.%N)
	echo "# $name: compiled once in $(echo "$t1 - $t0" | bc -l | xargs printf '%.1f') s"
	declare -A ort=()
	if [ -n "${ORT_NODE_DIR:-}" ] && [ -f "$ort_tool" ]; then
		# rows: model set inputs 1T-median 2T-median ...
		while IFS=$'\t' read -r om os oi rest; do
			[ "$om" = "$name" ] || continue
			k=0
			IFS=, read -ra tl <<<"$threads"
			for v in $rest; do
				[ $k -lt ${#tl[@]} ] && ort[$os,${tl[$k]}]=$v
				k=$((k + 1))
			done
		done < <(node "$ort_tool" --threads "$threads" "$m" 2>/dev/null | sed -n '/^model\t/,$p' | tail -n +2)
	fi
	for set in "$m"/test_data_set_*; do
		s=${set##*_}
		args=() shapes=()
		for f in "$set"/input_*.pb; do
			read -r iname ishape < <("$py" -c 'import sys, onnx
t = onnx.load_tensor(sys.argv[1]); print(t.name, "x".join(map(str, t.dims)))' "$f")
			args+=(--input "$iname=$f")
			shapes+=("$ishape")
		done
		IFS=, read -ra tl <<<"$threads"
		for t in "${tl[@]}"; do
			c=$("$sb" run "$so" "${args[@]}" --repeat "$repeat" --threads "$t" | median_of)
			r=-
			if [ "$reference" = 1 ] && [ "$t" = "${tl[0]}" ]; then
				r=$("$sb" run "$m/model.onnx" --engine reference "${args[@]}" --repeat 3 | median_of)
			fi
			o=${ort[$s,$t]:--}
			ratio=-
			[ "$o" != - ] && ratio=$(echo "$c / $o" | bc -l | xargs printf '%.2f')
			printf '%-14s %-4s %-22s %3s %10s %10s %10s %8s\n' "$name" "$s" "$(IFS=,; echo "${shapes[*]}")" "$t" "$c" "$r" "$o" "$ratio"
		done
	done
	unset ort
done
echo "(milliseconds, medians; the reference interpreter is single-threaded and timed once per set)"
