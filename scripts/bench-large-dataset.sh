#!/usr/bin/env bash
# Scale check on a Cityscapes-shaped set: TRAIN + VAL generated 2048×1024 street scenes with 19-class masks (written once
# under ROOT, never committed), registered through the running service (time to the 202, inspection time, peak RSS of the
# service, statistics compared with the generator's own counts), then read as a training job reads it by the bench
# program (`large-set`: trainer on the files vs in memory at 512×256, peak RSS, cache write/read and projected size).
#
#   scripts/bench-large-dataset.sh            # ROOT=runs/large TRAIN=2800 VAL=200 PORT=5090
#
# Prints JSON lines. Needs about 11 GB of disk for the default 3,000 pairs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(mkdir -p "${ROOT:-$repo/runs/large}" && cd "${ROOT:-$repo/runs/large}" && pwd)
TRAIN=${TRAIN:-2800} VAL=${VAL:-200} PORT=${PORT:-5090}
data="$ROOT/datasets/street-scenes"

cd "$repo"
dotnet build -c Release bench/DistillService.Bench -v quiet -nologo >&2
dotnet build -c Release src/Api -v quiet -nologo >&2
bench=(dotnet bench/DistillService.Bench/bin/Release/net10.0/DistillService.Bench.dll)
[ -f "$data/statistics.json" ] || "${bench[@]}" street-scenes --out "$data" --train "$TRAIN" --val "$VAL"

# The service on its embedded default, with the generated set under its datasets root and a fresh data root.
service="$ROOT/service-$(date +%s)"
mkdir -p "$service"
Storage__DataRoot="$service" Storage__DatasetsRoot="$ROOT/datasets" ASPNETCORE_URLS="http://127.0.0.1:$PORT" \
  dotnet src/Api/bin/Release/net10.0/DistillService.Api.dll > "$service/api.log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true' EXIT
url="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do curl -sf "$url/health" >/dev/null && break; sleep 0.5; done

name="street scenes $(date +%s)"
start=$(date +%s.%N)
status=$(curl -s -o "$service/accepted.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"name\": \"$name\", \"format\": \"cityscapes\", \"path\": \"street-scenes\"}" "$url/api/datasets")
accepted=$(date +%s.%N)
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$service/accepted.json")
while :; do
  curl -s "$url/api/datasets/$id" > "$service/dataset.json"
  state=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["inspection"]["inspected"], d["inspection"]["total"])' "$service/dataset.json")
  echo "[bench] $state" >&2
  [ "${state%% *}" = inspecting ] || break
  sleep 5
done
finished=$(date +%s.%N)
peak=$(grep VmHWM "/proc/$api/status" | awk '{print $2}')

python3 - "$service/dataset.json" "$data/statistics.json" "$status" "$start" "$accepted" "$finished" "$peak" <<'PY'
import json, sys
dataset, expected = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
status, start, accepted, finished, peak = sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
splits = dataset.get("splits") or {}
exact = all(splits.get(s, {}).get(k) == expected[s][k] for s in expected for k in ("images", "classPixels", "ignorePixels"))
images = sum(v["images"] for v in expected.values())
print(json.dumps({"step": "large_set_registration", "httpStatus": int(status), "answerMs": round((accepted - start) * 1000, 1),
                  "status": dataset["status"], "images": images, "inspectionSeconds": round(finished - accepted, 1),
                  "pairsPerSecond": round(images / (finished - accepted), 1), "statisticsExact": exact,
                  "servicePeakRssMiB": round(peak / 1024, 1)}))
PY
kill $api; wait $api 2>/dev/null || true
trap - EXIT

# A small sample memory (128 MiB: 256 samples at 512×256), so that the run fills it and the RSS plateau shows.
"${bench[@]}" large-set --data "$data" --steps 100 --memo-mb 128
