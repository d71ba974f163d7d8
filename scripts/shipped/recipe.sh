# Sourced by train_default.sh and fit_linear.sh: the data recipe of the shipped models.
# Needs $corpus (a folder laid out like ../shared/corpus) to be set.
DATA_ARGS=(
    data=mix data.speech_dir="$corpus/speech" data.noise_dir="$corpus/noise"
    data.corpus_manifest="$corpus/MANIFEST.tsv" data.split_file=checkpoints/default.split.tsv
    data.snr_range='[-5.0,25.0]' data.level_range='[-45.0,-5.0]' data.reverb_prob=0.3 data.band_limit_prob=0.15
    data.segment_seconds=4.0 data.examples_per_epoch=4000 data.preload=true
    num_workers=2
)

# Leg 5 on (train_default.sh only): the augmentations of issue 16 that make training look like real
# recordings. They also apply to the run's own validation mixtures, so its `best` was reset at step 16,250.
AUGMENT_ARGS=(
    data.speed_prob=0.2 data.pitch_prob=0.1 data.eq_prob=0.3 data.telephone_prob=0.05
    data.narrowband_prob=0.1 data.clip_prob=0.1 data.second_noise_prob=0.2 data.babble_prob=0.15
)
