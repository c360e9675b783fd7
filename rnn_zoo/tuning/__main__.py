"""`python -m rnn_zoo.tuning launch ...` and `python -m rnn_zoo.tuning report DIR`."""

import argparse
import sys


def report(argv=None):
    """Writes (again) the results of a sweep folder and prints its table."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_zoo.tuning report",
        description="Write the trial table, plots and best.json of a sweep folder.",
    )
    parser.add_argument("project_dir", help="the sweep folder (directory/project_name)")
    args = parser.parse_args(argv)
    from rnn_zoo.tuning.results import write_results

    files = write_results(args.project_dir)
    with open(files["markdown"]) as f:
        print(f.read())
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = {"launch": None, "report": report}
    if not argv or argv[0] not in commands:
        print("usage: python -m rnn_zoo.tuning {launch,report} ...", file=sys.stderr)
        return 2
    if argv[0] == "launch":
        from rnn_zoo.tuning.distributed import main as launch_main

        return launch_main(argv[1:])
    return report(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
