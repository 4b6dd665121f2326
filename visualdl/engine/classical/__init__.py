"""Classical classifiers of the course's first part (labs 1 and 2).

    classifiers.py  KNearestNeighbor (L1/L2, exact tie rules), count_votes (THE vote count),
                    cross_validate_k, LinearClassifier (loss from nn.losses, L2 from
                    nn.regularization), template_images
    regions.py      decision regions on a grid, kNN votes for every k with ties kept visible
"""
