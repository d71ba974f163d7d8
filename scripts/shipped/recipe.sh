# Sourced by train_default.sh and fit_linear.sh: the data recipe of the shipped models.
# Needs $corpus (a folder laid out like ../shared/corpus) to be set.
DATA_ARGS=(
    data=mix data.speech_dir="$corpus/speech" data.noise_dir="$corpus/noise"
    data.corpus_manifest="$corpus/MANIFEST.tsv" data.split_file=checkpoints/default.split.tsv
    data.snr_range='[-5.0,25.0]' data.level_range='[-45.0,-5.0]' data.reverb_prob=0.3 data.band_limit_prob=0.15
    data.segment_seconds=4.0 data.examples_per_epoch=4000 data.preload=true
    num_workers=2
)
