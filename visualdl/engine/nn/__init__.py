"""The network engine: layers with forward/backward, and everything needed to train them.

    layers.py          Linear, Conv2D, Sequential, and the face of every layer (re-exports the rest)
    pooling.py         MaxPool2D, AvgPool2D
    activations.py     ReLU, LeakyReLU, ELU, Sigmoid, Tanh
    normalization.py   BatchNorm, Dropout, Flatten
    _layer_base.py     the Layer base class and the helpers every layer module shares
    init.py            weight initializers
    losses.py          softmax (cross-entropy) and SVM (hinge) losses: THE copy of each formula,
                       batch mean with gradient and per-example values; LOSSES by name
    regularization.py  L2 / L1 / elastic penalties and max-norm: THE regularization code path
    optim.py           SGD, Momentum, AdaGrad, RMSProp, Adam
    models.py          JSON-able model configs, presets and build_model
    trainer.py         the step-wise Trainer (one step() = one minibatch update)
    snapshot.py        Trainer.snapshot()'s frozen Snapshot and its fast per-layer statistics
    checkpoint.py      loading a checkpoint for a model (shapes checked), batch-norm buffers, optimizer state
    history.py         the Trainer's History (one dict per step and per epoch), bounded for long runs
    thinning.py        the bound: newest rows exact, older rows thinned to each bucket's min and max
    augment.py         flips and shifts of image batches
    serialize.py       checkpoints (weights .npz + config .json)
    metrics.py         smoothing of noisy curves
    gradcheck.py       numerical gradients and relative errors
    _parallel.py       one thread pool for the heavy matrix work
"""
