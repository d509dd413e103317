"""`python -m lofipress`: the `lofipress` command."""
import sys

from .cli import main

sys.exit(main())
