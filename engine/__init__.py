"""wellled: an assessment engine for NHS well-led reviews.

The pipeline, in the order the data flows::

    parse -> check -> compile          (once per criteria set: ``load_criteria``)
    load evidence -> evaluate -> aggregate -> report   (per bundle: ``assess_bundle``)

>>> import engine
>>> engine.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
