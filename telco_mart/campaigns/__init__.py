"""Campaigns: definitions and their lifecycle, the contact policy, control groups, channel
exports, channel feedback, and the effect measured against control groups."""
