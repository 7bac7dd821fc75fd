#!/usr/bin/env bash
# The CamVid pipeline benchmark (see scripts/bench-pipeline.sh): scripts/bench-camvid.sh [path/to/camvid]
exec "$(dirname "${BASH_SOURCE[0]}")/bench-pipeline.sh" camvid "$@"
