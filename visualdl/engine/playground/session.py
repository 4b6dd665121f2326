"""One playground session: editable 2D points, the chosen input features and the engine's Trainer.

    pg = Playground(PlaygroundSpec(dataset="spiral", hidden=[16]))
    for _ in range(2000):
        pg.step()                          # one Trainer.step() (a minibatch update)
    v = pg.views()                         # compute_views(...) of the current weights
    v["metrics"]["val_acc"]

The Trainer sees the standardised features (FeatureMap, fitted once on the training points
when the data is made), with its own preprocessing off, so views can run the same inputs
through the weights. Editing points keeps the weights and optimizer state (a new Trainer on
the new points takes the old one's state_dict); reset() repeats the same initial weights,
reset(new_weights=True) draws new ones (the seed moves on by one).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np

from visualdl.data.dataset import DataSplits
from visualdl.data.splits import fraction_sizes
from visualdl.data.toy import make_toy
from visualdl.engine.nn.models import default_config, validate_config
from visualdl.engine.playground.features import DEFAULT_FEATURES, FeatureMap
from visualdl.engine.playground.network import ACTIVATIONS
from visualdl.engine.playground.views import compute_views
from visualdl.engine.classical.regions import make_grid
from visualdl.engine.nn.trainer import Trainer

TOY_SETS = ("spiral", "circles", "moons", "xor", "blobs")
GRID_RESOLUTION = 100


@dataclass
class PlaygroundSpec:
    """Everything that defines a run. Changing any field except the hyperparameters means a new run."""

    dataset: str = "spiral"
    n_points: int = 300
    n_classes: int = 3
    noise: float = 0.1
    val_ratio: float = 0.3
    data_seed: int = 0
    features: tuple = DEFAULT_FEATURES
    hidden: list = field(default_factory=lambda: [16])
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 0.01
    reg_kind: str = "l2"
    reg_strength: float = 1e-4
    batch_size: int = 16
    seed: int = 0
    resolution: int = GRID_RESOLUTION

    def config(self) -> dict:
        """The engine Trainer config of this spec (validated: a bad value raises ValueError naming it)."""
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {self.activation!r} (choose from {', '.join(ACTIVATIONS)})")
        cfg = default_config("two_layer" if self.hidden else "linear")
        cfg["model"]["hidden"] = [int(h) for h in self.hidden]
        cfg["model"]["activation"] = self.activation
        cfg["model"]["init"] = "xavier" if self.activation in ("tanh", "sigmoid") else "kaiming"
        cfg["optim"] = {"name": self.optimizer, "lr": float(self.lr)}
        cfg["reg"]["kind"] = self.reg_kind
        cfg["reg"]["strength"] = float(self.reg_strength)
        cfg["batch_size"] = int(self.batch_size)
        cfg["seed"] = int(self.seed)
        cfg["preprocess"] = "none"  # the FeatureMap standardises, fixed for the whole run
        return validate_config(cfg)


def split_points(X, y, val_ratio: float, seed: int = 0):
    """Random train/validation split of the points -> (X_train, y_train, X_val, y_val)."""
    n_train, n_val, _ = fraction_sizes(len(y), val_ratio, 0.0)
    order = np.random.default_rng(seed).permutation(len(y))
    tr, va = order[:n_train], order[n_train:n_train + n_val]
    return (np.asarray(X, np.float32)[tr], np.asarray(y, np.int64)[tr],
            np.asarray(X, np.float32)[va], np.asarray(y, np.int64)[va])


class Playground:
    """Points + features + Trainer (see the module docstring).

    points: optional (X (N, 2), y (N,)) to use instead of generating spec.dataset (a loaded CSV).
    """

    def __init__(self, spec: PlaygroundSpec, points=None):
        self.spec = copy.deepcopy(spec)
        self.config = self.spec.config()
        if points is None:
            X, y = make_toy(self.spec.dataset, self.spec.n_points, self.spec.n_classes, self.spec.noise,
                            self.spec.data_seed)
            self.num_classes = int(self.spec.n_classes)
        else:
            X, y = np.asarray(points[0], np.float32), np.asarray(points[1], np.int64)
            self.num_classes = int(y.max()) + 1
        self.X_train, self.y_train, self.X_val, self.y_val = split_points(X, y, self.spec.val_ratio,
                                                                          self.spec.data_seed)
        self.fmap = FeatureMap(self.spec.features).fit(self.X_train)
        allx = np.concatenate([self.X_train, self.X_val]).astype(np.float64)
        lo, hi = allx.min(axis=0), allx.max(axis=0)
        mid, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-3) * 1.15  # a square around the points
        self.grid = make_grid(None, self.spec.resolution,
                              bounds=(mid[0] - half, mid[0] + half, mid[1] - half, mid[1] + half))
        self.trainer = Trainer(self.config, self._splits(), train_eval_size=1000, keep_layer_grads=False)

    # ------------------------------------------------------------------ data
    def _splits(self) -> DataSplits:
        f = len(self.fmap)
        return DataSplits("playground", "points", [f"class {c}" for c in range(self.num_classes)],
                          self.fmap.transform(self.X_train), self.y_train.copy(),
                          self.fmap.transform(self.X_val), self.y_val.copy(),
                          np.zeros((0, f), np.float32), np.zeros(0, np.int64))

    def _new_trainer_keep_state(self) -> None:
        state = self.trainer.state_dict()
        config = copy.deepcopy(self.trainer.config)
        trainer = Trainer(config, self._splits(), train_eval_size=1000, keep_layer_grads=False)
        trainer.load_state_dict(state)
        trainer.history = self.trainer.history
        self.trainer = trainer

    def add_point(self, x: float, y: float, label: int) -> None:
        """Add a training point of class ``label`` (an existing class); weights are kept."""
        label = int(label)
        if not 0 <= label < self.num_classes:
            raise ValueError(f"Invalid class {label}: this data has classes 0..{self.num_classes - 1}")
        self.X_train = np.vstack([self.X_train, np.array([[x, y]], np.float32)])
        self.y_train = np.append(self.y_train, np.int64(label))
        self._new_trainer_keep_state()

    def remove_near(self, x: float, y: float) -> bool:
        """Remove the training or validation point nearest (x, y); False when only one training point is left."""
        p = np.array([x, y], np.float32)
        d_tr = ((self.X_train - p) ** 2).sum(1)
        d_va = ((self.X_val - p) ** 2).sum(1) if len(self.X_val) else np.array([np.inf])
        if d_va.min() < d_tr.min():
            i = int(np.argmin(d_va))
            self.X_val, self.y_val = np.delete(self.X_val, i, 0), np.delete(self.y_val, i)
        else:
            if len(self.y_train) <= 1:
                return False
            i = int(np.argmin(d_tr))
            self.X_train, self.y_train = np.delete(self.X_train, i, 0), np.delete(self.y_train, i)
        self._new_trainer_keep_state()
        return True

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """All points (train then validation) -> (X (N, 2), y (N,)), e.g. to save as CSV."""
        return np.concatenate([self.X_train, self.X_val]), np.concatenate([self.y_train, self.y_val])

    # ------------------------------------------------------------------ training
    def step(self) -> dict:
        """One minibatch update of the Trainer; its metrics dict (contains "stopped" on divergence)."""
        return self.trainer.step()

    def reset(self, new_weights: bool = False) -> None:
        """Start over on the same points: the same initial weights, or new ones (seed + 1)."""
        if new_weights:
            self.spec.seed += 1
        self.spec.lr = self.trainer.config["optim"]["lr"]
        self.spec.reg_strength = self.trainer.config["reg"]["strength"]
        self.spec.batch_size = self.trainer.config["batch_size"]
        self.config = self.spec.config()
        self.trainer = Trainer(self.config, self._splits(), train_eval_size=1000, keep_layer_grads=False)

    def set_hyper(self, **kw) -> None:
        """lr, reg_strength, batch_size between steps, without a reset (Trainer.set_hyperparams)."""
        self.trainer.set_hyperparams(**kw)
        self.spec = replace(self.spec, **{k: v for k, v in kw.items() if hasattr(self.spec, k)})

    @property
    def sizes(self) -> list[int]:
        """[inputs, hidden units..., classes]."""
        return [len(self.fmap), *self.spec.hidden, self.num_classes]

    def views(self) -> dict:
        """compute_views of the current weights on the grid, plus iteration and epoch."""
        v = compute_views(self.trainer.params, self.spec.activation, self.fmap, self.grid,
                          self.X_train, self.y_train, self.X_val, self.y_val)
        v["iteration"], v["epoch"] = self.trainer.iteration, self.trainer.epoch
        return v
