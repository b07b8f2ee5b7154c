"""``python -m twofa``: the same as the ``twofa`` command."""

from twofa.cli import main

raise SystemExit(main())
