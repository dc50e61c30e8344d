// Package action holds the tests of the GitHub Action's step scripts
// (loop.sh beside this file; action.yml at the repository root runs it).
// The tests run the scripts as GitHub would, with GITHUB_* variables set,
// real llmrep and real run files, and a fake gh on PATH that records the
// calls made and plays GitHub's part: the pull request's comments and the
// artifacts of earlier workflow runs.
package action
