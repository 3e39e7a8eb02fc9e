"""Stage 3, aggregate and judge: case counts per PoC / suite / tag, Wilson intervals, the cost
projection, the evidence each phase requires, and the verdict rules with their reasons."""
