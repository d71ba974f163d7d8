#!/usr/bin/env bash
# By hand: leg 6 of the shipped model, an equal-compute A/B of two frames of lookahead (issue 16).
#   bash scripts/shipped/finetune_leg6.sh ../shared/corpus ARM [extra Hydra overrides]
# ARM is `causal` (lookahead_frames 0, the control) or `lookahead2` (lookahead_frames 2: 40 ms, DeepFilterNet3's).
# Both arms start from the EMA weights of the finished default schedule (step 21,000, its last.pt copied to
# train_runs/default/step21000.pt) with the same fresh schedule, data and seed; only the lookahead differs.
# Re-running the same command resumes from train_runs/leg6_ARM/run/checkpoints/last.pt.
set -euo pipefail
corpus=$(realpath "${1:?usage: finetune_leg6.sh CORPUS_DIR ARM [overrides]}"); shift
arm=${1:?usage: finetune_leg6.sh CORPUS_DIR ARM [overrides]}; shift
case "$arm" in
    causal) lookahead=0 ;;
    lookahead2) lookahead=2 ;;
    *) echo "ARM must be causal or lookahead2, got $arm" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
source scripts/shipped/recipe.sh
exec .venv/bin/python -m senhance.cli.train hydra.run.dir="train_runs/leg6_$arm/run" \
    model=default model.lookahead_frames="$lookahead" loss=default "${DATA_ARGS[@]}" "${AUGMENT_ARGS[@]}" \
    batch_size=16 trainer.init_from="$PWD/train_runs/default/step21000.pt" \
    trainer.max_steps=3600 trainer.warmup_steps=100 trainer.validate_every=600 trainer.save_every=200 \
    trainer.log_every=50 trainer.stoi_items=12 trainer.time_limit_minutes=100 optim.lr=5.0e-4 "$@"
