"""What a CNN has learned, for the live views: first-layer filters, every layer's feature maps, one image.

Pure NumPy, usable from a notebook:

    from visualdl.engine.cnn.features import first_layer_filters, record_forward, FeatureProbe
    tiles, scale = first_layer_filters(trainer.model)   # (F, k, k, 3) in [0, 1], (F,) max |w|
    layers = record_forward(trainer.model, x)            # x: (1, 3, 32, 32) preprocessed
    probe = FeatureProbe(image)                          # image: (32, 32, 3) uint8, one test image
    view = probe(trainer)                                # filters + every layer's maps + probabilities

Colour conventions (the GUI draws what these functions return):
- filter tiles: tile = 0.5 + 0.5 * W_f / max|W_f|, one scale per filter, so a zero weight is mid-grey,
  a positive weight on a colour channel makes that channel brighter, a negative one darker;
- feature maps: ``scale_maps`` divides by max |value| per map or per layer, giving [-1, 1] for a
  signed layer (conv or batch-norm output: drawn with a diverging scale centred on zero) and [0, 1]
  for a non-negative one (after ReLU, pooling of ReLU outputs: drawn in greys).

``record_forward`` runs the model's own layers with ``train=False`` and puts back every cache it
touches, so it can be called between a training step's forward and backward without changing the
gradients (tests/test_cnn_features.py proves it).
"""
from __future__ import annotations

import math

import numpy as np

# Readable layer names: conv1, bn1, relu1, pool1, conv2, ... flatten, fc1, ...
_PREFIX = {"Conv2D": "conv", "BatchNorm": "bn", "ReLU": "relu", "LeakyReLU": "lrelu", "ELU": "elu",
           "Sigmoid": "sigmoid", "Tanh": "tanh", "MaxPool2D": "pool", "AvgPool2D": "avgpool",
           "Dropout": "dropout", "Flatten": "flatten", "Linear": "fc"}


def layer_names(model) -> list[str]:
    """One short name per layer of a Sequential: ["conv1", "relu1", "pool1", "flatten", "fc1"]."""
    counts: dict[str, int] = {}
    names = []
    for layer in model.layers:
        prefix = _PREFIX.get(type(layer).__name__, type(layer).__name__.lower())
        counts[prefix] = counts.get(prefix, 0) + 1
        names.append(prefix if prefix == "flatten" else f"{prefix}{counts[prefix]}")
    return names


def first_conv(model):
    """The model's first Conv2D layer, or None when it has none (an MLP)."""
    return next((layer for layer in model.layers if type(layer).__name__ == "Conv2D"), None)


