"""ImageNet (ILSVRC) classification: top-5 error of the winning entries by year, and human error.

    IMAGENET_TOP5: list of dicts {year (None for the human), name, cnn (bool), top5_error (percent),
                   depth (layers; None if not a network or not one number), source}, in the course's order.
    IMAGENET_SOURCES: one-line caption text citing every figure.

The course's "why CNNs won" chart: the error fell from 25.8% (2011, no CNN) to 16.4% with AlexNet
(the first CNN winner) and below the ~5.1% of a trained human by 2015.
"""
from __future__ import annotations

__all__ = ["IMAGENET_TOP5", "IMAGENET_SOURCES", "HUMAN_TOP5"]

IMAGENET_TOP5: list[dict] = [
    {"year": 2011, "name": "XRCE", "cnn": False, "top5_error": 25.8, "depth": None,
     "source": "ILSVRC 2011 results (Xerox Research Centre Europe, Fisher vectors, no CNN)"},
    {"year": 2012, "name": "AlexNet", "cnn": True, "top5_error": 16.4, "depth": 8,
     "source": "Krizhevsky, Sutskever, Hinton, NIPS 2012"},
    {"year": 2013, "name": "ZF", "cnn": True, "top5_error": 11.7, "depth": 8,
     "source": "Zeiler & Fergus, ECCV 2014 (ILSVRC 2013, Clarifai)"},
    {"year": 2014, "name": "VGG", "cnn": True, "top5_error": 7.3, "depth": 19,
     "source": "Simonyan & Zisserman, ICLR 2015"},
    {"year": 2014, "name": "GoogLeNet", "cnn": True, "top5_error": 6.7, "depth": 22,
     "source": "Szegedy et al., CVPR 2015"},
    {"year": None, "name": "Human", "cnn": False, "top5_error": 5.1, "depth": None,
     "source": "Russakovsky et al., IJCV 2015 (one trained annotator, about 5.1%)"},
    {"year": 2015, "name": "ResNet", "cnn": True, "top5_error": 3.57, "depth": 152,
     "source": "He, Zhang, Ren, Sun, CVPR 2016"},
    {"year": 2016, "name": "GoogLeNet-v4", "cnn": True, "top5_error": 3.08, "depth": None,
     "source": "Szegedy et al., AAAI 2017 (Inception-v4 / Inception-ResNet ensemble)"},
]

HUMAN_TOP5 = 5.1

IMAGENET_SOURCES = "Sources: " + "; ".join(
    f"{e['name']}{' ' + str(e['year']) if e['year'] else ''}: {e['source']}" for e in IMAGENET_TOP5) + "."
