"""Content classification of 政务信息 items into the office's categories.

A linear model over the title, the lead and the body, trained from real labelled items (plus
generated ones), with calibrated probabilities; editable cue rules lift the categories whose
title patterns match and give readable reasons. Import from the modules: ``taxonomy``
(categories, light: the config reads it), ``classifier`` (``Classifier``, ``Decision``; loads
jieba; scikit-learn only to train), ``doc``, ``compiled`` (the scoring model), ``model`` (training),
``dataset`` (real and generated items), ``evaluation``
(figures of predictions) and ``measure`` (what ``mailbot evaluate`` prints).
"""
