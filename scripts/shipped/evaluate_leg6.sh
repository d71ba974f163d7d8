#!/usr/bin/env bash
# By hand: score leg 6 on valid_v2 next to the step-21,000 and step-20,000 (shipped before) models, then pair
# every candidate with DeepFilterNet3 / RNNoise through the per-file scores stored in bench/results (their
# outputs are not re-made: bench/compare_reports.py checks the noisy row scores the same first).
#   bash scripts/shipped/evaluate_leg6.sh OUT_DIR
# Needs train_runs/default/valid_v2 (scripts/shipped/prepare_corpus.py ... --valid-name valid_v2) with its
# conditions.tsv, and the runs of scripts/shipped/finetune_leg6.sh.
set -euo pipefail
out=${1:?usage: evaluate_leg6.sh OUT_DIR}
cd "$(dirname "$0")/../.."
valid=train_runs/default/valid_v2
packages="$out/packages"
mkdir -p "$packages"
[ -f "$packages/step21000.pt" ] || .venv/bin/python scripts/shipped/package_state.py train_runs/default/step21000.pt "$packages/step21000.pt"
systems=("step20000:checkpoints/default.pt" "step21000:$packages/step21000.pt")
for arm in causal lookahead2 lookahead2_restart; do
    run=train_runs/leg6_$arm/run/checkpoints
    systems+=("$arm:$run/best.pt")  # the EMA weights of the run's best validation (its own held-out mixtures)
done
# the control of causal_residual: the causal arm's end (1,800 steps past the shipped weights, no residual weight)
[ -f "$packages/causal_step3600.pt" ] || .venv/bin/python scripts/shipped/package_state.py \
    train_runs/leg6_causal/run/checkpoints/last.pt "$packages/causal_step3600.pt"
systems+=("causal_step3600:$packages/causal_step3600.pt")
[ -f train_runs/leg6_causal_residual/run/checkpoints/best.pt ] && \
    systems+=("causal_residual:train_runs/leg6_causal_residual/run/checkpoints/best.pt")
.venv/bin/senhance-eval --ref "$valid/clean" "$valid/noisy" "${systems[@]}" --metrics pesq,stoi,si_sdr,dnsmos \
    manifest="$valid/conditions.tsv" 'group_by=[condition,snr_db]' output_dir="$out/eval" jobs=2 examples=0
