-- Mark the rows of one file that repeat the seq of an earlier row (in file
-- order), for run_rows to leave out: the first row of each seq is kept.
-- Parameters: run_rows' ($1 to $8).
INSERT INTO repeats
SELECT $2, file_row_number
FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8)
WHERE left_out = 0
QUALIFY row_number() OVER (PARTITION BY seq ORDER BY file_row_number) > 1;
