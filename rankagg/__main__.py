"""``python -m rankagg``."""

import sys

from rankagg.cli import main

sys.exit(main())
