"""Agency attribution: which news agencies a story credits, and where the credits stand.

    patterns.py     the agency names, spellings and the compiled patterns (data)
    context.py      judges of an occurrence's neighbourhood (credit line, dateline, photo …)
    attribution.py  attribute(), credit_spans(), strip_credits(); POSITIONS (where a credit stood)
"""
from transforms.enrich.agencies.attribution import POSITIONS, Attribution, attribute, credit_spans, strip_credits

__all__ = ["POSITIONS", "Attribution", "attribute", "credit_spans", "strip_credits"]
