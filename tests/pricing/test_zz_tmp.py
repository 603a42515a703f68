from hypothesis import given, settings, strategies as st
from merx.pricing import quote, exhaustive_quote
from tests.pricing.strategies import AT, pricing_inputs, quote_extras

@settings(max_examples=4000, deadline=None)
@given(st.data())
def test_many(data):
    lines, automatic, wallet, customer, method = data.draw(pricing_inputs())
    extras = data.draw(quote_extras(tuple(p.id for p in [*automatic, *wallet])))
    assert quote(lines, automatic, wallet, customer, AT, method, **extras) == exhaustive_quote(lines, automatic, wallet, customer, AT, method, **extras)
