#!/usr/bin/env bash
# Pipeline benchmark: the full pipeline (teacher → cache → distilled student + baseline → report) through
# the real HTTP API, printing each job's wall time and the report.
#
#   scripts/bench-pipeline.sh synthetic                 # the built-in set with the pipeline defaults (request {})
#   scripts/bench-pipeline.sh camvid [path/to/camvid]   # the 11-class CamVid (SegNet 360×480 version), default
#                                                       # ../shared/datasets/camvid, at a CPU-feasible square size
#
# CamVid is registered where it lies: Storage:DatasetsRoot is pointed at its parent folder and the
# registration names the folder, so nothing is copied (CamVid's terms do not allow redistributing it).
# The service runs in a throwaway data folder (SQLite, in-process worker) on 127.0.0.1:$PORT, niced, with
# every core for torch (only this script talks to it).
# Images are resized (stretched) to SIZE×SIZE, masks with nearest neighbour; mIoU is measured on val at that size.
#
# CamVid knobs (environment): SIZE=128 SEED=42 BATCH=8 TEACHER_C=16 TEACHER_D=4 TEACHER_EPOCHS=12 TEACHER_LR=0.003
#   STUDENT_C=8 STUDENT_D=4 STUDENT_EPOCHS=12 STUDENT_LR=0.01 SCHEDULE=cosine TOPK=4 ROTATION=5 PORT=5091
#   KEEP=0 (1 keeps the data folder)
# Prints the pipeline report and each job's wall time. Needs: dotnet (SDK 10), curl, jq.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
case "$mode" in
  synthetic) camvid=$repo ;;  # only its parent folder is used, as an unused datasets root
  camvid)
    camvid=$(realpath "${2:-$repo/../shared/datasets/camvid}")
    [ -d "$camvid" ] || { echo "bench: no CamVid folder at $camvid" >&2; exit 2; } ;;
  *) echo "usage: $0 synthetic | camvid [path/to/camvid]" >&2; exit 2 ;;
esac
for tool in dotnet curl jq; do command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }; done

SIZE=${SIZE:-128} SEED=${SEED:-42} BATCH=${BATCH:-8} TOPK=${TOPK:-4} ROTATION=${ROTATION:-5} PORT=${PORT:-5091}
TEACHER_C=${TEACHER_C:-16} TEACHER_D=${TEACHER_D:-4} TEACHER_EPOCHS=${TEACHER_EPOCHS:-12} TEACHER_LR=${TEACHER_LR:-0.003}
STUDENT_C=${STUDENT_C:-8} STUDENT_D=${STUDENT_D:-4} STUDENT_EPOCHS=${STUDENT_EPOCHS:-12} STUDENT_LR=${STUDENT_LR:-0.01}
SCHEDULE=${SCHEDULE:-cosine}
api="http://127.0.0.1:$PORT"
data=$(mktemp -d -t distill-bench-XXXXXX)
log="$data/api.log"

cleanup() {
  local rc=$?
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ "$rc" != 0 ] && [ -f "$log" ]; then echo "bench: failed (exit $rc); last lines of the service log:" >&2; tail -n 30 "$log" >&2; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "bench: data kept in $data"; else rm -rf "$data"; fi
}
trap cleanup EXIT

echo "bench: building (Release)…"
dotnet build "$repo/src/Api/DistillService.Api.csproj" -c Release -v q -nologo >/dev/null

echo "bench: starting the service on $api (data: $data, datasets root: $(dirname "$camvid"))"
(cd "$repo/src/Api" && exec nice -n 10 env \
  Storage__DataRoot="$data" Storage__DatasetsRoot="$(dirname "$camvid")" Urls="$api" \
  Worker__InProcess=true Worker__QueuePollInterval=00:00:01 Torch__ReservedCores=0 \
  dotnet "bin/Release/net10.0/DistillService.Api.dll") >"$log" 2>&1 &
server=$!
for _ in $(seq 120); do curl -sf "$api/health" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "$api/health" >/dev/null || { echo "bench: the service did not start; log:" >&2; cat "$log" >&2; exit 1; }

