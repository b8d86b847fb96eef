"""The shop's printable documents (PDF, reportlab): the packing slip and picking list,
the customer's receipt, the purchase order. reportlab (8 MiB) loads with the first
document drawn, not in every bot process: import these modules where they are used."""
