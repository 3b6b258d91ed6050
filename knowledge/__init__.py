"""motcua knowledge core: procedures, packs, store, search, calendar and intakes (no Qt)."""

__version__ = "0.1.0"
