"""Small pieces of maths behind single course figures and demos.

    worked_examples.py  the lecture's worked examples (4-pixel image, softmax and SVM calculators)
    pixel_distance.py   why pixel (L2) distance misleads: shifted, tinted, occluded images
    linear2d.py         lab 2's editable linear classifier in the plane (Linear2D, class lines)
    demos.py            curse of dimensionality, kNN test time, hard 2D cases, Jacobian sizes
"""
