"""The image-set choice the image pages of labs 1 and 2 share: built-in images or CIFAR-10."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel

from visualdl.labs.common.widgets import combo


def image_source_combo() -> QComboBox:
    """Built-in images or CIFAR-10 (wheel-guarded like every form control)."""
    return combo([("builtin", "Built-in images"), ("cifar10", "CIFAR-10")])


def held_out_size(source: str) -> int:
    """How many validation or test images a page holds out: 500 of the built-in set, 1000 of CIFAR-10."""
    return 500 if source == "builtin" else 1000


def start_image_load(ctx, source: str, n_train: int, n_val: int, n_test: int, status_label: QLabel,
                     slot=None, on_loaded=None, on_error=None):
    """Start loading `source` on the app's worker -> its Job, or None (and say why) when
    CIFAR-10 is chosen but not open. The split sizes use each loader's own parameter names.

    slot: a LatestJob the load becomes the current job of; on_loaded / on_error: bound slots
    connected to its finished / errored signals."""
    if source == "cifar10" and ctx.cifar_path() is None:
        status_label.setText("CIFAR-10 is not open: use File > Open CIFAR-10 archive (or the built-in images).")
        return None
    params = {"n_train": n_train, "n_val": n_val, "n_test": n_test} if source == "builtin" else \
        {"num_train": n_train, "num_val": n_val, "num_test": n_test}
    status_label.setText(f"Loading {source}…")
    job = ctx.load_dataset(source, **params)
    if slot is not None:
        slot.start(job)
    if on_loaded is not None:
        job.finished.connect(on_loaded)
    if on_error is not None:
        job.errored.connect(on_error)
    return job
