"""Lab 3's engine: loss surfaces, the optimizer race, regularization paths, loss views (pure NumPy).

    surfaces        synthetic surfaces (bowl, saddle, Rosenbrock, local minimum, plateau)
    model_surface   the real loss of a 2-weight logistic classifier on toy data (+ regularization)
    expr_surface    f(x, y) typed by the student (safe parser + autograd)
    race            the engine's optimizers stepping a 2-element parameter, divergence handling
    regpath         regularized minima by proximal gradient (exact L1 zeros), max-norm projection
    contours        marching-squares contour lines, colour transform for wide ranges
    loss_views      loss vs one score; per-example losses summing to the data loss
    presets         the course's problems (ravine, saddle, local minimum, divergence, plateau)
"""
from visualdl.engine.optimization.expr_surface import ExprSurface
from visualdl.engine.optimization.model_surface import ModelSurface, toy_model_surface
from visualdl.engine.optimization.race import NAMES, TITLES, Race, Racer, check_lr
from visualdl.engine.optimization.surfaces import SYNTHETIC, Surface, synthetic

__all__ = ["ExprSurface", "ModelSurface", "toy_model_surface", "NAMES", "TITLES", "Race", "Racer", "check_lr",
           "SYNTHETIC", "Surface", "synthetic"]
