#!/usr/bin/env bash
# By hand: every figure of checkpoints/default.md's results sections.
#   bash scripts/shipped/evaluate_default.sh [model]      (model: default, or a checkpoint path)
# Needs the frozen set and held-out speech (scripts/shipped/prepare_corpus.py) and the bench extra (logmmse).
# Writes train_runs/eval_card (60 frozen mixtures) and train_runs/eval_clean_input (45 clean held-out
# utterances as input: what enhancement does to speech that needs none).
set -euo pipefail
model=${1:-default}
cd "$(dirname "$0")/../.."
work=train_runs/default
.venv/bin/python scripts/shipped/logmmse_outputs.py "$work/valid_frozen/noisy" "$work/outputs/logmmse"
.venv/bin/python scripts/shipped/logmmse_outputs.py "$work/held_out/speech" "$work/outputs/logmmse_clean_input"
.venv/bin/senhance-eval noisy_dir="$work/valid_frozen/noisy" clean_dir="$work/valid_frozen/clean" \
    "systems=[default:$model,logmmse:$work/outputs/logmmse,wiener,spectral_subtraction,bandpass,linear,linear_spectral]" \
    'compare=[[default,logmmse],[default,wiener]]' output_dir=train_runs/eval_card jobs=2
.venv/bin/senhance-eval noisy_dir="$work/held_out/speech" clean_dir="$work/held_out/speech" \
    "systems=[default:$model,logmmse:$work/outputs/logmmse_clean_input,wiener]" \
    'compare=[default,noisy]' output_dir=train_runs/eval_clean_input jobs=2
