#!/usr/bin/env bash
# `dump --stage relax` of bert_mini keeps (batch, seq) symbolic through the
# attention reshapes: every head reshape is Tensor((batch, seq, 4, 64)) and
# the output is Tensor((batch, seq, 256)).
# usage: dump_relax_bert.sh SHAPEBRIDGE MODELS_DIR
set -uo pipefail
sb=$1 model=$2/bert_mini/model.onnx
if [ ! -f "$model" ]; then
  [ "${CI:-}" = "true" ] && { echo "missing $model" >&2; exit 1; }
  echo "skipped: $model is missing"; exit 77
fi
out=$("$sb" dump "$model" --stage relax) || exit 1
heads=$(grep -c 'relax.reshape(.*: Tensor((batch, seq, 4, 64), float32)' <<< "$out")
merges=$(grep -c 'relax.reshape(.*: Tensor((batch, seq, 256), float32)' <<< "$out")
sig=$(grep -c '^@main(%input_ids: Tensor((batch, seq), int64), %attention_mask: Tensor((batch, seq), int64)) -> Tensor((batch, seq, 256), float32)' <<< "$out")
echo "head reshapes (batch, seq, 4, 64): $heads; merge reshapes (batch, seq, 256): $merges; signature lines: $sig"
# 4 layers x 3 (q, k, v) head reshapes and 4 merges.
[ "$heads" -eq 12 ] && [ "$merges" -eq 4 ] && [ "$sig" -eq 1 ]
