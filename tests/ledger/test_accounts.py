"""Account ids carry their role: readers ask ``role``, ``merchant`` and ``channel``;
ids are values (equal, hashed and ordered the same way however they are built); a
malformed id, or a name, is no account."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merx.adapters.memory import MemoryJournal
from merx.kernel.ids import MerchantId
from merx.ledger import (
    COMMISSION,
    FEES,
    MARKETING,
    PENALTIES,
    REFUNDS,
    SUBSIDY,
    TRANSIT,
    AccountId,
    Bucket,
    InvalidAccount,
    Ledger,
    Role,
    UnknownAccount,
    cash_account,
    merchant_account,
    merchant_accounts,
)

PLATFORM = (TRANSIT, REFUNDS, COMMISSION, SUBSIDY, FEES, PENALTIES, MARKETING)


def test_each_account_says_its_role_and_owner() -> None:
    pending = merchant_account("m1", Bucket.PENDING)
    cash = cash_account("wechat_pay")

    assert (pending.role, pending.merchant, pending.bucket, pending.channel) == (
        Role.MERCHANT,
        MerchantId("m1"),
        Bucket.PENDING,
        None,
    )
    assert (cash.role, cash.channel, cash.merchant, cash.bucket) == (
        Role.CASH,
        "wechat_pay",
        None,
        None,
    )
    assert [account.role for account in PLATFORM] == [
        Role.TRANSIT,
        Role.REFUNDS,
        Role.COMMISSION,
        Role.SUBSIDY,
        Role.FEES,
        Role.PENALTIES,
        Role.MARKETING,
    ]
    assert all(a.merchant is None and a.channel is None for a in PLATFORM)
    assert [a.bucket for a in merchant_accounts("m1")] == list(Bucket)


def test_the_name_of_an_account_is_its_place_in_the_chart() -> None:
    assert [str(a) for a in PLATFORM] == [
        "transit:customers",
        "refunds",
        "platform:commission",
        "platform:subsidy",
        "platform:fees",
        "platform:penalties",
        "platform:marketing",
    ]
    assert str(cash_account("alipay")) == "cash:alipay"
    assert str(merchant_account("m1", Bucket.DEPOSIT)) == "merchant:m1:deposit"


def test_ids_are_values_hashed_and_ordered_the_same_however_built() -> None:
    again = AccountId(Role.MERCHANT, "m1", Bucket.PENDING)
    assert again == merchant_account(MerchantId("m1"), Bucket.PENDING)
    assert hash(again) == hash(merchant_account("m1", Bucket.PENDING))
    assert {again: 1}[merchant_account("m1", Bucket.PENDING)] == 1

    accounts = [*PLATFORM, cash_account("alipay"), *merchant_accounts("m2")]
    accounts += [cash_account("wechat_pay"), *merchant_accounts("m1")]
    expected = sorted(accounts)
    for seed in range(5):
        shuffled = accounts[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled) == expected
    # by role, then owner, then bucket
    merchants = [a for a in expected if a.role is Role.MERCHANT]
    assert [(a.owner, a.bucket) for a in merchants[:2]] == [
        ("m1", Bucket.AVAILABLE),
        ("m1", Bucket.DEPOSIT),
    ]


def test_a_ledger_keeps_its_accounts_in_the_order_opened() -> None:
    ledger = Ledger.open("CNY", "CNY", ["wechat_pay"])
    ledger.open_accounts(merchant_accounts("m2"))
    ledger.open_accounts(merchant_accounts("m1"))
    assert ledger.accounts == [
        *PLATFORM,
        cash_account("wechat_pay"),
        *merchant_accounts("m2"),
        *merchant_accounts("m1"),
    ]
    assert list(ledger.balances(MemoryJournal())) == ledger.accounts


@pytest.mark.parametrize(
    "account",
    [
        AccountId(Role.MERCHANT, "m1"),  # no bucket
        AccountId(Role.MERCHANT, "", Bucket.PENDING),  # no merchant
        AccountId(Role.CASH),  # no channel
        AccountId(Role.CASH, "alipay", Bucket.PENDING),
        AccountId(Role.COMMISSION, "m1"),
        AccountId(Role.FEES, "", Bucket.PENDING),
        "merchant:m1:pending",  # a name is not an account
        ("cash", "alipay", None),  # nor is a plain tuple
    ],
)
def test_a_malformed_account_is_never_opened(account: object) -> None:
    ledger = Ledger.open("CNY", "CNY")
    before = ledger.accounts
    with pytest.raises(InvalidAccount):
        ledger.open_accounts([account])  # type: ignore[list-item]
    assert ledger.accounts == before


def test_an_account_is_found_by_its_id_never_by_its_name() -> None:
    ledger = Ledger.open("CNY", "CNY", ["alipay"])
    assert ledger.balance(MemoryJournal(), cash_account("alipay")) == 0
    with pytest.raises(UnknownAccount):
        ledger.balance(MemoryJournal(), "cash:alipay")  # type: ignore[arg-type]


@given(
    st.one_of(
        st.sampled_from(PLATFORM),
        st.builds(cash_account, st.text(min_size=1)),
        st.builds(merchant_account, st.text(min_size=1), st.sampled_from(Bucket)),
    )
)
def test_every_well_formed_account_opens(account: AccountId) -> None:
    ledger = Ledger.open("CNY", "CNY")
    ledger.open_accounts([account], exist_ok=True)
    assert ledger.has_account(account)
    assert ledger.balance(MemoryJournal(), account) == 0
