// Package cleantext is the one rule for outside text (a run file's
// strings, a server's error message) that a command writes into a CSV
// cell or a line of text: the runes that move the cursor, start a
// terminal escape or reorder the text become spaces, and a CSV cell that
// a spreadsheet would run as a formula gets a leading single quote.
//
// Go writers call it (the live dashboard's CSV downloads, analyze's
// metadata cleaning); llmrep export applies the same rule in SQL
// (analyze/export/export.sql), and its test runs CSVCases through a real
// export, so the two cannot drift apart.
//
// Imports (of ours): nothing.
package cleantext
