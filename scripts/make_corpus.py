#!/usr/bin/env python
"""Freeze a paired noisy/clean test set from a speech folder and a noise folder.

    python scripts/make_corpus.py --speech-dir speech --noise-dir noise --out-dir frozen \\
        --num-examples 200 --seconds 4 --seed 0 --snr -5 20

writes ``frozen/noisy/*.wav``, ``frozen/clean/*.wav`` and ``frozen/manifest.tsv`` (SNR, noise file, gains,
seed of every example) with the same mixing code as ``data=mix``; ``--seconds 0`` makes one
whole-utterance example per speech file. The result trains or evaluates with ``data=pairs``.
"""
import argparse
import sys

from senhance.data.corpus import make_corpus


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speech-dir", required=True)
    parser.add_argument("--noise-dir", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--rir-dir", default=None, help="room impulse responses (else synthetic when --reverb-prob > 0)")
    parser.add_argument("--num-examples", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=4.0, help="example length; 0 = whole utterances")
    parser.add_argument("--sample-rate", type=int, default=16000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--snr", type=float, nargs=2, default=[-5.0, 20.0], metavar=("LOW", "HIGH"))
    parser.add_argument("--level", type=float, nargs=2, default=[-45.0, -10.0], metavar=("LOW", "HIGH"),
                        help="mixture RMS in dBFS")
    parser.add_argument("--reverb-prob", type=float, default=0.0)
    parser.add_argument("--rt60", type=float, nargs=2, default=[0.2, 1.0], metavar=("LOW", "HIGH"))
    parser.add_argument("--band-limit-prob", type=float, default=0.0)
    parser.add_argument("--cutoff", type=float, nargs=2, default=[3400.0, 7000.0], metavar=("LOW", "HIGH"))
    parser.add_argument("--subtype", default=None, help="soundfile subtype, e.g. PCM_16 (default) or FLOAT")
    parser.add_argument("--suffix", default=".wav", help=".wav or .flac")
    parser.add_argument("--skip-bad", action="store_true", help="skip unreadable source files")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        manifest, failures = make_corpus(
            speech_dir=args.speech_dir, noise_dir=args.noise_dir, out_dir=args.out_dir,
            sample_rate=args.sample_rate, num_examples=args.num_examples, segment_seconds=args.seconds or None,
            seed=args.seed, subtype=args.subtype, suffix=args.suffix, skip_bad=args.skip_bad, progress=True,
            rir_dir=args.rir_dir, snr_range=args.snr, level_range=args.level, reverb_prob=args.reverb_prob,
            rt60_range=args.rt60, band_limit_prob=args.band_limit_prob, cutoff_range=args.cutoff)
    except ValueError as error:
        print(f"make_corpus: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {manifest}" + (f" ({len(failures)} example(s) failed)" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
