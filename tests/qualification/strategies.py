"""Hypothesis strategies for the qualification review's values (and the small values the
merchants' and suppliers' tests build around them)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from merx.qualification import DocumentKind, DocumentReview, Qualification, QualificationDocument

DAY0 = date(2026, 1, 1)

texts = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12
).filter(str.strip)  # the model refuses blank names
ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,4}", fullmatch=True)
days = st.integers(-400, 4000).map(lambda n: DAY0 + timedelta(days=n))


@st.composite
def documents(draw: st.DrawFn) -> QualificationDocument:
    kind = draw(st.sampled_from(DocumentKind))
    review = draw(st.sampled_from(DocumentReview))
    return QualificationDocument(
        kind,
        draw(ids),
        draw(days),
        draw(texts) if kind is DocumentKind.BRAND_AUTHORISATION else None,
        review,
        draw(texts) if review is DocumentReview.REJECTED else draw(st.none() | texts),
    )


qualifications = st.builds(
    Qualification,
    documents=st.lists(documents(), max_size=3).map(tuple),
    rejection_reasons=st.lists(texts, max_size=3).map(tuple),
)
