-- One request class of the run (classes, create.sql). Parameters: its
-- index, its name, and the TTFT, TPOT, ITL and latency bounds (ms, NULL
-- when not set) its requests are judged by.
INSERT INTO classes VALUES (?, ?, ?, ?, ?, ?);
