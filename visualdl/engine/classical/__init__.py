"""Classical classifiers of the course's first part (labs 1 and 2).

    classifiers.py  KNearestNeighbor (L1/L2, exact tie rules), count_votes (THE vote count),
                    cross_validate_k; re-exports the linear classifier below
    linear.py       LinearClassifier and linear_loss_and_grads (loss from nn.losses, L2 from
                    nn.regularization), template_images
    regions.py      decision regions on a grid, kNN votes for every k with ties kept visible
"""
