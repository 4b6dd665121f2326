"""LinearClassifier: checked gradients, training with the engine's optimizers, templates."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from visualdl.data import Cancelled, load_dataset
from visualdl.engine.classifiers import LinearClassifier
from visualdl.engine.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("loss", ["softmax", "svm"])
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_gradients_match_centred_differences_in_float64(loss, reg):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 7))
    y = rng.integers(0, 4, 12)
    clf = LinearClassifier(4, loss=loss, reg=reg, std=0.5, dtype=np.float64)
    _, dW, db = clf.loss_and_grads(X, y)
    f = lambda _: clf.loss_and_grads(X, y)[0]  # noqa: E731  (reads clf.W / clf.b, perturbed in place)
    assert rel_error(dW, numerical_gradient(f, clf.W)) < 1e-7
    assert rel_error(db, numerical_gradient(f, clf.b)) < 1e-7


def test_loss_at_small_random_weights_is_log_c_for_softmax():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(500, 30)), rng.integers(0, 10, 500)
    clf = LinearClassifier(10, "softmax", std=1e-6, dtype=np.float64)
    assert clf.loss_and_grads(X, y)[0] == pytest.approx(np.log(10), rel=1e-3)
    svm = LinearClassifier(10, "svm", std=1e-6, dtype=np.float64)
    assert svm.loss_and_grads(X, y)[0] == pytest.approx(9.0, rel=1e-3)  # C - 1 margins of 1


def test_reg_convention_is_half_strength_times_squared_norm():
    clf = LinearClassifier(3, reg=2.0, std=1.0, dtype=np.float64)
    X, y = np.zeros((4, 5)), np.zeros(4, int)  # zero inputs: data loss log 3 whatever W is
    loss, dW, _ = clf.loss_and_grads(X, y)
    assert loss == pytest.approx(np.log(3) + 0.5 * 2.0 * np.sum(clf.W**2))
    np.testing.assert_allclose(dW, 2.0 * clf.W)


@pytest.mark.parametrize("loss", ["softmax", "svm"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_separates_the_linear_toy_set(loss, optimizer):
    d = load_dataset("linear", n_points=600, n_classes=3, seed=0)
    clf = LinearClassifier(3, loss=loss, reg=1e-4, std=0.01)
    lr = 0.5 if optimizer == "sgd" else 0.05
    hist = clf.train(d.X_train, d.y_train, lr=lr, num_iters=300, batch_size=64, optimizer=optimizer,
                     X_val=d.X_val, y_val=d.y_val)
    assert clf.W.shape == (3, 2) and clf.b.shape == (3,)
    assert np.mean(hist["loss"][-20:]) < 0.5 * hist["loss"][0]
    assert clf.accuracy(d.X_val, d.y_val) > 0.97
    assert hist["epoch_acc"][-1][2] == pytest.approx(clf.accuracy(d.X_val, d.y_val))


def test_training_cannot_separate_circles():
    d = load_dataset("circles", n_points=600, seed=0)
    clf = LinearClassifier(2, std=0.01)
    clf.train(d.X_train, d.y_train, lr=0.5, num_iters=200, batch_size=64)
    assert clf.accuracy(d.X_val, d.y_val) < 0.75


def test_templates_are_the_rows_of_w_as_images():
    d = load_dataset("builtin", n_train=500, n_val=100, n_test=0, seed=0)
    mean = d.X_train.mean(0)
    clf = LinearClassifier(10, reg=1e-3, std=1e-4)
    clf.train(d.X_train - mean, d.y_train, lr=1e-6, num_iters=100, batch_size=100)
    t = clf.templates()
    assert t.shape == (10, 32, 32, 3)
    np.testing.assert_array_equal(t[4].ravel(), clf.W[4])
    imgs = clf.template_images()
    assert imgs.dtype == np.uint8 and imgs.shape == (10, 32, 32, 3)
    assert (imgs.reshape(10, -1).min(1) == 0).all() and (imgs.reshape(10, -1).max(1) == 255).all()
    # it learned something: far above chance on held-out images
    assert clf.accuracy(d.X_val - mean, d.y_val) > 0.4
    # the red-disc template likes red more than blue in the middle
    red = d.class_names.index("red disc")
    assert t[red, 12:20, 12:20, 0].mean() > t[red, 12:20, 12:20, 2].mean()


def test_bad_arguments_and_cancel():
    with pytest.raises(ValueError, match="'hinge'"):
        LinearClassifier(3, loss="hinge")
    with pytest.raises(ValueError, match="-1"):
        LinearClassifier(3, reg=-1)
    with pytest.raises(ValueError, match="learning rate"):
        LinearClassifier(3).train(np.zeros((5, 2)), np.zeros(5, int), lr=-1, num_iters=1)
    with pytest.raises(RuntimeError):
        LinearClassifier(3).predict(np.zeros((1, 2)))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        LinearClassifier(3).train(np.zeros((5, 2)), np.zeros(5, int), num_iters=10, cancel=cancel)
    with pytest.raises(FloatingPointError, match="learning rate"):
        rng = np.random.default_rng(0)
        LinearClassifier(3, std=1.0).train(rng.normal(size=(50, 4)) * 1e20, rng.integers(0, 3, 50), lr=1e30,
                                           num_iters=20, batch_size=10)


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_linear_classifier_and_the_2d_model_share_one_loss_code_path(loss):
    from visualdl.engine.linear2d import Linear2D
    from visualdl.engine.regularization import Regularizer

    rng = np.random.default_rng(4)
    X = rng.normal(size=(12, 2))
    y = rng.integers(0, 3, 12)
    model = Linear2D(3, loss=loss, reg=0.7, seed=1)
    clf = LinearClassifier(3, loss=loss, reg=0.7, dtype=np.float64)
    clf.W, clf.b = model.W.copy(), model.b.copy()
    loss_value, dW, db = clf.loss_and_grads(X, y)
    out = model.loss_and_grads(X, y)
    assert out["total"] == pytest.approx(loss_value, rel=1e-12)
    np.testing.assert_allclose(out["dW"], dW, rtol=1e-12)
    np.testing.assert_allclose(out["db"], db, rtol=1e-12)
    reg_loss, reg_grads = Regularizer("l2", 0.7).loss_and_grads({"W": model.W})
    assert out["reg_loss"] == pytest.approx(reg_loss, rel=1e-12)
    np.testing.assert_allclose(out["point_loss"].mean(), out["data_loss"], rtol=1e-12)


def test_template_images_of_channels_first_weights():
    from visualdl.engine.classifiers import template_images

    rng = np.random.default_rng(5)
    W = rng.normal(size=(4, 3 * 5 * 6))
    last = template_images(W.reshape(4, 3, 5, 6).transpose(0, 2, 3, 1))
    first = template_images(W.reshape(4, 3, 5, 6), channels_first=True)
    np.testing.assert_array_equal(first, last)
    assert first.shape == (4, 5, 6, 3) and first.dtype == np.uint8
    for c in range(4):  # each template stretched over its own range: 0 and 255 both appear
        assert first[c].min() == 0 and first[c].max() == 255
        hi = np.unravel_index(np.argmax(W[c].reshape(3, 5, 6).transpose(1, 2, 0)), (5, 6, 3))
        assert first[c][hi] == 255
