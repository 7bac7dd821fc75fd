#!/usr/bin/env bash
# The distillation method table (issue 13 §4): one teacher, then students with equal training budgets (same epochs,
# cosine schedule, augmentation, class weighting) for the baseline and each method, every seed, scored on val at the
# training size and, for CamVid, at the labels' native 480×360. Prints one JSON line per epoch and run, then a
# markdown table (mean ± std, gap closed, every seed above every baseline seed, wall time per run).
#
#   scripts/method-table.sh camvid [path/to/camvid]   # default ../shared/datasets/camvid; 256×192 (4:3)
#   scripts/method-table.sh synthetic                 # the built-in synthetic-shapes set at 64×64
#
# The teacher is trained first (CamVid: 100 epochs, about 95 minutes on 2 cores) and kept in OUT; an existing
# teacher file there is reused. A CamVid student run takes about 7 minutes on 2 cores (online ones about twice that).
# Runs append to OUT/<dataset>-table.jsonl, so a table can be made in parts (SEEDS=1 for every method first, then
# SEEDS=2,3 for some); a variant and seed run again replaces its earlier line in the table. Delete the file to start over.
# Knobs (environment): OUT=runs/method-table SEEDS=1,2,3 EPOCHS (students; camvid 30, synthetic 20) THREADS (nproc)
#   STUDENTS=baseline,pixel-kl:offline,… (method:mode[:t=T][:beta=B][:alpha=A])
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dataset=${1:-}
OUT=${OUT:-$repo/runs/method-table} SEEDS=${SEEDS:-1,2,3} THREADS=${THREADS:-$(nproc)}
STUDENTS=${STUDENTS:-baseline,pixel-kl:offline,dist:offline:t=1,cwd:offline:t=1:beta=3,feature:online}
case "$dataset" in
  camvid)
    camvid=$(realpath "${2:-$repo/../shared/datasets/camvid}")
    [ -d "$camvid" ] || { echo "method-table: no CamVid folder at $camvid" >&2; exit 2; }
    EPOCHS=${EPOCHS:-30}
    args=(--dataset camvid --data "$camvid" --width 256 --height 192
      --teacher-channels 16 --teacher-depth 4 --teacher-epochs 100 --teacher-lr 0.003
      --class-weighting median-frequency --max-rotation 10 --min-scale 0.75 --max-scale 1.25
      --student-channels 8 --student-depth 4 --lr 0.01) ;;
  synthetic)
    EPOCHS=${EPOCHS:-20}
    args=(--dataset synthetic-shapes --teacher-channels 16 --teacher-depth 3 --teacher-epochs 24) ;;
  *) echo "usage: $0 camvid [path/to/camvid] | synthetic" >&2; exit 2 ;;
esac

mkdir -p "$OUT"
teacher="$OUT/$dataset-teacher.bin" results="$OUT/$dataset-table.jsonl"
project="$repo/bench/DistillService.Experiments"
dotnet build -c Release "$project" -v quiet -nologo >&2
experiments=(dotnet "$project/bin/Release/net10.0/DistillService.Experiments.dll")

if [ ! -f "$teacher" ]; then
  echo "method-table: training the teacher into $teacher" >&2
  "${experiments[@]}" method-table "${args[@]}" --teacher-weights "$teacher" --teacher-only true --threads "$THREADS" \
    | tee "$OUT/$dataset-teacher.jsonl"
fi
"${experiments[@]}" method-table "${args[@]}" --teacher-weights "$teacher" --epochs "$EPOCHS" --seeds "$SEEDS" \
  --students "$STUDENTS" --threads "$THREADS" --label "$dataset" | tee -a "$results"
"${experiments[@]}" method-table-report "$results"
