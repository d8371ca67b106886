"""--pseudonymize: personal data never reaches the database, and pseudonyms still join."""
from __future__ import annotations

from loaders.base import LoadOptions
from loaders.store import Store


def test_personal_data_is_replaced_before_storing(tmp_path):
    tickets = tmp_path / "t.csv"
    tickets.write_text(
        "Ticket ID,Created,Requester,Customer ID,Subject\n"
        "1,2024-03-04 14:00,Maria Ivanova,maria@example.com,Maria Ivanova cannot log in; call +7 912 345-67-89\n"
        "2,2024-03-04 15:00,John Smith,john@example.com,Invoice for john@example.com\n"
        "3,,John Smith,john@example.com,row without a date is rejected\n")
    customers = tmp_path / "c.csv"
    customers.write_text("Customer ID,Name,Start date\nmaria@example.com,Maria Ivanova,2023-01-01\n")
    store = Store(tmp_path / "d.duckdb")
    reports = store.load_files([tickets], LoadOptions(pseudonymize=True, table="tickets"))
    reports += store.load_files([customers], LoadOptions(pseudonymize=True, table="customers"))
    assert [r.status for r in reports] == ["loaded", "loaded"], [r.error for r in reports]
    dump = " ".join(str(v) for table in ("tickets", "customers", "rejects", "loads")
                    for row in store.query(f"SELECT * FROM {table}").rows() for v in row)
    for secret in ("Maria", "Ivanova", "maria@", "john@", "John Smith", "912 345"):
        assert secret not in dump, secret
    rows = store.query("SELECT requester, customer_id, subject FROM tickets ORDER BY source_id").rows()
    assert rows[0][0].startswith("Person-") and rows[0][1].startswith("Email-")
    assert rows[0][2].startswith(rows[0][0]) and "Phone-" in rows[0][2]  # the name inside the text too
    # The same e-mail gets the same pseudonym in every file, so tickets still join customers.
    joined = store.query("SELECT count(*) FROM tickets t JOIN customers c ON c.source_id = t.customer_id").item()
    assert joined == 1
    [reject] = store.rejects().rows(named=True)
    assert reject["row_number"] == 4 and reject["raw"] is None