if [ "$mode" = camvid ]; then
  echo "bench: registering $(basename "$camvid") (reads every mask once)…"
  start=$(date +%s%N)
  dataset=$(curl -s -X POST "$api/api/datasets" -H 'Content-Type: application/json' \
    -d "$(jq -n --arg path "$(basename "$camvid")" '{ name: "camvid-bench", format: "camvid", path: $path }')")
  echo "$dataset" | jq -e '.id' >/dev/null || { echo "bench: registration failed: $dataset" >&2; exit 1; }
  printf 'bench: registered in %d ms: %s\n' "$(( ($(date +%s%N) - start) / 1000000 ))" \
    "$(echo "$dataset" | jq -c '{ id, numClasses, splits: (.splits | map_values({ images, ignorePixels })) }')"

  augmentation=$(jq -n --argjson rotation "$ROTATION" '{ horizontalFlip: true, maxShift: 0.1, maxRotationDegrees: $rotation, scale: [0.8, 1.25] }')
  request=$(jq -n \
    --argjson size "$SIZE" --argjson seed "$SEED" --argjson batch "$BATCH" --argjson topk "$TOPK" --argjson aug "$augmentation" \
    --argjson tc "$TEACHER_C" --argjson td "$TEACHER_D" --argjson te "$TEACHER_EPOCHS" --argjson tlr "$TEACHER_LR" \
    --argjson sc "$STUDENT_C" --argjson sd "$STUDENT_D" --argjson se "$STUDENT_EPOCHS" --argjson slr "$STUDENT_LR" \
    --arg schedule "$SCHEDULE" '{
      datasetId: "camvid-bench", seed: $seed, device: "cpu", baseline: true,
      teacher: { model: { baseChannels: $tc, depth: $td },
                 training: { epochs: $te, batchSize: $batch, learningRate: $tlr, imageSize: $size, seed: $seed, augmentation: $aug,
                             learningRateSchedule: $schedule } },
      cache: { topK: $topk, precision: "fp16", scale: 1 },
      student: { model: { baseChannels: $sc, depth: $sd },
                 training: { epochs: $se, batchSize: $batch, learningRate: $slr, imageSize: $size, seed: $seed, augmentation: $aug,
                             learningRateSchedule: $schedule },
                 distillation: { alpha: 1.0, beta: 1.0, temperature: 2.0, mode: "offline" } } }')
else
  request='{ "device": "cpu" }'
fi
echo "bench: pipeline request: $(echo "$request" | jq -c .)"
location=$(curl -s -D - -o /dev/null -X POST "$api/api/pipelines" -H 'Content-Type: application/json' -d "$request" \
  | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
[ -n "$location" ] || { echo "bench: the pipeline was not accepted" >&2; exit 1; }
case "$location" in http*) ;; *) location="$api$location" ;; esac

started=$(date +%s)
while :; do
  pipeline=$(curl -s "$location")
  status=$(echo "$pipeline" | jq -r .status)
  running=$(echo "$pipeline" | jq -r '[.jobs[] | select(.status == "running")][0].id // empty')
  if [ -n "$running" ]; then
    curl -s "$api/api/jobs/$running" | jq -r --arg t "$(( $(date +%s) - started ))" \
      '"bench: \($t) s  \(.kind) epoch \(.progress.epoch // 0)/\(.progress.epochs // 0) \(.progress.percent // 0 | floor)% loss \(.progress.loss // 0 | . * 1000 | floor / 1000)"'
  fi
  done_jobs=$(echo "$pipeline" | jq '[.jobs[] | select(.status | IN("succeeded", "failed", "cancelled"))] | length')
  total_jobs=$(echo "$pipeline" | jq '.jobs | length')
  if [ "$status" != running ] && [ "$status" != queued ] && [ "$done_jobs" = "$total_jobs" ]; then break; fi
  sleep 15
done

echo
echo "bench: pipeline $status after $(( $(date +%s) - started )) s"
echo "bench: wall time per job:"
for id in $(echo "$pipeline" | jq -r '.jobs[].id'); do
  curl -s "$api/api/jobs/$id" | jq -r '"  \(.kind | . + "        " | .[0:8]) \(.status | . + "         " | .[0:9]) " +
    (if .startedAt and .finishedAt then
       (((.finishedAt | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdate) - (.startedAt | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdate)) | tostring) + " s"
     else "-" end) + (if .error then "  error: \(.error)" else "" end)'
done
echo "bench: report:"
echo "$pipeline" | jq '.report | {
  teacher: { mIoU: .teacher.valMeanIoU, pixelAccuracy: .teacher.valPixelAccuracy, parameters: .teacher.parameterCount, latencyMsBatch1: .teacher.latencyMsBatch1 },
  student: { mIoU: .student.valMeanIoU, pixelAccuracy: .student.valPixelAccuracy, parameters: .student.parameterCount, latencyMsBatch1: .student.latencyMsBatch1 },
  baseline: { mIoU: .baseline.valMeanIoU, pixelAccuracy: .baseline.valPixelAccuracy },
  gapClosed, parameterRatio, imageSize, device,
  perClassIoU: { teacher: .teacher.perClassIoU, student: .student.perClassIoU, baseline: .baseline.perClassIoU } }'
[ "$status" = succeeded ]
