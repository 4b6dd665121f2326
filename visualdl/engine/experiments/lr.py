"""Learning-rate babysitting: the same model at several rates, and the learning-rate range test.

    lr_sweep(data, config, lrs, iterations) generator: every run starts from the SAME initial weights
        (same seed) and the same batches; yields {"iteration", "losses": [loss of run k or None]}
    lr_range_test(data, config, lr_min, lr_max, iterations) generator: one run whose rate grows
        exponentially from lr_min to lr_max; yields {"i", "lr", "loss"}; returns
        {"lrs", "losses", "smoothed", "suggested", "lowest" (rate of the lowest smoothed loss)}
    suggest_lr(lrs, losses) -> the rate where the smoothed loss falls fastest (per log10 of the rate)
"""
from __future__ import annotations

import math

import numpy as np

LR_SWEEP_DEFAULT = (1.0, 0.1, 1e-3, 3e-2)  # very high, high, low, good (plain SGD on images)


def smooth(values, beta: float = 0.9) -> np.ndarray:
    """Debiased exponential moving average (as the dashboard's smoothed loss); NaN/inf carried through."""
    out, avg = np.empty(len(values)), 0.0
    for i, v in enumerate(values):
        avg = beta * avg + (1 - beta) * float(v)
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def suggest_lr(lrs, losses, beta: float = 0.9) -> float:
    """The rate where the smoothed loss decreases fastest per decade of the rate (steepest descent
    of loss against log10(lr)), looking only before the smoothed loss reaches its minimum and
    after the first tenth of those steps (an average of a few steps is too noisy to read).

    lrs, losses: equal-length sequences from a range test (lrs increasing). Raises ValueError when
    there are fewer than 5 finite points.
    """
    lrs, losses = np.asarray(lrs, dtype=np.float64), np.asarray(losses, dtype=np.float64)
    n = int(np.argmax(~np.isfinite(losses))) if not np.isfinite(losses).all() else len(losses)
    if n < 5:
        raise ValueError(f"the range test has only {n} finite losses: too few to suggest a rate")
    lrs, s = lrs[:n], smooth(losses[:n], beta)
    stop = max(int(np.argmin(s)), 4)
    slope = np.gradient(s[:stop + 1], np.log10(lrs[:stop + 1]))
    skip = max(2, (stop + 1) // 10)  # the first steps' average is too noisy to read a slope from
    return float(lrs[skip + int(np.argmin(slope[skip:]))] if stop + 1 > skip + 1 else lrs[int(np.argmin(slope))])


def _trainer(data, config, lr):
    from visualdl.engine.nn.trainer import Trainer

    cfg = dict(config)
    cfg["optim"] = {**config.get("optim", {"name": "sgd"}), "lr": float(lr)}
    return Trainer(cfg, data, train_eval_size=1)


def lr_sweep(data, config: dict, lrs, iterations: int = 200, cancel=None):
    """Train `config` on `data` once per rate in `lrs`, interleaved step by step.

    Every run is built from the same config (same seed: same initial weights, same batch order);
    only the rate differs. Yields {"iteration", "losses": [float or None (the run diverged)]}.
    """
    runs = [_trainer(data, config, lr) for lr in lrs]
    for it in range(1, int(iterations) + 1):
        if cancel is not None and cancel.is_set():
            return
        losses = []
        for t in runs:
            if t.stopped_reason is not None:
                losses.append(None)
                continue
            m = t.step()
            losses.append(None if "stopped" in m else m["loss"])
        yield {"iteration": it, "losses": losses}


def lr_range_test(data, config: dict, lr_min: float = 1e-5, lr_max: float = 10.0, iterations: int = 100,
                  cancel=None, diverge_factor: float = 4.0):
    """One run whose rate grows from lr_min to lr_max geometrically over `iterations` steps.

    Stops early when the smoothed loss exceeds diverge_factor x its minimum or the loss is not
    finite. Yields {"i", "lr", "loss"} per step; returns {"lrs", "losses", "smoothed", "suggested",
    "lowest"}: suggested = suggest_lr(...), lowest = the rate where the smoothed loss was lowest
    (the usual advice is to train a little below it, e.g. lowest / 10).
    """
    if not 0 < lr_min < lr_max:
        raise ValueError(f"the range test needs 0 < lr_min < lr_max, got {lr_min}, {lr_max}")
    iterations = int(iterations)
    if iterations < 5:
        raise ValueError(f"the range test needs at least 5 iterations, got {iterations}")
    rates = np.geomspace(lr_min, lr_max, iterations)
    trainer = _trainer(data, config, rates[0])
    lrs, losses, best, avg = [], [], math.inf, 0.0
    for i, lr in enumerate(rates):
        if cancel is not None and cancel.is_set():
            break
        trainer.set_hyperparams(lr=float(lr))
        m = trainer.step()
        loss = m["loss"] if "stopped" not in m else math.nan
        lrs.append(float(lr))
        losses.append(loss)
        yield {"i": i, "lr": float(lr), "loss": loss}
        if not math.isfinite(loss):
            break
        avg = 0.9 * avg + 0.1 * loss
        smoothed = avg / (1 - 0.9 ** (i + 1))
        best = min(best, smoothed)
        if smoothed > diverge_factor * best:
            break
    try:
        suggested = suggest_lr(lrs, losses)
    except ValueError:
        suggested = None
    smoothed = smooth(losses) if losses else np.zeros(0)
    finite = np.isfinite(smoothed)
    lowest = float(np.asarray(lrs)[finite][np.argmin(smoothed[finite])]) if finite.any() else None
    return {"lrs": lrs, "losses": losses, "smoothed": smoothed.tolist(), "suggested": suggested,
            "lowest": lowest}
