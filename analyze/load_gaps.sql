-- Append the chunk gaps of one run file of version 2 or later (loadRun
-- runs it only for those): the gaps between consecutive content chunks of
-- each post-warmup success, as load.sql reads them (gaps_valid).
-- Parameters as load.sql.
INSERT INTO gaps
SELECT step, d
FROM {{template "load_gaps_from"}}
WHERE {{template "complete"}}
  AND {{template "latency_valid"}}
  AND ok
  AND NOT ({{template "warm"}})
  AND {{template "gaps_valid"}};
