#!/usr/bin/env bash
# The steps of the llmrep GitHub Action (action.yml at the repository
# root), as plain shell so that they can be run and tested anywhere:
#
#   loop.sh record    record a run (INPUT_RUN: llmrec run arguments) or take
#                     the run files given (INPUT_RUNS); prints run=PATH to
#                     $GITHUB_OUTPUT
#   loop.sh baseline  find the baseline run: INPUT_BASELINE (a path), or the
#                     newest artifact INPUT_BASELINE_ARTIFACT of branch
#                     INPUT_BASELINE_BRANCH (through gh); prints baseline=PATH
#                     (empty when there is none: a warning, not a failure)
#   loop.sh report    compare the run with the baseline (Markdown and HTML),
#                     post or update ONE pull-request comment (found by a
#                     hidden marker), gate with llmrep check (INPUT_GATES, one
#                     flag and value a line), write the step summary; exits 1
#                     when a gate fails
#
# Inputs come from the environment (INPUT_*, set by action.yml); GitHub's
# own variables (GITHUB_REPOSITORY, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and
# PR_NUMBER are read; gh is called with GH_TOKEN in its environment.
set -euo pipefail

LLMREC="${LLMREC:-llmrec}"
LLMREP="${LLMREP:-llmrep}"
OUT_DIR="${OUT_DIR:-llmrep-out}"
MARKER='<!-- llmrep-action -->'

warn() { echo "::warning::$*"; }
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >>"$GITHUB_OUTPUT"; fi; }

record() {
	mkdir -p "$OUT_DIR"
	if [ -n "${INPUT_RUN:-}" ]; then
		local args
		read -r -a args <<<"$INPUT_RUN"
		"$LLMREC" run "${args[@]}" --force -o "$OUT_DIR/run.parquet"
		output run "$OUT_DIR/run.parquet"
		return
	fi
	if [ -z "${INPUT_RUNS:-}" ]; then
		echo "::error::give the action either run (llmrec run arguments) or runs (run files)"
		exit 2
	fi
	output run "$INPUT_RUNS"
}

baseline() {
	mkdir -p "$OUT_DIR"
	if [ -n "${INPUT_BASELINE:-}" ]; then
		if [ -f "$INPUT_BASELINE" ]; then
			output baseline "$INPUT_BASELINE"
			return
		fi
		warn "no baseline run at $INPUT_BASELINE: the run is gated without comparison"
		output baseline ""
		return
	fi
	if [ -z "${INPUT_BASELINE_ARTIFACT:-}" ]; then
		warn "no baseline given (baseline or baseline-artifact): the run is gated without comparison"
		output baseline ""
		return
	fi
	local branch="${INPUT_BASELINE_BRANCH:-main}" url
	url=$(gh api "repos/$GITHUB_REPOSITORY/actions/artifacts?name=$INPUT_BASELINE_ARTIFACT&per_page=100" \
		--jq "[.artifacts[] | select(.expired | not) | select(.workflow_run.head_branch == \"$branch\")][0].archive_download_url // empty") || url=""
	if [ -z "$url" ]; then
		warn "no artifact $INPUT_BASELINE_ARTIFACT from branch $branch: the run is gated without comparison"
		output baseline ""
		return
	fi
	local dir="$OUT_DIR/baseline"
	mkdir -p "$dir"
	gh api "$url" >"$dir/artifact.zip"
	unzip -o -q "$dir/artifact.zip" -d "$dir"
	local file
	file=$(find "$dir" -name '*.parquet' -type f | sort | head -n 1)
	if [ -z "$file" ]; then
		warn "artifact $INPUT_BASELINE_ARTIFACT holds no .parquet run file: the run is gated without comparison"
		output baseline ""
		return
	fi
	output baseline "$file"
}

# comment posts body as the pull request's one llmrep comment: the comment
# holding MARKER is updated, else one is created.
comment() {
	local body="$1" id
	id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
		--jq ".[] | select(.body | contains(\"$MARKER\")) | .id" | head -n 1)
	if [ -n "$id" ]; then
		gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" >/dev/null
		echo "llmrep: updated comment $id on pull request #$PR_NUMBER"
	else
		gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" >/dev/null
		echo "llmrep: commented on pull request #$PR_NUMBER"
	fi
}

report() {
	mkdir -p "$OUT_DIR"
	local run="${RUN:?RUN must name the run file, the output of the record step}" base="${BASELINE:-}"
	local body="$OUT_DIR/comment.md" effect=()
	if [ -n "${INPUT_MIN_EFFECT:-}" ]; then
		effect=(--min-effect "$INPUT_MIN_EFFECT")
	fi
	echo "$MARKER" >"$body"
	"$LLMREP" analyze "$run" --format html -o "$OUT_DIR/run.html"
	if [ -n "$base" ]; then
		"$LLMREP" compare "base=$base" "run=$run" "${effect[@]}" --format md -o "$OUT_DIR/compare.md"
		"$LLMREP" compare "base=$base" "run=$run" "${effect[@]}" --format html -o "$OUT_DIR/compare.html"
		cat "$OUT_DIR/compare.md" >>"$body"
	else
		printf '> **Warning:** no baseline run: this run is gated without a comparison.\n\n' >>"$body"
	fi

	local status=0 gates=() line words
	while IFS= read -r line; do
		line="${line#"${line%%[![:space:]]*}"}"
		[ -z "$line" ] && continue
		read -r -a words <<<"$line"
		if [ -z "$base" ] && [ "${words[0]}" = "--max-regression" ]; then
			warn "gate '$line' needs a baseline run: skipped"
			continue
		fi
		gates+=("${words[@]}")
	done <<<"${INPUT_GATES:-}"
	if [ ${#gates[@]} -gt 0 ]; then
		local baseArgs=()
		if [ -n "$base" ]; then
			baseArgs=(--baseline "$base")
		fi
		"$LLMREP" check "$run" "${baseArgs[@]}" "${gates[@]}" "${effect[@]}" --format md -o "$OUT_DIR/check.md" || status=$?
		if [ "$status" -gt 1 ]; then
			echo "::error::llmrep check could not run (exit $status)"
			exit "$status"
		fi
		printf '\n' >>"$body"
		cat "$OUT_DIR/check.md" >>"$body"
	fi

	if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
		cat "$body" >>"$GITHUB_STEP_SUMMARY"
	fi
	if [ "${INPUT_COMMENT:-true}" = "true" ] && [ -n "${PR_NUMBER:-}" ]; then
		comment "$body"
	fi
	output reports "$OUT_DIR"
	if [ "$status" -ne 0 ]; then
		echo "::error::llmrep check failed: a gate does not hold (see the comment or the step summary)"
	fi
	return "$status"
}

case "${1:-}" in
record | baseline | report) "$1" ;;
*)
	echo "usage: loop.sh record|baseline|report" >&2
	exit 2
	;;
esac
