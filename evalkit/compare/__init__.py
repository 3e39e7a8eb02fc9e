"""Stage 5, comparing two result folders: metric changes (`diff`), cases side by side
(`cases`), reviewed metrics (`reviews`) and the paired significance test (`significance`)."""
