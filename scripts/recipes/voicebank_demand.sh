#!/usr/bin/env bash
# Train, evaluate and describe a model on VoiceBank-DEMAND (Valentini-Botinhao et al., the 28-speaker set),
# from your downloaded copy:
#   bash scripts/recipes/voicebank_demand.sh VB_DIR [WORK_DIR] [training overrides, e.g. trainer.max_steps=40000]
# VB_DIR holds clean_trainset_28spk_wav/ noisy_trainset_28spk_wav/ clean_testset_wav/ noisy_testset_wav/ (48 kHz;
# files p226_001.wav, ...). WORK_DIR (default runs/voicebank_demand) receives:
#   manifest.tsv, split.tsv  the trainset split by speaker (p226, ...) into training and validation
#   run/                     the training run (data=pairs, resampled to 16 kHz on the fly); re-running resumes
#   eval/                    senhance-eval on the official test set (824 files, 2 unseen speakers)
#   MODEL_CARD.md            model, data, best step and validation score, test-set table
# Environment: PYTHON (default python), VALID_FRACTION (0.1), EVAL_METRICS ([pesq,stoi,estoi,si_sdr]),
# EVAL_SYSTEMS (systems evaluated beside the model; default wiener).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
root=$(realpath "${1:?usage: voicebank_demand.sh VB_DIR [WORK_DIR] [overrides]}"); shift
work=runs/voicebank_demand
if [[ $# -gt 0 && "$1" != *=* ]]; then work=$1; shift; fi
work=$(realpath -m "$work")

"$py" "$here/recipe_tools.py" voicebank "$root" "$work" --valid-fraction "${VALID_FRACTION:-0.1}"
"$py" -m senhance.cli.train hydra.run.dir="$work/run" data=pairs \
    data.noisy_dir="$root/noisy_trainset_28spk_wav" data.clean_dir="$root/clean_trainset_28spk_wav" \
    "data.group_regex='^(p\d+)_'" data.split_file="$work/split.tsv" data.cache_dir="$work/cache" \
    sample_rate=16000 trainer.best_metric=si_sdr "$@"
"$py" -m senhance.cli.evaluate noisy_dir="$root/noisy_testset_wav" clean_dir="$root/clean_testset_wav" \
    "systems=[voicebank:$work/run/checkpoints/best.pt,${EVAL_SYSTEMS:-wiener}]" \
    "metrics=${EVAL_METRICS:-[pesq,stoi,estoi,si_sdr]}" output_dir="$work/eval" progress=false > /dev/null
"$py" "$here/recipe_tools.py" card "$work" --corpus "VoiceBank-DEMAND (28 speakers), $root" \
    --command "bash scripts/recipes/voicebank_demand.sh $root $work $*"
