"""Human review: sampling cases for reviewers, importing their sheets, and failure rates
corrected for the scorers' measured error (`evalkit.review.correct`).

Submodules are imported where used; this package imports nothing, so `evalkit --help` stays
fast.
"""
