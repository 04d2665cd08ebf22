"""Pure serialisers: offers -> JSON-LD / CSV / RPDE; catalogue -> DCAT; survey tables -> CSV / Data Cube."""
