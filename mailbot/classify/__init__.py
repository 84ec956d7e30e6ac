"""Content classification of 政务信息 items into the office's categories.

Cue rules (title patterns, keywords, body cues; editable, loadable from config) are combined
with a small learned model. Import from the modules: ``taxonomy`` (categories, light: the
config reads it), ``classifier`` (``Classifier``, ``Decision``; loads jieba and scikit-learn),
``model``, ``dataset``, ``evaluation`` (the ``evaluate`` function) and ``evaluate`` (the
``python -m mailbot.classify.evaluate`` script).
"""
