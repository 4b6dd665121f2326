"""Background jobs of the nearest-neighbour lab (run by ctx.runner on the worker thread).

Each job takes `ctl` (the runner's JobControl) first, calls the engine, and
returns or yields plain dicts of frozen arrays. No Qt here, and no maths
beyond calling the engine.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from visualdl.data import Cancelled
from visualdl.engine.classical.classifiers import KNearestNeighbor, cross_validate_k, votes_from_labels
from visualdl.engine.course.linear2d import Linear2D
from visualdl.engine.course.pixel_distance import distances_to, pixel_distance_demo
from visualdl.engine.classical.regions import KnnRegions, NeighborVotes, decide_votes, make_grid, predict_grid

K_MAX = 100  # the k slider's top: votes are prepared for every k up to this


def fit_linear_2d(X_train, y_train, num_classes, steps=400, lr=0.5, reg=1e-3, seed=0) -> Linear2D:
    """The comparison linear classifier: softmax, full-batch gradient descent."""
    model = Linear2D(num_classes, loss="softmax", reg=reg, seed=seed, scale=0.01)
    if len(y_train):
        model.fit(X_train, y_train, steps=steps, lr=lr)
    return model


def regions_job(ctl, X_train, y_train, X_val, y_val, num_classes, metric="l2", k_max=K_MAX, resolution=200,
                bounds=None):
    """kNN votes on the grid, the train and validation points for every k up to k_max,
    and the linear classifier's regions. Returns a dict (None when cancelled)."""
    everything = np.concatenate([X_train, X_val]) if len(X_val) else X_train
    grid = make_grid(everything, resolution=resolution, bounds=bounds)
    knn = KNearestNeighbor(k=1, metric=metric)
    knn.fit(X_train, y_train)
    cancel = ctl.cancel_event
    regions = KnnRegions.from_points(X_train, y_train, grid, k_max, num_classes, metric, cancel=cancel)
    if regions is None or cancel.is_set():  # superseded: newer points or metric are on their way
        return None
    ranked = partial(knn.neighbors, exact=False)  # the neighbour order predict() votes with
    train_votes = NeighborVotes.from_neighbors(ranked, y_train, X_train, k_max, num_classes, cancel=cancel)
    val_votes = (NeighborVotes.from_neighbors(ranked, y_train, X_val, k_max, num_classes, cancel=cancel)
                 if len(y_val) else None)
    if cancel.is_set():
        return None
    linear = fit_linear_2d(X_train, y_train, num_classes)
    return {"metric": metric, "grid": grid, "regions": regions, "train_votes": train_votes, "val_votes": val_votes,
            "y_train": y_train, "y_val": y_val,  # the labels these votes are scored against
            "linear_W": linear.W.copy(), "linear_b": linear.b.copy(),
            "linear_labels": predict_grid(linear.predict, grid),
            "linear_train_acc": linear.accuracy(X_train, y_train),
            "linear_val_acc": linear.accuracy(X_val, y_val) if len(y_val) else float("nan")}


def cv_job(ctl, X, y, ks, folds=5, metric="l2"):
    """k-fold cross-validation of kNN over a list of k (engine.classifiers.cross_validate_k:
    each fold's neighbours are found once for the largest k).

    Returns {"ks", "acc" (folds, len(ks)), "mean" (len(ks),), "std", "best_k"
    (highest mean; the smallest such k on ties), "metric"}, or None when cancelled.
    """
    try:
        out = cross_validate_k(X, y, ks, folds=folds, metric=metric, progress=ctl.report_progress,
                               cancel=ctl.cancel_event)
    except Cancelled:
        return None
    return {"ks": out["ks"], "acc": np.array(out["accuracies"]).T, "mean": np.array(out["mean"]),
            "std": np.array(out["std"]), "best_k": out["best_k"], "metric": metric}


def score_test_set_job(ctl, X_train, y_train, X_test, y_test, k, metric="l2", X_val=None, y_val=None):
    """The test set, scored once with the chosen k. Returns {"k", "metric", "acc"}.

    X_val, y_val (optional) join the training set here, on the worker: for 49,000 CIFAR-10 images
    that concatenation copies ~150 MB, too slow for the GUI thread."""
    if X_val is not None and len(X_val):
        X_train, y_train = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
    knn = KNearestNeighbor(k=int(k), metric=metric)
    knn.fit(X_train, y_train)
    pred = knn.predict(X_test)
    return {"k": int(k), "metric": metric, "acc": float(np.mean(pred == np.asarray(y_test)))}


def image_neighbors_job(ctl, X_train, y_train, image, k, metric="l2"):
    """The k nearest training images of one image, and their vote.

    image: (32, 32, 3) uint8. Returns {"indices" (k,), "distances" (k,), "labels" (k,),
    "votes" (C,), "prediction", "tied" (bool: the top vote was shared), "metric"}."""
    knn = KNearestNeighbor(k=int(k), metric=metric)
    knn.fit(X_train, y_train)
    idx, dist = knn.neighbors(np.asarray(image)[None], int(k))
    pred = int(knn.predict(np.asarray(image)[None])[0])
    labels = np.asarray(y_train)[idx[0]]
    num_classes = int(np.max(y_train)) + 1
    votes = votes_from_labels(labels[None], num_classes)[0]  # the engine's vote count
    _, tied = decide_votes(votes[None])
    return {"indices": np.asarray(idx[0]), "distances": np.asarray(dist[0], dtype=np.float64), "labels": labels,
            "votes": votes, "prediction": pred, "tied": bool(tied[0]), "metric": metric}


def pixel_demo_job(ctl, image, X_train=None, y_train=None, label=None):
    """The pixel-distance demo for one image, and (given the training images) how many
    training images, and how many of another class, are closer to it than the farthest of
    its three edited copies (each of which a person would call the same picture).
    Returns {"items": [...] as pixel_distance_demo, "farthest_edit", "nearest_train"
    (distance of the nearest training image), "closer": int, "closer_other": int, "n": int}."""
    items = pixel_distance_demo(image)
    farthest_edit = max(it["distance"] for it in items[1:])
    out = {"items": items, "farthest_edit": farthest_edit, "nearest_train": None, "closer": None,
           "closer_other": None, "n": 0}
    if X_train is not None and len(X_train):
        d = distances_to(image, X_train)
        out.update(closer=int((d < farthest_edit).sum()), n=len(d), nearest_train=float(d.min()),
                   closer_other=int(((d < farthest_edit) & (np.asarray(y_train) != label)).sum()))
    return out
