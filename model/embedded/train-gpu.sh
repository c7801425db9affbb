#!/bin/sh
# Train the embedded prior on a lent GPU machine (no Debian packages there: the corpus travels as a
# pack written here by `corpus.py pack`), then split the checkpoint into parts small enough to come
# back (checkpoint_parts.py). Run from the repository root:
#   sh model/embedded/train-gpu.sh PACK OUT MINUTES
# Back here: checkpoint_parts.py join OUT var/gpu-train/checkpoint.pt, then export.py / evaluate.py.
set -u
PACK=$1
OUT=$2
MINUTES=${3:-6.5}
RUN=/tmp/embedded-gpu-train
mkdir -p "$OUT" "$RUN"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
WORKERS=$(( $(nproc) - 2 ))
# The run is stopped 90 s past its budget at the latest, so the last checkpoint is always split.
PYTHONUNBUFFERED=1 timeout "$(python3 -c "print(int(($MINUTES + 1.5) * 60))")" \
  python3 model/embedded/train.py --out "$RUN" --device cuda --corpus-pack "$PACK" --workers "$WORKERS" \
  --budget-minutes "$MINUTES" --shapes 64:256,128:64,256:16 --checkpoint-minutes 1.5 >"$OUT/train-log.txt" 2>&1
echo "train.py exit $?"
tail -25 "$OUT/train-log.txt"
[ -f "$RUN/summary.json" ] && cp "$RUN/summary.json" "$OUT/"
python3 model/embedded/checkpoint_parts.py split "$RUN/checkpoint.pt" "$OUT"
