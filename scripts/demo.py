"""`make demo`: enhance the bundled example recording with the shipped model and the linear baseline.

    python scripts/demo.py [--output-dir demo_output]
"""
import argparse
import time

from senhance.demo import example_paths, format_scores, run_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default="demo_output")
    args = parser.parse_args()
    noisy, clean = example_paths()
    print(f"senhance demo: enhancing {noisy.name} (held-out speech + restaurant babble at 5 dB SNR;"
          f" credits: senhance/assets/CREDITS.md)")
    start = time.perf_counter()
    scores = run_demo(args.output_dir)
    print(format_scores(scores))
    print(f"(scored against {clean.name}; {time.perf_counter() - start:.1f} s)")
    print(f"wrote the enhanced files and {args.output_dir}/spectrograms.png (noisy / each system / clean)")


if __name__ == "__main__":
    main()
