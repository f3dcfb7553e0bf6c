// width_test.go checks that every line the program prints fits 80
// columns, the width of output that is not a terminal: every scenario, the
// tour, -h, the experiment, a console session and -check, in color, which
// takes no room. It also checks the helpers of wrap.go.

package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/fatih/color"
)

// wrappedBreak is where a wrapped line goes on: a line break and the
// hanging indent.
var wrappedBreak = regexp.MustCompile(`\n +`)

// unwrapped joins wrapped lines again, so that a test can look for a
// sentence wherever the width broke it.
func unwrapped(out string) string {
	return wrappedBreak.ReplaceAllString(out, " ")
}

// ansiSequence matches a color code.
var ansiSequence = regexp.MustCompile("\x1b\\[[0-9;]*[@-~]")

// checkWidth fails the test for every line of out wider than width, color
// codes not counted, and for any escape code that columns does not skip.
func checkWidth(t *testing.T, what string, out string, width int) {
	t.Helper()
	wide := 0
	for i, line := range strings.Split(out, "\n") {
		plain := ansiSequence.ReplaceAllString(line, "")
		if n := columns(line); n != len([]rune(plain)) {
			t.Errorf("%s, line %d: columns counts %d, the plain text has %d", what, i+1, n, len([]rune(plain)))
		}
		if columns(line) > width {
			wide++
			if wide <= 3 {
				t.Errorf("%s, line %d is %d columns wide:\n%s", what, i+1, columns(line), plain)
			}
		}
	}
	if wide > 3 {
		t.Errorf("%s: %d lines in all are wider than %d columns", what, wide, width)
	}
}

// colored runs the program in a bubble with -color and returns what it
// printed on standard output and standard error, whatever its exit code.
func colored(t *testing.T, stdin string, args ...string) string {
	defer func(was bool) { color.NoColor = was }(color.NoColor)
	var stdout, stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		run(append(args, "-color"), strings.NewReader(stdin), &stdout, &stderr, noInterrupts)
	})
	return stdout.String() + stderr.String()
}

// consoleLesson is a console session that prints every kind of line:
// tables, errors, a partition that leaves nodes alone, a pause, a step,
// a long command.
const consoleLesson = `help
wait 1s
status
crash leader
Crash Leader
crash 42
partition 1,2
wait 1s
status
timeline
partition 1 2 3 4 5 6 7 8 9
heal extra
pause
step 30ms
wait 1s
resume
bogus command with many words that go on and on past the edge of the screen
heal
quit
`

// At 80 columns, no line is wider: the scenarios' logs, pictures and
// summaries, -h, the experiment's tables and charts, and the console.
func TestEveryLineFitsTheWidth(t *testing.T) {
	runs := [][]string{
		{"-scenario", "tour"},
		{"-scenario", "split-vote", "-nodes", "9"},
		{"-scenario", "disruptive", "-v"},
		{"-scenario", "partition", "-nodes", "9", "-heartbeats", "-latency", "30ms", "-drop", "0.2"},
		{"-h"},
		{"-experiment", "-trials", "20"},
		{"-break", "vote-twice", "-scenario", "split-vote"},
	}
	for _, sc := range scenarios {
		runs = append(runs, []string{"-scenario", sc.name})
	}
	for _, args := range runs {
		out := colored(t, "", append(args, "-seed", "4")...)
		checkWidth(t, strings.Join(args, " "), out, defaultWidth)
	}
	out := colored(t, consoleLesson, "-interactive", "-nodes", "9", "-seed", "4")
	checkWidth(t, "a console session", out, defaultWidth)
	t.Chdir(t.TempDir()) // a short path, as a person types it
	colored(t, "", "-scenario", "split-vote", "-break", "vote-twice", "-seed", "7", "-quiet", "-trace", "broken.jsonl")
	checkWidth(t, "-check of a trace with violations", colored(t, "", "-check", "broken.jsonl"), defaultWidth)
	if !strings.Contains(out, "\x1b[") {
		t.Error("-color printed no color into a pipe")
	}
}

// Wrapping breaks between words, indents the lines after the first under
// the text, and cuts only a word too long for a line. Color codes take no
// room, and the color starts after the indent.
func TestHangingLines(t *testing.T) {
	got := hangingLines("lead: ", "one two three four five six seven eight nine ten", 28, nil)
	want := []string{"lead: one two three four", "      five six seven eight", "      nine ten"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrapped into %q; want %q", got, want)
	}
	if got := wrapWords("abcdefghij", 4); strings.Join(got, "|") != "abcd|efgh|ij" {
		t.Errorf("a long word wrapped into %q", got)
	}
	style := color.New(color.FgRed)
	style.EnableColor()
	lines := hangingLines("> ", "colored words take no room at all", 30, style)
	if len(lines) != 2 {
		t.Errorf("colored words wrapped into %q; want two lines", lines)
	}
	for _, line := range lines {
		if columns(line) > 30 {
			t.Errorf("%q is %d columns wide", line, columns(line))
		}
		if !strings.HasPrefix(line, "> \x1b[") && !strings.HasPrefix(line, "  \x1b[") {
			t.Errorf("%q: the color does not start after the indent", line)
		}
	}
}
