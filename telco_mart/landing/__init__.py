"""The landing zone: extract parts, their control files, and how they are written and read."""
