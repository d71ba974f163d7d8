#!/usr/bin/env bash
# By hand: fit the shipped linear baselines (time and spectral) on the same corpus, split and mixing
# as the default model, and copy them to checkpoints/linear.pt and checkpoints/linear_spectral.pt.
#   bash scripts/shipped/fit_linear.sh ../shared/corpus [extra Hydra overrides]
#   MODELS=linear_spectral bash scripts/shipped/fit_linear.sh ../shared/corpus trainer.max_examples=1000
set -euo pipefail
corpus=$(realpath "${1:?usage: fit_linear.sh CORPUS_DIR}"); shift
cd "$(dirname "$0")/../.."
source scripts/shipped/recipe.sh
for model in ${MODELS:-linear linear_spectral}; do
    .venv/bin/python -m senhance.cli.train hydra.run.dir="train_runs/$model" model="$model" \
        "${DATA_ARGS[@]}" batch_size=16 "$@"
    cp "train_runs/$model/checkpoints/best.pt" "checkpoints/$model.pt"
done
