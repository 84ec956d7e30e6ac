"""Content classification of 政务信息 items into the office's categories.

Cue rules (title patterns, keywords, body cues; editable, loadable from config) are combined
with a small model trained at first use from the shipped labelled items.
"""
from .classifier import Classifier, Decision, load_model, save_model
from .dataset import Example, load_labelled
from .evaluation import Report, evaluate
from .model import Model, train
from .taxonomy import CategorySpec, default_taxonomy, taxonomy_from_config

__all__ = ["CategorySpec", "Classifier", "Decision", "Example", "Model", "Report", "default_taxonomy",
           "evaluate", "load_labelled", "load_model", "save_model", "taxonomy_from_config", "train"]
