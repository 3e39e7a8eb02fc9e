"""Stage 4, result folders: `writer` writes them (crash-consistent, one run at a time under
`folderlock`), `summary` builds `summary.json`, `reader` reads them back checked against the
schemas in `check` (`result_*.schema.json`)."""
