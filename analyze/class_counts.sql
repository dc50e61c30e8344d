-- By class and step, over post-warmup requests that have a class: the
-- requests, the successes, the good requests (the fragment good, under the
-- class's bounds from the table classes), and for each distribution of
-- the class (the metric v, the TTFT, the TPOT) the successes that have it
-- and its greatest value; then the output tokens of the successes and how
-- many have a count.
WITH x AS (
    SELECT
        r.class,
        r.step,
        r.ok,
        {{template "good"}} AS good,
        CASE WHEN r.ok THEN r.v END AS v,
        CASE WHEN r.ok THEN r.ttft_ms END AS ttft,
        CASE WHEN r.ok THEN {{template "tpot"}} END AS tpot,
        CASE WHEN r.ok THEN r.output_tokens END AS out_tok
    FROM r JOIN classes AS b ON b.idx = r.class
    WHERE NOT r.warm
)
SELECT class::BIGINT, step::BIGINT, count(*), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE good),
    count(v), max(v), count(ttft), max(ttft), count(tpot), max(tpot),
    coalesce(sum(out_tok), 0)::BIGINT, count(out_tok)
FROM x
GROUP BY class, step
ORDER BY class, step;
