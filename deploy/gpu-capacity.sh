#!/usr/bin/env bash
# GPU capacity in under 10 minutes: concurrent real-time sessions of the sample on configs/gpu.yaml,
# 1 to 128 sessions (about 35 s per level), final latency budget 2 s. Needs the venv (`make setup`)
# and the model bundle; writes bench-results/gpu/{results.json,results.md,capacity.png}.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$BIN/python" -c "import torch, ctranslate2; print('torch cuda', torch.cuda.is_available(), 'ct2 cuda devices', ctranslate2.get_cuda_device_count())"
exec timeout 570 "$BIN/parley" bench --suite sample --config configs/gpu.yaml --no-offline \
    --find-capacity --capacity-levels "${LEVELS:-1,8,32,64,96,128}" --latency-budget 2.0 \
    --out bench-results/gpu "$@"
