"""``python -m merx``: see :mod:`merx.app.cli`."""

import sys

from merx.app.cli import main

sys.exit(main())
