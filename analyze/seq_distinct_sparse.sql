-- The distinct seq of the rows run_rows keeps, for a file whose seq span
-- too wide a range for seq_distinct.sql's one bit per value (a hand-made
-- file): a hash of the values. Parameters: run_rows' ($1 to $8).
SELECT count(DISTINCT seq)
FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8)
WHERE left_out = 0;
