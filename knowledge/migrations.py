"""The procedure store's schema, versioned with sqlite-utils' Migrations."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("motcua-store")


@migrations()
def m001_initial(db: Database) -> None:
    db["packs"].create(
        {
            "pack_id": str, "title": str, "version": int, "created": str, "publisher": str,
            "signer": str, "installed_at": str, "seq": int, "procedures": int, "manifest": str,
        },
        pk="pack_id",
    )
    db["procedures"].create(
        {
            "pack_id": str, "code": str, "name": str, "field": str, "level": str,
            "audience": str, "weight": int, "has_detail": int, "record": str,
        },
        pk=("pack_id", "code"),
    )
    db["procedures"].create_index(["code"])
    db["tokens"].create({"pack_id": str, "code": str, "name": str, "body": str},
                        pk=("pack_id", "code"))
    db["synonyms"].create({"pack_id": str, "phrase": str, "expansion": str})
    db["synonyms"].create_index(["pack_id"])
    db["calendar"].create({"pack_id": str, "date": str, "kind": str, "name": str})
    db["calendar"].create_index(["pack_id"])
    db["search_index"].create({"id": int, "built_at": str, "docs": int, "blob": bytes}, pk="id")
    db["state"].create({"key": str, "value": str}, pk="key")


@migrations()
def m002_search_index_format(db: Database) -> None:
    """The index blob's format, so opening a store checks it without loading the blob. Rows from
    before this have none and are rebuilt once (``Store._refresh_stale_index``)."""
    db["search_index"].add_column("format", int)


@migrations()
def m003_search_index_aliases(db: Database) -> None:
    """The digest of the alias table the index blob was built with: a new table (a new motcua)
    rebuilds the index once when the store is opened."""
    db["search_index"].add_column("aliases", str)
