"""Build the station: `python build.py` is `lofipress build`."""
import sys

from lofipress.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
