-- The distinct seq of the rows run_rows keeps, for a file whose seq do not
-- all fall in 0 to rows-1 (a recovered file may have gaps): one bit per
-- value from the least ($9) to the greatest ($10). Parameters: run_rows'
-- ($1 to $8), then those two bounds.
SELECT coalesce(bit_count(bitstring_agg(seq, $9::BIGINT, $10::BIGINT)), 0)
FROM run_rows($1, $2, $3, $4, $5, $6, $7, $8)
WHERE left_out = 0;
