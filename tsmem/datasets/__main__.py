"""``python -m tsmem.datasets``: list the datasets, or download benchmark files ahead of time.

    python -m tsmem.datasets list
    python -m tsmem.datasets download etth1 exchange_rate   # or no name: every benchmark
    python -m tsmem.datasets download ili --data-dir data/

Downloads go where :func:`tsmem.datasets.load_dataset` looks: ``--data-dir``,
else ``$TSMEM_DATA_DIR``, else the user cache (``~/.cache/tsmem``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tsmem.datasets.files import _data_root, download_dataset
from tsmem.datasets.registry import dataset_info, list_datasets


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (1 if any dataset could not be had)."""
    parser = argparse.ArgumentParser(
        prog="python -m tsmem.datasets", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every registered dataset and whether it is bundled")
    fetch = commands.add_parser("download", help="download missing benchmark files now")
    fetch.add_argument("names", nargs="*", help="datasets to download (default: every benchmark)")
    fetch.add_argument("--data-dir", help="where to put them (default: $TSMEM_DATA_DIR or cache)")
    fetch.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="progress bars on stderr (default: when it is a terminal)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.command == "list":
        for name in list_datasets():
            print(f"{name:15} {'bundled' if dataset_info(name).bundled else 'benchmark'}")
        return 0

    names = args.names or [name for name in list_datasets() if not dataset_info(name).bundled]
    root, why = _data_root(args.data_dir)
    print(f"data directory: {root}, from {why}")
    failed = 0
    for name in names:
        try:
            paths = download_dataset(name, args.data_dir, progress=args.progress)
        except (FileNotFoundError, ValueError) as error:  # DownloadError is a FileNotFoundError
            failed += 1
            print(f"{name}: error: {error}", file=sys.stderr)
            continue
        shown = ", ".join(str(path) for path in paths) or "bundled with tsmem, nothing to download"
        print(f"{name}: {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
