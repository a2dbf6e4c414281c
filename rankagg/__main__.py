"""``python -m rankagg``."""

import sys

from rankagg.cli.app import main

sys.exit(main())
