#!/usr/bin/env bash
# Runs the ONNX conformance cases of one suite through `shapebridge check` and
# holds the result to the expected-failure list:
#   - a case that fails and is not listed   -> regression, the test fails
#   - a listed case that now passes         -> stale entry, the test fails
#     (remove the line: the list only shrinks)
#   - a listed case that fails              -> expected, reported with its reason
#
# usage: run.sh SHAPEBRIDGE DATA_DIR CASE_LIST EXPECTED_FAILURES SUITE [check options...]
set -uo pipefail
sb=$1 data=$2 list=$3 xfail=$4 suite=$5
shift 5

if [ ! -d "$data" ]; then
  echo "conformance data not found at $data (Debian package libonnx-testdata)" >&2
  exit 1
fi

mapfile -t cases < <(grep -v '^#' "$list" | grep "^$suite/" | sed '/^$/d')
if [ ${#cases[@]} -eq 0 ]; then
  echo "no cases of suite '$suite' in $list" >&2
  exit 1
fi
dirs=()
for c in "${cases[@]}"; do dirs+=("$data/$c"); done

out=$("$sb" check "$@" "${dirs[@]}")
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
  echo "$out"
  echo "shapebridge check exited with $rc" >&2
  exit 1
fi

# expected-failures file: "SUITE/CASE  reason" per line; '#' comments.
declare -A expected
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  name=${line%%[[:space:]]*}
  reason=${line#"$name"}
  reason=${reason#"${reason%%[![:space:]]*}"}
  if [ -z "$reason" ]; then
    echo "expected-failure entry without a reason: $name" >&2
    exit 1
  fi
  expected[$name]=$reason
done < "$xfail"

regressions=0 stale=0 xfails=0 passes=0
while IFS= read -r line; do
  case "$line" in
    "ok   "*)
      name=${line#ok   }; name=${name%% (*}
      passes=$((passes + 1))
      if [ -n "${expected[$name]+x}" ]; then
        echo "STALE $name passes but is listed as an expected failure: remove it from $(basename "$xfail")"
        stale=$((stale + 1))
      fi ;;
    "FAIL "*)
      name=${line#FAIL }; name=${name%%:*}
      if [ -n "${expected[$name]+x}" ]; then
        xfails=$((xfails + 1))
        echo "xfail $name (${expected[$name]})"
      else
        echo "REGRESSION $line"
        regressions=$((regressions + 1))
      fi ;;
  esac
done <<< "$out"

echo "suite $suite: ${#cases[@]} cases, $passes passed, $xfails expected failures, $regressions unexpected failures, $stale stale expected-failure entries"
[ $regressions -eq 0 ] && [ $stale -eq 0 ]
