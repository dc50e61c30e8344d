// Package e2e holds end-to-end tests that run the built commands together,
// as a user would: several llmrec processes against one loopback server,
// their files read back by the analyzer. It has no code of its own.
package e2e
