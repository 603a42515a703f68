"""merx.people: a customer's personal data behind a vault (sealed: token and mask), and
marketing consents with their history. The command handlers are in
``merx.people.services`` (for the composition root); the vault port in
``merx.people.ports``."""

from merx.kernel.vault import Sealed
from merx.people.errors import (
    InvalidBankCard,
    InvalidIdCard,
    InvalidPersonalValue,
    InvalidPhone,
    NoPersonalData,
    UnknownBankCard,
    UnknownToken,
)
from merx.people.model import (
    BankCard,
    BankCardAdded,
    BankCardRemoved,
    Channel,
    ConsentChanged,
    ConsentRecord,
    PersonalData,
    PersonalDataForgotten,
    PersonalDataRegistered,
    PhoneChanged,
)
from merx.people.ports import PersonalKind, Vault
from merx.people.services import (
    AddBankCard,
    ChangePhone,
    ForgetPersonalData,
    GrantConsent,
    RegisterPersonalData,
    RemoveBankCard,
    WithdrawConsent,
)

__all__ = [
    "AddBankCard",
    "BankCard",
    "BankCardAdded",
    "BankCardRemoved",
    "ChangePhone",
    "Channel",
    "ConsentChanged",
    "ConsentRecord",
    "ForgetPersonalData",
    "GrantConsent",
    "InvalidBankCard",
    "InvalidIdCard",
    "InvalidPersonalValue",
    "InvalidPhone",
    "NoPersonalData",
    "PersonalData",
    "PersonalDataForgotten",
    "PersonalDataRegistered",
    "PersonalKind",
    "PhoneChanged",
    "RegisterPersonalData",
    "RemoveBankCard",
    "Sealed",
    "UnknownBankCard",
    "UnknownToken",
    "Vault",
    "WithdrawConsent",
]