def filter_tiles(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W: (F, C, k, k) weights -> (tiles (F, k, k, C) float32 in [0, 1], scale (F,) float32).

    tile = 0.5 + 0.5 * W_f / max|W_f| (each filter by its own largest |weight|, channels last so
    3 channels read as RGB). A filter of zeros is all 0.5 with scale 0.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4:
        raise ValueError(f"filter_tiles expects weights (F, C, k, k), got shape {W.shape}")
    scale = np.abs(W).reshape(len(W), -1).max(axis=1) if W.size else np.zeros(len(W))
    safe = np.where(scale > 0, scale, 1.0)
    tiles = 0.5 + 0.5 * W / safe[:, None, None, None]
    return tiles.transpose(0, 2, 3, 1).astype(np.float32), scale.astype(np.float32)


def first_layer_filters(model) -> tuple[np.ndarray, np.ndarray]:
    """The first conv layer's filters as tiles: see ``filter_tiles``. ValueError for a model without one."""
    conv = first_conv(model)
    if conv is None:
        raise ValueError("the model has no convolutional layer: its first layer has no filters to show")
    return filter_tiles(conv.params["W"])


def _saved_state(layer) -> dict:
    """What forward(train=False) may overwrite that a following backward (or a view) still needs."""
    return {name: getattr(layer, name) for name in ("cache", "mask") if hasattr(layer, name)}


def record_forward(model, x: np.ndarray) -> list[dict]:
    """Push a batch through every layer of a Sequential in inference mode, recording each output.

    x: (N, C, H, W) preprocessed float input (N = 1 for one image).
    Returns one dict per layer: {"index", "name", "type", "shape" (output without the batch axis),
    "output": (N, *shape) float32, a copy}. Batch norm uses its running statistics and dropout is off
    (train=False). Layer caches and dropout masks are restored afterwards and ``model.activations``
    is not touched, so training goes on exactly as if this had never run.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"record_forward expects a batch (N, ...), got shape {x.shape}")
    saved = [_saved_state(layer) for layer in model.layers]
    out = []
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for i, (layer, name) in enumerate(zip(model.layers, layer_names(model))):
                x = layer.forward(x, train=False)
                y = np.ascontiguousarray(x, dtype=np.float32)
                out.append({"index": i, "name": name, "type": type(layer).__name__,
                            "shape": tuple(int(d) for d in y.shape[1:]), "output": y.copy()})
    finally:
        for layer, state in zip(model.layers, saved):
            for attr, value in state.items():
                setattr(layer, attr, value)
    return out


def softmax(scores: np.ndarray) -> np.ndarray:
    """scores (..., C) -> probabilities (..., C), summing to 1 along the last axis (stable)."""
    s = np.asarray(scores, dtype=np.float64)
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def scale_maps(maps: np.ndarray, mode: str = "map") -> tuple[np.ndarray, bool]:
    """maps: (K, H, W) one layer's feature maps -> (scaled maps float32, signed).

    signed: the layer has a negative value (conv / batch-norm outputs); then values are divided by
    max |value| and lie in [-1, 1]; otherwise (after ReLU) they lie in [0, 1].
    mode "map": each map by its own max |value| (shows every map's pattern, hides their strength);
    mode "layer": one scale for the whole layer (compares strengths; weak maps look dark/flat).
    A map (or layer) of zeros stays zero.
    """
    if mode not in ("map", "layer"):
        raise ValueError(f"Unknown normalisation {mode!r} (choose 'map' or 'layer')")
    m = np.asarray(maps, dtype=np.float32)
    if m.ndim != 3:
        raise ValueError(f"scale_maps expects maps (K, H, W), got shape {m.shape}")
    finite = np.where(np.isfinite(m), m, 0.0).astype(np.float32)
    signed = bool((finite < 0).any())
    mag = np.abs(finite)
    if mode == "map":
        top = mag.reshape(len(m), -1).max(axis=1) if m.size else np.zeros(len(m), np.float32)
        top = top[:, None, None]
    else:
        top = np.float32(mag.max()) if m.size else np.float32(0)
    return (finite / np.where(top > 0, top, 1.0)).astype(np.float32), signed


def as_maps(output: np.ndarray) -> np.ndarray:
    """One example's layer output as maps (K, H, W): (C, H, W) unchanged, a vector (D,) as one row map."""
    a = np.asarray(output)
    if a.ndim == 3:
        return a
    if a.ndim == 1:
        return a[None, None, :]
    raise ValueError(f"as_maps expects (C, H, W) or (D,), got shape {a.shape}")


def grid_shape(k: int, max_cols: int = 8) -> tuple[int, int]:
    """(rows, cols) of a near-square grid for k tiles, at most max_cols wide."""
    if k < 1:
        raise ValueError(f"grid_shape needs at least one tile, got {k}")
    cols = min(max_cols, max(1, math.ceil(math.sqrt(k))))
    return math.ceil(k / cols), cols


def tile_grid(tiles: np.ndarray, cols: int, gap: int = 1, fill=np.nan) -> np.ndarray:
    """tiles (K, h, w) or (K, h, w, 3) -> one mosaic (rows*(h+gap)-gap, cols*(w+gap)-gap[, 3]).

    Tile i goes to row i // cols, column i % cols; gaps and empty cells hold ``fill``.
    """
    t = np.asarray(tiles, dtype=np.float32)
    if t.ndim not in (3, 4) or len(t) == 0:
        raise ValueError(f"tile_grid expects tiles (K, h, w) or (K, h, w, 3), got shape {t.shape}")
    if cols < 1:
        raise ValueError(f"tile_grid needs at least one column, got {cols}")
    k, h, w = t.shape[:3]
    rows = math.ceil(k / cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap) + t.shape[3:], fill, np.float32)
    for i in range(k):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = t[i]
    return out


def tile_at(row: float, col: float, tile_h: int, tile_w: int, cols: int, count: int, gap: int = 1) -> int | None:
    """Which tile of a ``tile_grid`` mosaic the pixel (row, col) falls on; None for a gap or outside."""
    if row < 0 or col < 0:
        return None
    r, dr = divmod(int(row), tile_h + gap)
    c, dc = divmod(int(col), tile_w + gap)
    if dr >= tile_h or dc >= tile_w or c >= cols:
        return None
    i = r * cols + c
    return i if i < count else None


def resize_image(image: np.ndarray, size: int = 32) -> np.ndarray:
    """Any picture -> (size, size, 3) uint8, as a CIFAR-10 image: centre crop to a square, area resampling.

    image: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA (alpha dropped), uint8 or floats in 0..255.
    Area resampling: each output pixel is the average of the input area it covers (partial pixels
    weighted by overlap), so shrinking is smooth and an image of constant blocks keeps its values.
    """
    a = np.asarray(image)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"Expected a picture (H, W), (H, W, 3) or (H, W, 4), got shape {a.shape}")
    if int(size) < 1:
        raise ValueError(f"Invalid output size {size} (need at least 1 pixel)")
    a = a[:, :, :3].astype(np.float64)
    h, w = a.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    a = a[top:top + side, left:left + side]
    R = _area_matrix(side, int(size))
    out = np.einsum("ih,hwc,jw->ijc", R, a, R)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in): row i averages input pixels over [i, i+1) * n_in / n_out, weighted by overlap."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


