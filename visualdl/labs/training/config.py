"""The dashboard form's flat state <-> a trainer config and a data request (no Qt, no widgets).

The form's WidgetBinding reads as one flat dict (``FORM_DEFAULTS`` lists its names); these
functions are the only place that knows how that dict maps onto ``visualdl.engine.models`` configs.
"""
from __future__ import annotations

from visualdl.data import DATASETS
from visualdl.engine.nn.models import default_config, validate_config
from visualdl.engine.nn.optim import OPTIMIZERS

HYPER_KEYS = ("mu", "decay", "beta1", "beta2")
# changed while training runs, no reset
LIVE = ("lr", "reg_strength", "l1_strength", "batch_size") + HYPER_KEYS
# a change builds a new model (after a short debounce)
STRUCTURE = ("dataset", "n_points", "n_classes", "noise", "preprocess", "preset", "hidden", "activation", "init",
             "init_std", "batchnorm", "dropout", "loss", "reg_kind", "optimizer", "seed")
TOY_PARAMS = ("n_points", "n_classes", "noise")


def parse_hidden(text: str) -> list[int]:
    """'200, 100' (or '200 100', '200; 100') -> [200, 100]; ValueError naming the text otherwise."""
    text = str(text).replace(";", ",").strip()
    if not text:
        return []
    try:
        return [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError(f"Invalid hidden sizes: {text!r} (write whole numbers, e.g. 200, 100)") from None


def to_config(state: dict) -> dict:
    """The validated config the form describes (ValueError names a bad field)."""
    cfg = default_config(state["preset"])
    m = cfg["model"]
    m["hidden"] = parse_hidden(state["hidden"])
    m["activation"] = state["activation"]
    m["init"] = state["init"]
    m["init_std"] = state["init_std"]
    m["batchnorm"] = bool(state["batchnorm"])
    m["dropout"] = state["dropout"]
    cfg["loss"] = state["loss"]
    cfg["reg"] = {"kind": state["reg_kind"], "strength": state["reg_strength"],
                  "l1_strength": state["l1_strength"], "max_norm": None}
    name = state["optimizer"]
    cfg["optim"] = {"name": name, "lr": state["lr"]}
    for key in OPTIMIZERS[name]:
        if key in HYPER_KEYS:
            cfg["optim"][key] = state[key]
    cfg["batch_size"] = state["batch_size"]
    cfg["seed"] = state["seed"]
    cfg["preprocess"] = state["preprocess"]
    return validate_config(cfg)


def to_data_request(state: dict) -> dict:
    """{"name", "params", "seed"}: what to load (toy sets take their size, classes and noise)."""
    name = state["dataset"]
    params = {}
    if DATASETS[name]["kind"] == "points":
        params = {"n_points": state["n_points"], "n_classes": state["n_classes"], "noise": round(state["noise"], 6)}
    return {"name": name, "params": params, "seed": state["seed"]}


def to_state(cfg: dict, data_request: dict | None = None) -> dict:
    """The form values that show ``cfg`` (and the dataset of ``data_request`` when given)."""
    m, o = cfg["model"], cfg["optim"]
    state = {
        "preset": m["preset"], "hidden": ", ".join(str(h) for h in m.get("hidden", [])),
        "activation": m["activation"], "init": m["init"], "init_std": m.get("init_std", 0.01),
        "batchnorm": bool(m.get("batchnorm")), "dropout": m.get("dropout", 0.0),
        "loss": cfg["loss"], "reg_kind": cfg["reg"]["kind"], "reg_strength": cfg["reg"]["strength"],
        "l1_strength": cfg["reg"].get("l1_strength", 0.0),
        "optimizer": o["name"], "lr": o["lr"], "batch_size": cfg["batch_size"], "seed": cfg["seed"],
        "preprocess": cfg.get("preprocess", "channel"),
    }
    for key in HYPER_KEYS:
        value = o.get(key, OPTIMIZERS.get(o["name"], {}).get(key))
        if value is not None:
            state[key] = value
    if data_request:
        state["dataset"] = data_request["name"]
        for key, value in data_request.get("params", {}).items():
            if key in TOY_PARAMS:
                state[key] = value
    return state


def live_hyper(state: dict) -> dict:
    """The hyperparameters Trainer.set_hyperparams takes from the form (lr, batch size, optimizer's own, reg)."""
    hyper = {"lr": state["lr"], "batch_size": state["batch_size"]}
    for key in OPTIMIZERS[state["optimizer"]]:
        if key in HYPER_KEYS:
            hyper[key] = state[key]
    if state["reg_kind"] != "none":
        hyper["reg_strength"] = state["reg_strength"]
        hyper["l1_strength"] = state["l1_strength"]
    return hyper


def optimizer_defaults(name: str) -> dict:
    """Form values a newly chosen optimizer starts with (its lr and its own hyperparameters)."""
    return {"lr": OPTIMIZERS[name]["lr"], **{k: v for k, v in OPTIMIZERS[name].items() if k in HYPER_KEYS}}


def run_label(config: dict, lrs=()) -> str:
    """'two_layer relu adam lr=0.001', or '... lr 0.001→0.05 (varied)' when the lr changed during the run.

    config: the config the run was built with; lrs: the lr of each iteration so far.
    """
    import numpy as np

    m, o = config["model"], config["optim"]
    lrs = np.asarray(lrs, dtype=float)
    lrs = lrs[np.isfinite(lrs)]
    if lrs.size and lrs.min() != lrs.max():
        lr = f"lr {lrs[0]:g}→{lrs[-1]:g} (varied)"
    else:
        lr = f"lr={(lrs[0] if lrs.size else o['lr']):g}"
    return f"{m['preset']} {m['activation']} {o['name']} {lr}"
