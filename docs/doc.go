// Package docs holds the user documentation (METHOD.md, RELIABILITY.md and
// the pictures the README shows). It has no code: its test checks that the
// repository stands alone, that no file a user reads sends them to a
// document outside it.
package docs