class FeatureProbe:
    """Callable(trainer) -> everything the live CNN views draw for one image (training job's probe).

    image: (32, 32, 3) uint8 as in the dataset (raw, not preprocessed); label: its true class or None
    (a picture of your own); tag: anything that says which image this is (comes back unchanged).
    Runs on the worker thread between training steps; returns fresh arrays the GUI may keep:
        {"tag", "label", "iteration", "filters" (F, k, k, 3) in [0, 1] or None, "filter_scale" (F,),
         "layers": [record_forward dicts with "output" (shape,) for this one image],
         "scores" (C,), "probs" (C,) (softmax of the scores), "predicted" int}
    """

    def __init__(self, image: np.ndarray, label: int | None = None, tag=None):
        img = np.asarray(image)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"FeatureProbe expects one image (H, W, 3), got shape {img.shape}")
        self.image = np.array(img, dtype=np.uint8)  # our own copy: the GUI may reuse its buffer
        self.label = None if label is None else int(label)
        self.tag = tag

    def __call__(self, trainer) -> dict:
        model = trainer.model
        x = trainer.preprocessor.transform(self.image[None])
        layers = record_forward(model, x)
        for layer in layers:
            layer["output"] = layer["output"][0]
        scores = layers[-1]["output"].astype(np.float64)
        probs = softmax(scores)
        conv = first_conv(model)
        tiles, scale = filter_tiles(conv.params["W"]) if conv is not None else (None, None)
        return {"tag": self.tag, "label": self.label, "iteration": int(trainer.iteration),
                "filters": tiles, "filter_scale": scale, "layers": layers, "scores": scores, "probs": probs,
                "predicted": int(np.argmax(probs))}
