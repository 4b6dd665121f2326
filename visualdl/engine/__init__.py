"""The maths of VisualDL, pure NumPy (no Qt): usable from a notebook, drawn by the labs.

The engine is grouped by what each part is:

    nn/            the network engine: layers, init, losses, regularization, optim, models,
                   trainer, history, thinning, augment, serialize, metrics, gradcheck (and _parallel,
                   its thread pool)
    classical/     the course's first classifiers: k-nearest neighbours (classifiers.py), the
                   linear classifier (linear.py), decision regions on a grid (regions.py)
    autograd/      the scalar/array autograd and the parser of typed expressions (lab 4)
    course/        single worked examples and demos: worked_examples, pixel_distance,
                   linear2d (lab 2's editable classifier in the plane)
    cnn/           the maths of lab 6 (convolutional networks)
    optimization/  the maths of lab 3 (loss landscapes and optimizers)
    playground/    the maths of lab 5 (neural networks)
    experiments/   the maths of lab 7 (training practice)

Each formula lives in ONE place: the losses in ``nn.losses`` (per-example values
are derived from the same code), L2 and friends in ``nn.regularization``, the kNN
vote count in ``classical.classifiers.count_votes``.

Old flat paths still work and give the SAME module objects (so monkeypatching and
private names keep working): ``visualdl.engine.layers``, ``.init``, ``.losses``,
``.regularization``, ``.optim``, ``.models``, ``.trainer``, ``.augment``,
``.serialize``, ``.metrics``, ``.gradcheck``, ``.classifiers``, ``.regions``,
``.expr``, ``.worked_examples``, ``.pixel_distance``, ``.linear2d`` (see _old_paths.py:
no file stands there); ``visualdl.engine.autograd`` is now the package that
re-exports what the module did.
"""
from visualdl.engine import _old_paths

_old_paths.install()
