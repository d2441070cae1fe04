#!/bin/sh
# ort_bench.sh — onnxruntime's figures for one model, to set next to ours.
#
#   bench/ort_bench.sh MODEL.onnx [name=1x3x960x960 ...]
#
# For each thread count in $THREADS (default "1 2") a fresh node process
# (bench/ort_run.js) creates the session (load_ms), does $WARMUP warm-up runs
# (default 1) and $RUNS timed runs (default 5) on LCG inputs of the given
# shapes (needed for dynamic dims), and reports the median and minimum
# latency and the process's peak RSS. Prints the JSON line of each run, then
# one summary line:
#   model shape load_ms(1t) median_ms@1 median_ms@2 ... peak_rss_kb(1t) ...
# onnxruntime-node from $NODE_DIR (default build/node; `make ort`).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 MODEL.onnx [name=SHAPE ...]" >&2; exit 2; }
model=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
ORT_NODE_DIR=$(cd "${NODE_DIR:-$here/../build/node}" && pwd)
export ORT_NODE_DIR
shapes=""
for s in "$@"; do shapes="$shapes --shape $s"; done
summary="$(basename "$model") ${*:-(static)}"
for t in ${THREADS:-1 2}; do
  line=$(node "$here/ort_run.js" "$model" --threads "$t" --runs "${RUNS:-5}" \
         --warmup "${WARMUP:-1}" $shapes)
  echo "$line"
  get() { echo "$line" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
  summary="$summary | ${t}t: load $(get load_ms) ms, median $(get median_ms) ms, min $(get min_ms) ms, peak RSS $(($(get peak_rss_kb) / 1024)) MiB"
done
echo "$summary"
