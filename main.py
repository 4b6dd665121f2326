"""Launch the VisualDL desktop app: ``python main.py``."""
from visualdl.ui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
