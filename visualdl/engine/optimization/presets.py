"""The course's optimization problems as one-click presets for the race.

Each preset: surface key, start point, the optimizers that run with their hyperparameters,
gradient noise, and the sentence shown to the student. Tuned so the named effect shows
within a few hundred steps (tests check each one does what its note says).
"""
from __future__ import annotations

PRESETS = {
    "ravine": {
        "title": "SGD zig-zags in a ravine",
        "surface": "bowl", "start": (-4.5, 1.5), "noise": 0.0,
        "optimizers": {"sgd": {"lr": 0.075}, "momentum": {"lr": 0.01, "mu": 0.9}},
        "note": "Steep across, shallow along: SGD's steps bounce across the ravine (y flips sign each "
                "step) and crawl along it; momentum averages the bounces away.",
    },
    "saddle": {
        "title": "Stuck at a saddle point",
        "surface": "saddle", "start": (-2.8, 0.001), "noise": 0.0,
        "optimizers": {"sgd": {"lr": 0.01}, "momentum": {"lr": 0.01, "mu": 0.9}},
        "note": "The gradient vanishes at the saddle (0, 0): SGD lingers there for hundreds of steps; "
                "momentum's velocity carries it off the ridge into the bowl far out.",
    },
    "local_min": {
        "title": "Stuck in a local minimum",
        "surface": "local_min", "start": (2.3, 1.5), "noise": 0.0,
        "optimizers": {"sgd": {"lr": 0.02}, "momentum": {"lr": 0.02, "mu": 0.9}},
        "note": "SGD settles in the nearer, higher minimum (x = 1.27); momentum rolls over the bump "
                "into the global one (x = -1.53).",
    },
    "diverge": {
        "title": "Learning rate too high: divergence",
        "surface": "bowl", "start": (-4.5, 1.5), "noise": 0.0,
        "optimizers": {"sgd": {"lr": 0.085}, "adam": {"lr": 0.1}},
        "note": "With lr above 2 / curvature (2/25 = 0.08 across the ravine) every SGD step overshoots "
                "further: it diverges and stops, while Adam goes on.",
    },
    "plateau": {
        "title": "Crossing a plateau",
        "surface": "plateau", "start": (4.5, 3.0), "noise": 0.0,
        "optimizers": {"sgd": {"lr": 0.5}, "adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1}},
        "note": "Gradients are tiny on the plateau: SGD crawls, while the adaptive methods divide by "
                "sqrt(n) and take even-sized steps.",
    },
    "rosenbrock": {
        "title": "All five in Rosenbrock's valley",
        "surface": "rosenbrock", "start": (-1.5, 2.5), "noise": 0.0,
        "optimizers": {"sgd": {"lr": 0.0005}, "momentum": {"lr": 0.0005, "mu": 0.9},
                       "adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}, "adam": {"lr": 0.05}},
        "note": "A curved valley: the minimum (1, 1) is easy to find and slow to reach.",
    },
    "noisy": {
        "title": "Noisy gradients (SGD's noise)",
        "surface": "bowl", "start": (-4.5, 1.5), "noise": 3.0,
        "optimizers": {"sgd": {"lr": 0.03}, "momentum": {"lr": 0.003, "mu": 0.9}, "adam": {"lr": 0.05}},
        "note": "Gaussian noise of std 3 on every gradient: the paths wander around the minimum "
                "instead of settling; momentum averages some of it out.",
    },
}
