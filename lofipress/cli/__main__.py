"""`python -m lofipress.cli`, as `python -m lofipress`: the `lofipress` command."""
import sys

from . import main

sys.exit(main())
