"""Content classification of 政务信息 items into the office's categories.

A linear model over the title, the lead and the body (trained from real labelled items, plus
generated ones) with calibrated probabilities; editable cue rules lift the categories whose
title patterns match and give readable reasons.
"""
from .classifier import Classifier, Decision, load_model, parse_candidates, save_model
from .dataset import Example, load_generated, load_real
from .evaluation import Report, evaluate
from .model import Model, train
from .taxonomy import CategorySpec, default_taxonomy, taxonomy_from_config

__all__ = ["CategorySpec", "Classifier", "Decision", "Example", "Model", "Report", "default_taxonomy",
           "evaluate", "load_generated", "load_model", "load_real", "parse_candidates", "save_model",
           "taxonomy_from_config", "train"]
