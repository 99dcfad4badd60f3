"""Reading staff's tables: CSV/XLSX files, the roster, the region tree and departments' lists to reconcile."""
