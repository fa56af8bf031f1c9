"""The contract's closed code lists for the generator.

The generator draws codes by position (0 is the first code of a list), so every list comes from
the one interface contract, in its order, rather than from a copy that could drift.
"""

from __future__ import annotations

from telco_mart.contract import load_contract


def contract_codes(code_list: str) -> tuple[str, ...]:
    """The values of a closed code list of the contract, in contract order."""
    return load_contract().codes(code_list)
