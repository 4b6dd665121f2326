"""``python -m visualdl`` launches the app; ``python -m visualdl train ...`` etc. run the CLI."""
from visualdl.cli import main

raise SystemExit(main())
