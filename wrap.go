// wrap.go fits text to the width of the screen: every line a person sees
// fits their terminal, or 80 columns when the output is not a terminal.
// Long lines wrap between words, with a hanging indent that keeps wrapped
// text in its column; color codes take no room. The log (narration.go), the
// summary, the picture, -h, the experiment and the console all print
// through these helpers.

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/fatih/color"
	"golang.org/x/term"
)

// defaultWidth is the width of output that does not go to a terminal.
const defaultWidth = 80

// narrowestText is the fewest columns wrapped text gets, however wide its
// lead-in: narrower, a sentence would break into a word a line.
const narrowestText = 20

// columns is how many columns s takes on a terminal: one a rune, except
// for ANSI escape sequences (the colors), which take none.
func columns(s string) int {
	n, escape, csi := 0, false, false
	for _, r := range s {
		switch {
		case csi:
			// A control sequence ends with a byte from @ to ~.
			csi = r < '@' || r > '~'
		case escape:
			escape, csi = false, r == '['
		case r == '\x1b':
			escape = true
		default:
			n++
		}
	}
	return n
}

// wrapWords breaks text into lines of at most width columns, between
// words. A word wider than a line is cut where the line ends.
func wrapWords(text string, width int) []string {
	return packItems(cutLongWords(strings.Fields(text), width), " ", width)
}

// cutLongWords cuts every word wider than width into pieces that fit.
func cutLongWords(words []string, width int) []string {
	width = max(width, 1)
	var pieces []string
	for _, word := range words {
		runes := []rune(word)
		for columns(string(runes)) > width {
			pieces = append(pieces, string(runes[:width]))
			runes = runes[width:]
		}
		pieces = append(pieces, string(runes))
	}
	return pieces
}

// packItems puts items on lines of at most width columns, in order, sep
// between neighbors on a line: as many on each line as fit. An item wider
// than a line gets a line of its own.
func packItems(items []string, sep string, width int) []string {
	var lines []string
	line := ""
	for _, item := range items {
		switch {
		case line == "":
			line = item
		case columns(line)+columns(sep)+columns(item) <= width:
			line += sep + item
		default:
			lines = append(lines, line)
			line = item
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// hangingLines wraps text to width columns behind a lead-in: the first
// line starts with lead, each later one with as many spaces, so that the
// text reads as one column. style, if not nil, colors the text on each
// line, but not the spaces before it.
func hangingLines(lead, text string, width int, style *color.Color) []string {
	indent := columns(lead)
	lines := wrapWords(text, max(width-indent, narrowestText))
	for i, line := range lines {
		if style != nil {
			line = style.Sprint(line)
		}
		if i == 0 {
			lines[i] = lead + line
		} else {
			lines[i] = strings.Repeat(" ", indent) + line
		}
	}
	return lines
}

// writeHanging writes text wrapped behind lead, as hangingLines does, in
// one write: a terminal console redraws its prompt after each.
func writeHanging(w io.Writer, lead, text string, width int, style *color.Color) {
	io.WriteString(w, strings.Join(hangingLines(lead, text, width, style), "\n")+"\n")
}

// writeItem writes text as an item of a list, indent columns in, its
// wrapped lines two columns further in, so that each item stands out.
func writeItem(w io.Writer, indent int, text string, width int) {
	lines := wrapWords(text, max(width-indent-2, narrowestText))
	for i, line := range lines {
		lines[i] = strings.Repeat(" ", indent+min(i, 1)*2) + line
	}
	io.WriteString(w, strings.Join(lines, "\n")+"\n")
}

// definition is a term and what it means: a flag, an example command or a
// console command, and what it does.
type definition struct{ term, meaning string }

// widestTermShare caps the terms' column at this share of the width, so
// that the meanings keep room; a longer term has its meaning on the next
// line.
const widestTermShare = 0.55

// writeDefinitions lists terms, indent columns in, each with its meaning
// beside it: every meaning starts in the same column and wraps under
// itself, width columns in all.
func writeDefinitions(w io.Writer, defs []definition, indent, width int) {
	const gap = 2
	termColumn := 0
	for _, d := range defs {
		if n := columns(d.term); float64(indent+n+gap) <= widestTermShare*float64(width) {
			termColumn = max(termColumn, n)
		}
	}
	margin := strings.Repeat(" ", indent)
	meaningAt := strings.Repeat(" ", indent+termColumn+gap)
	for _, d := range defs {
		if columns(d.term) > termColumn {
			fmt.Fprintln(w, margin+d.term)
			writeHanging(w, meaningAt, d.meaning, width, nil)
			continue
		}
		lead := margin + d.term + strings.Repeat(" ", termColumn+gap-columns(d.term))
		writeHanging(w, lead, d.meaning, width, nil)
	}
}

// terminalWidth is the width of the terminal standard output goes to, or
// 80 columns when it is not a terminal.
func terminalWidth() int {
	width, _ := screenSize(int(os.Stdout.Fd()))
	return width
}

// screenSize is the size of the terminal fd is, or 80 by 24 when it is not
// one or reports no size (a pseudo-terminal with no window says 0 by 0).
func screenSize(fd int) (width, height int) {
	width, height, err := term.GetSize(fd)
	if err != nil || width <= 0 || height <= 0 {
		return defaultWidth, 24
	}
	return width, height
}

// printable shows typed text with its control characters escaped, so that
// no escape sequence typed or piped in reaches the screen as one, and at
// most mostTyped characters of it.
func printable(s string) string {
	s = abridge(s, mostTyped)
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	quoted := strconv.QuoteToGraphic(s)
	return quoted[1 : len(quoted)-1]
}

// quoteTyped shows a typed word in quotes, as printable shows it.
func quoteTyped(word string) string {
	return `"` + printable(word) + `"`
}

// mostTyped is how many characters of a typed line the console echoes and
// records: more than any command needs, few enough that a line of 64 KiB
// makes a line or two on screen and a short line in the trace.
const mostTyped = 200
