package analyze

// GrowthMethod is the growth rule in words (Growth.Method).
const GrowthMethod = "points: p95 of each step from the baseline on, one per distinct level (users, or offered req/s in an open loop); " +
	"flat when max/min p95 < 1.25 or p95 does not rise with the level (flat_with_failures if a point's failure rate exceeds the error threshold and rises from the first point); " +
	"otherwise least-squares slopes of p95 against the level over the first and last third of the points up to the highest p95: " +
	"exponential when the last slope > 3 x the first (or the first is <= 0), else linear"
