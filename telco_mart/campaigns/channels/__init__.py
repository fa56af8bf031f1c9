"""The channel registry: one module per channel, listed here in the order exports are written.

Adding a channel is a module beside these (its export format and row builder, see
:mod:`telco_mart.campaigns.channels.base`), its line below, and its configuration: the capacity
in ``campaigns/policy/contact_policy.yaml`` and the ``channel_type`` code in the contract
(``docs/recipes.md``, "Add a channel")."""

from __future__ import annotations

from telco_mart.campaigns.channels import app, outbound_call, retail_counter, sms
from telco_mart.campaigns.channels.base import Channel, ExportFormat

REGISTRY: dict[str, Channel] = {
    c.name: c for c in (outbound_call.CHANNEL, sms.CHANNEL, retail_counter.CHANNEL, app.CHANNEL)
}
CHANNELS: tuple[str, ...] = tuple(REGISTRY)
EXPORT_FORMATS: dict[str, ExportFormat] = {name: c.export_format for name, c in REGISTRY.items()}
PER_STORE_CHANNELS: tuple[str, ...] = tuple(name for name, c in REGISTRY.items() if c.limited_per_store)

__all__ = ["CHANNELS", "EXPORT_FORMATS", "PER_STORE_CHANNELS", "REGISTRY", "Channel", "ExportFormat"]
