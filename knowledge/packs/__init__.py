"""Knowledge packs: the source format, signed pack files, verification and diffs."""
