#!/usr/bin/env bash
# On the GPU machine, from the repository root: one training leg of the shipped recipe on a pack
# (scripts/shipped/gpu/pack.py), ending within MINUTES; results in $OUT. See README.md beside this file.
#   bash scripts/shipped/gpu/leg.sh PACK_DIR MINUTES [extra Hydra overrides]
# The recipe is train_default.sh's own argument list (read by running it with `exec` shadowed), so a leg
# trains exactly what the CPU runs train; leg.py points it at the pack and the machine.
set -euo pipefail
export LEG_T0=${LEG_T0:-$(date +%s)}
pack=$(realpath "${1:?usage: leg.sh PACK_DIR MINUTES [overrides]}"); minutes=${2:?usage: leg.sh PACK_DIR MINUTES}
shift 2
cd "$(dirname "$0")/../../.."
py=${LEG_PYTHON:-python3}
[ -f "$pack/pack.json" ] || { echo "leg.sh: $pack/pack.json missing: make the pack with scripts/shipped/gpu/pack.py" >&2; exit 2; }
if [ "${LEG_SKIP_WHEELS:-0}" != 1 ] && compgen -G "$pack/wheels/*.whl" >/dev/null; then  # LEG_SKIP_WHEELS=1: here
    "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        "$pack"/wheels/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-4} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1} \
    OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# train_default.sh ends in `exec .venv/bin/python -m senhance.cli.train ARGS...`: print ARGS instead.
mapfile -d '' recipe < <(bash -c '
    exec() { [ "${2:-}" = -m ] && [ "${3:-}" = senhance.cli.train ] || { echo "leg.sh: train_default.sh no longer ends in exec PYTHON -m senhance.cli.train" >&2; return 1; }
             shift 3; printf "%s\0" "$@"; }
    source "$0" "$1"' scripts/shipped/train_default.sh "$pack")
[ "${#recipe[@]}" -gt 0 ] || { echo "leg.sh: could not read the recipe from scripts/shipped/train_default.sh" >&2; exit 2; }
exec "$py" scripts/shipped/gpu/leg.py "$pack" "$minutes" -- "${recipe[@]}" -- "$@"
