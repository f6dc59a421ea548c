"""Demo data: raw export files of a fictional company, loaded through the real collectors."""
