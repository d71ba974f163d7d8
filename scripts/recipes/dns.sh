#!/usr/bin/env bash
# Train, evaluate and describe a model on the DNS Challenge data (clean speech + noise, mixed on the fly),
# from your downloaded copy:
#   bash scripts/recipes/dns.sh DNS_DIR [WORK_DIR] [training overrides, e.g. trainer.max_steps=100000]
# DNS_DIR holds datasets/clean/ (read speech, ..._reader_06709_... file names) and datasets/noise/.
# WORK_DIR (default runs/dns) receives:
#   manifest.tsv             every file with its group (speaker = reader id; noise: the recording) and subset
#   train/, valid/           speech/ and noise/ link trees of the split (no speaker, no noise file on both sides)
#   test/                    a frozen noisy/clean test set mixed from the validation speakers and noises
#   run/                     the training run (data=mix); re-running resumes
#   eval/                    senhance-eval on test/
#   MODEL_CARD.md            model, data, best step and validation score, test-set table
# Environment: PYTHON (default python), VALID_FRACTION (0.05), TEST_EXAMPLES (200), TEST_SECONDS (4; 0 = whole
# utterances), EVAL_METRICS ([pesq,stoi,estoi,si_sdr]), EVAL_SYSTEMS (beside the model; default wiener).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
root=$(realpath "${1:?usage: dns.sh DNS_DIR [WORK_DIR] [overrides]}"); shift
work=runs/dns
if [[ $# -gt 0 && "$1" != *=* ]]; then work=$1; shift; fi
work=$(realpath -m "$work")

"$py" "$here/recipe_tools.py" dns "$root" "$work" --valid-fraction "${VALID_FRACTION:-0.05}"
if [[ ! -f "$work/test/manifest.tsv" ]]; then
    "$py" "$here/../make_corpus.py" --speech-dir "$work/valid/speech" --noise-dir "$work/valid/noise" \
        --out-dir "$work/test" --num-examples "${TEST_EXAMPLES:-200}" --seconds "${TEST_SECONDS:-4}" --seed 1 \
        --snr -5 20 > /dev/null
fi
"$py" -m senhance.cli.train hydra.run.dir="$work/run" data=mix \
    data.speech_dir="$work/train/speech" data.noise_dir="$work/train/noise" \
    data.valid_speech_dir="$work/valid/speech" data.valid_noise_dir="$work/valid/noise" \
    data.cache_dir="$work/cache" sample_rate=16000 trainer.best_metric=si_sdr "$@"
"$py" -m senhance.cli.evaluate noisy_dir="$work/test/noisy" clean_dir="$work/test/clean" \
    "systems=[dns:$work/run/checkpoints/best.pt,${EVAL_SYSTEMS:-wiener}]" \
    "metrics=${EVAL_METRICS:-[pesq,stoi,estoi,si_sdr]}" output_dir="$work/eval" progress=false > /dev/null
"$py" "$here/recipe_tools.py" card "$work" --corpus "DNS Challenge clean speech + noise, $root" \
    --command "bash scripts/recipes/dns.sh $root $work $*"
