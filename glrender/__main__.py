"""``python -m glrender`` runs the same command as the ``glrender`` console script."""

from __future__ import annotations

import sys

from glrender.cli import main

sys.exit(main())
