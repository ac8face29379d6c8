"""The companies read model: buyer name, address, CVR, billing rhythm and payment terms (from placement)."""
