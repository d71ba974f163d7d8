#!/usr/bin/env bash
# By hand: train (or resume) the shipped default model on the training corpus.
#   bash scripts/shipped/train_default.sh ../shared/corpus [extra Hydra overrides]
# Re-running the same command resumes from train_runs/default/run/checkpoints/last.pt.
# Between sessions the resumable state travels in git as scripts/shipped/training_state/default/last.pt
# (with its history.json; neither is packaged):
#   mkdir -p train_runs/default/run/checkpoints && cp scripts/shipped/training_state/default/last.pt train_runs/default/run/checkpoints/
# Leg 4 (2026-12-02) resumed the finished 15,000-step run on the 148-minute corpus (split extended by
# scripts/shipped/prepare_corpus.py, old rows kept) with a longer schedule (max_steps 21000, peak lr 2e-3:
# the cosine tail restarts at ~4.6e-4) and its `best` record reset, since the validation set changed.
# It reached step 16,250 (2 shared CPU cores; it ran with `num_workers=1` and OMP_NUM_THREADS=1).
# Leg 5 (2026-12-02, second session) resumed at 16,250 with AUGMENT_ARGS on (recipe.sh) and `best` reset again
# (the run's validation mixtures are augmented too); it reached step 20,000 (`num_workers=1`,
# OMP_NUM_THREADS=1, nice 10, 1.0-9 s/step depending on what else ran; shipped), then, resumed by today's code,
# to step 20,750 (state committed, not evaluated). Leg 5 finished the schedule at step 21,000 (2026-12-03:
# valid loss -0.009794, the run's best; state committed). Leg 6 fine-tunes from there:
# scripts/shipped/finetune_leg6.sh.
set -euo pipefail
corpus=$(realpath "${1:?usage: train_default.sh CORPUS_DIR [overrides]}"); shift
cd "$(dirname "$0")/../.."
source scripts/shipped/recipe.sh
exec .venv/bin/python -m senhance.cli.train hydra.run.dir=train_runs/default/run \
    model=default loss=default "${DATA_ARGS[@]}" "${AUGMENT_ARGS[@]}" batch_size=16 \
    trainer.max_steps=21000 trainer.warmup_steps=500 trainer.validate_every=500 trainer.save_every=250 \
    trainer.log_every=50 trainer.stoi_items=12 optim.lr=2.0e-3 "$@"
